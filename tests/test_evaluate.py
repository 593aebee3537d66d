"""Evaluation: the papers' protocol, and the one model-kind dispatch."""

import math

import pytest
import torch

import deeprec as dr
from deeprec.evaluate import model_kind

FAST = dr.TrainConfig(num_epochs=2, batch_size=64, progress=False,
                      device="cpu")


def test_rmse_on_a_hand_made_example():
    assert dr.rmse([5, 3, 4], [4, 3, 2]) == pytest.approx(math.sqrt(5 / 3))


@pytest.mark.parametrize("config,kind", [
    (dr.recipes.I_AUTOREC, "autoencoder"),
    (dr.recipes.DEEP_AE, "autoencoder"),
    (dr.recipes.GLOCAL_K, "whole-matrix"),
    (dr.recipes.BIASED_MF, "pointwise"),
    (dr.models.BiasConfig(), "pointwise"),
    (dr.models.KNNConfig("user"), "pointwise"),
])
def test_every_model_has_one_kind(data, config, kind):
    assert model_kind(dr.build_model(config, data)) == kind


def test_a_blend_is_fed_through_its_members(data):
    members = [dr.BiasBaseline(data), dr.GlobalMean(data)]
    blend = dr.fit_blend(members, data, ["biases", "mean"])
    assert model_kind(blend) == "blend"


def test_autoencoders_read_the_training_vector_at_held_out_entries(data):
    model = dr.build_model(dr.replace(dr.recipes.I_AUTOREC, hidden_dim=8),
                           data)
    model.eval()
    test = data.part("test")
    known = test.known
    with torch.no_grad():
        full = model(data.matrix("item").to_dense())  # (items, users)
    expected = full[test.items[known], test.users[known]].clamp(
        *data.rating_range)
    got = dr.predict_ratings(model, data, "test")
    torch.testing.assert_close(got[known], expected)
    # unseen users or items get the training mean (the stated fallback)
    assert torch.all(got[~known] == data.global_mean)


def test_predictions_do_not_depend_on_the_batch_size(data):
    model = dr.fit(dr.build_model(dr.replace(dr.recipes.DEEP_AE,
                                             hidden_dims=(16,)), data),
                   data, FAST).model
    a = dr.predict_ratings(model, data, "test", batch_size=7)
    b = dr.predict_ratings(model, data, "test", batch_size=4096)
    torch.testing.assert_close(a, b)


def test_clipping_keeps_predictions_in_the_rating_range(data):
    model = dr.GlobalMean(data)
    with torch.no_grad():
        model.mu.fill_(9.0)
    low, high = data.rating_range
    assert dr.predict_ratings(model, data, "test").max() == high
    assert dr.predict_ratings(model, data, "test", clip=False).max() == 9.0


def test_no_held_out_ratings_give_nan(data):
    from deeprec.data.matrix import Entries
    empty = Entries(torch.zeros(0, dtype=torch.int64),
                    torch.zeros(0, dtype=torch.int64), torch.zeros(0))
    assert math.isnan(dr.evaluate_rmse(dr.GlobalMean(data), data, empty))
