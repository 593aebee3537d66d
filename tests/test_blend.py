import pytest
import torch

import deeprec as dr
from deeprec.models.blend import RIDGES, choose_ridge, fit_blend_weights

FAST = dr.TrainConfig(num_epochs=3, batch_size=64, progress=False,
                      device="cpu")


def test_blend_weights_recover_a_known_mix():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(500, generator=g), torch.randn(500, generator=g)
    y = 0.7 * a + 0.2 * b + 0.5
    w, bias = fit_blend_weights(torch.stack([a, b], 1), y, ridge=0.0)
    assert w == pytest.approx([0.7, 0.2], abs=1e-6)
    assert bias == pytest.approx(0.5, abs=1e-6)


def test_blend_weights_refuse_mismatched_shapes():
    with pytest.raises(ValueError, match="predictions"):
        fit_blend_weights(torch.zeros(5, 2), torch.zeros(4))


def test_blend_predicts_the_weighted_members_and_beats_the_worse(data):
    item = dr.build_model(dr.replace(dr.recipes.I_AUTOREC, hidden_dim=8),
                          data)
    item = dr.fit(item, data, FAST).model
    biases = dr.BiasBaseline(data)
    blend = dr.fit_blend([item, biases], data, names=["I-AutoRec", "biases"])
    parts = [dr.predict_ratings(m, data, "test", clip=False)
             for m in (item, biases)]
    expected = (blend.weights[0] * parts[0] + blend.weights[1] * parts[1]
                + blend.bias).clamp(*data.rating_range)
    torch.testing.assert_close(dr.predict_ratings(blend, data, "test"),
                               expected)
    valid = {m: dr.evaluate_rmse(m, data, "valid") for m in (item, biases)}
    # fitted on validation: never worse there than the better member
    assert dr.evaluate_rmse(blend, data, "valid") <= min(valid.values()) + 1e-6
    assert "I-AutoRec" in repr(blend)


def test_blend_needs_validation_ratings():
    split = dr.synthetic_split("u1", valid_fraction=0.0)
    data = dr.RatingData(split)
    with pytest.raises(ValueError, match="validation"):
        dr.fit_blend([dr.GlobalMean(data)], data)


def test_cross_validation_picks_a_stronger_ridge_for_noise_members():
    gen = torch.Generator().manual_seed(0)
    truth = torch.rand(400, generator=gen) * 4 + 1
    good = truth + 0.3 * torch.randn(400, generator=gen)
    ridge, scores = choose_ridge(good[:, None], truth)
    assert set(scores) == set(RIDGES) and scores[ridge] == min(scores.values())
    # forty members of pure noise: unregularised weights fit the noise
    noise = torch.randn(400, 40, generator=gen)
    crowded = torch.cat([good[:, None], noise], dim=1)
    ridge_crowded, crowded_scores = choose_ridge(crowded, truth)
    assert ridge_crowded > ridge
    assert crowded_scores[ridge_crowded] < crowded_scores[min(RIDGES)]
    with pytest.raises(ValueError, match="too few"):
        choose_ridge(good[:5, None], truth[:5])


def test_fit_blend_records_the_ridge_it_chose(data):
    members = [dr.BiasBaseline(data), dr.GlobalMean(data)]
    chosen = dr.fit_blend(members, data)
    entries = data.part("valid")
    preds = torch.stack([dr.predict_ratings(m, data, entries, clip=False)
                         for m in members], dim=1)
    assert chosen.ridge == choose_ridge(preds, entries.ratings)[0]
    assert f"ridge: {chosen.ridge:g}" in repr(chosen)
    fixed = dr.fit_blend(members, data, ridge=0.5)
    assert fixed.ridge == 0.5 and not torch.equal(fixed.weights,
                                                  chosen.weights)


def test_the_blend_follows_the_trainer_protocol(data):
    from deeprec.train import BlendConfig, train
    members = [dr.BiasBaseline(data), dr.GlobalMean(data)]
    direct = dr.fit_blend(members, data, ridge=0.01)
    result = train(dr.Blend(members), data, BlendConfig(ridge=0.01))
    assert isinstance(result, dr.FitResult) and result.best_epoch == 0
    torch.testing.assert_close(result.model.weights, direct.weights)
    assert result.test_rmse == pytest.approx(
        dr.evaluate_rmse(direct, data, "test"))
    assert result.config == BlendConfig(ridge=0.01)
