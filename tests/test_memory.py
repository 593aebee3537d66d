"""Nothing dense is built without checking it fits the device."""

import pytest
import torch

import deeprec as dr
from deeprec.memory import (FREE_ENV, DeviceMemoryError, check_dense,
                            free_bytes, rows_that_fit)


@pytest.fixture
def data():
    return dr.RatingData(dr.load_split("synthetic", "u1"))


def test_free_memory_is_read_from_the_system_or_the_override(monkeypatch):
    assert free_bytes("cpu") > 2**20
    monkeypatch.setenv(FREE_ENV, "1e6")
    assert free_bytes("cpu") == 1_000_000


def test_a_dense_matrix_too_large_is_refused_naming_size_and_option(
        monkeypatch):
    monkeypatch.setenv(FREE_ENV, str(2**30))
    assert check_dense(1000, 1000, "cpu", "x", "use less") == 4_000_000
    with pytest.raises(DeviceMemoryError) as err:
        check_dense(480_189, 17_770, "cpu", "score_users", "pass users=")
    message = str(err.value)
    assert "\n" not in message
    for part in ("score_users", "480,189 x 17,770", "31.8 GiB",
                 "1.0 GiB free", "pass users="):
        assert part in message


def test_batches_of_rows_shrink_to_what_fits(monkeypatch):
    monkeypatch.setenv(FREE_ENV, str(100 * 1000 * 4 * 3 / 0.8))
    assert rows_that_fit(1024, 1000, "cpu", "x", "y") == 100
    assert rows_that_fit(50, 1000, "cpu", "x", "y") == 50
    monkeypatch.setenv(FREE_ENV, "10")
    with pytest.raises(DeviceMemoryError, match="y$"):
        rows_that_fit(1024, 1000, "cpu", "x", "y")


def test_scoring_all_users_is_refused_before_anything_is_built(
        data, monkeypatch):
    model = dr.models.AutoRec(dr.AutoRecConfig(
        num_inputs=data.num_users, hidden_dim=8, orientation="item"))
    scores = dr.recommend.score_users(model, data)
    assert scores.shape == (data.num_users, data.num_items)
    monkeypatch.setenv(FREE_ENV, str(data.num_users * data.num_items))
    with pytest.raises(DeviceMemoryError, match="score_users.*users="):
        dr.recommend.score_users(model, data)
    few = dr.recommend.score_users(model, data, users=torch.arange(10))
    assert torch.allclose(few, scores[:10], atol=1e-6)


def test_evaluation_in_smaller_batches_gives_the_same_rmse(data, monkeypatch):
    model = dr.models.AutoRec(dr.AutoRecConfig(
        num_inputs=data.num_users, hidden_dim=8, orientation="item"))
    full = dr.evaluate_rmse(model, data, "test")
    # room for about 10 dense rows: evaluation takes many small batches
    monkeypatch.setenv(FREE_ENV, str(10 * data.num_users * 4 * 3 / 0.8))
    assert dr.evaluate_rmse(model, data, "test") == pytest.approx(full, 1e-6)


def test_glocal_k_refuses_a_matrix_that_does_not_fit(data, monkeypatch):
    monkeypatch.setenv(FREE_ENV, str(data.num_users * data.num_items * 4))
    model = dr.build_model(dr.recipes.GLOCAL_K, data)
    with pytest.raises(DeviceMemoryError, match="fit_glocal_k.*smaller data"):
        dr.fit_glocal_k(model, data, dr.recipes.GLOCAL_K_TRAIN)
