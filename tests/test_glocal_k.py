"""GLocal-K: the local kernel, the global kernel and the two-stage fit."""

import pytest
import torch

import deeprec as dr
from deeprec.models import KernelLayer, local_kernel

FAST = dr.GLocalKTrainConfig(pretrain_epochs=2, finetune_epochs=2,
                             progress=False, device="cpu")


def small(data, **kw):
    dr.set_seed(0)
    return dr.GLocalK(dr.GLocalKConfig(data.num_users, data.num_items,
                                       hidden_dims=(16, 16), **kw))


def test_local_kernel_is_one_where_embeddings_meet_and_zero_far_apart():
    u = torch.tensor([[0.0, 0.0], [3.0, 0.0]])
    v = torch.tensor([[0.0, 0.0], [0.5, 0.0], [2.0, 0.0]])
    expected = torch.tensor([[1.0, 0.75, 0.0], [0.0, 0.0, 0.0]])
    torch.testing.assert_close(local_kernel(u, v), expected)


def test_kernel_layer_masks_its_weights_and_penalises_both():
    layer = KernelLayer(3, 2, kernel_dim=2, activation=torch.nn.Identity())
    with torch.no_grad():
        layer.u.copy_(torch.tensor([[0.0, 0.0], [0.0, 0.0], [9.0, 9.0]]))
        layer.v.zero_()
        layer.b.zero_()
    x = torch.tensor([[1.0, 2.0, 5.0]])
    W = layer.W.detach()
    # the third input's embedding is far away: its weights are cut to zero
    torch.testing.assert_close(layer(x), (x[:, :2] @ W[:2]))
    K = torch.tensor([[1.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    expected = 0.5 * (0.1 * (K ** 2).sum() + 3.0 * (W ** 2).sum())
    torch.testing.assert_close(layer.penalty(3.0, 0.1), expected)


def test_global_kernel_needs_the_whole_matrix(data):
    model = small(data)
    r = data.matrix("item").to_dense()
    torch.testing.assert_close(model(r), model.local(r))  # pre-training
    model.use_global.fill_(True)
    out = model(r)
    assert out.shape == r.shape and not torch.allclose(out, model.local(r))
    with pytest.raises(ValueError, match=f"{data.num_items} rows"):
        model(r[:5])


def test_fit_keeps_the_best_validation_epoch_of_both_stages(data):
    result = dr.fit_glocal_k(small(data), data, FAST)
    h = result.history
    assert h.stage.tolist() == ["pre-train"] * 2 + ["fine-tune"] * 2
    assert result.best_epoch == int(h.loc[h.valid_rmse.idxmin(), "epoch"])
    assert bool(result.model.use_global) == (result.best_epoch > 2)
    # the kept weights are the ones that scored valid_rmse, whatever the
    # evaluation batch size (the model always sees the whole matrix)
    for batch_size in (7, 4096):
        assert dr.evaluate_rmse(result.model, data, "valid", batch_size) \
            == pytest.approx(result.valid_rmse)
    assert h.train_rmse.iloc[-1] < h.train_rmse.iloc[0]


def test_fine_tuning_trains_the_global_kernel_only_when_on(data):
    model = small(data)
    before = model.conv_kernel.detach().clone()
    dr.fit_glocal_k(model, data, dr.replace(FAST, finetune_epochs=0))
    torch.testing.assert_close(model.conv_kernel, before)
    dr.fit_glocal_k(model, data, dr.replace(FAST, pretrain_epochs=0))
    assert not torch.allclose(model.conv_kernel, before)


def test_study_run_saves_history_and_a_model_that_reproduces_it(
        data, tmp_path):
    run = dr.Run({"model": "GLocal-K"}, dr.replace(
        dr.recipes.GLOCAL_K, hidden_dims=(16, 16)), FAST)
    study = dr.run_study([run], data, path=tmp_path, progress=False,
                         save_models=True)
    row = study.summary.iloc[0]
    assert set(study.history.stage) == {"pre-train", "fine-tune"}
    model = dr.studies.load_trained(run, tmp_path, data)
    assert dr.evaluate_rmse(model, data, "test") == pytest.approx(
        row.test_rmse)


def test_checkpoint_round_trip_keeps_the_stage(data, tmp_path):
    model = small(data)
    model.use_global.fill_(True)
    dr.save_model(model, tmp_path / "g.pt")
    loaded, _ = dr.load_model(tmp_path / "g.pt")
    assert bool(loaded.use_global)
    r = data.matrix("item").to_dense()
    torch.testing.assert_close(loaded(r), model(r))


def test_user_based_variant_takes_users_as_rows(data):
    config = dr.replace(dr.recipes.GLOCAL_K, hidden_dims=(16,),
                        orientation="user")
    model = dr.build_model(config, data)
    assert model.conv_kernel.shape[0] == data.num_users
    result = dr.fit_glocal_k(model, data, FAST)
    scores = dr.recommend.score_users(result.model, data, batch_size=50)
    test = data.part("test")
    keep = test.known
    torch.testing.assert_close(
        scores[test.users[keep], test.items[keep]],
        dr.predict_ratings(result.model, data, "test")[keep])
