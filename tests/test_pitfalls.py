"""Each pitfall switch changes what it should, and nothing when off."""

import math

import numpy as np
import pandas as pd
import pytest
import torch

import deeprec as dr
from deeprec.config import ConfigError
from deeprec.data.matrix import Entries
from deeprec.evaluate import evaluate_rmse, user_weighted_rmse
from deeprec.scale import Scale
from deeprec.studies import pitfalls as study
from deeprec.train import make_optimizer, pitfalls, train_step

QUICK = dict(num_epochs=4, batch_size=64, progress=False, device="cpu")


def small_model(data, seed=0):
    dr.set_seed(seed)
    return dr.AutoRec(dr.AutoRecConfig(num_inputs=data.num_users,
                                       hidden_dim=16))


def fit(data, seed=0, **kw):
    return dr.fit(small_model(data, seed), data,
                  dr.TrainConfig(**{**QUICK, **kw}))


def frame(rows):
    return pd.DataFrame(rows, columns=["user_id", "item_id", "rating",
                                       "timestamp"])


@pytest.fixture
def tiny():
    """Two users; item 30 is rated in the test part only."""
    train = frame([(1, 10, 4, 0), (1, 20, 2, 1), (2, 10, 5, 2),
                   (2, 20, 3, 3)])
    test = frame([(1, 30, 1, 4), (2, 20, 4, 5), (2, 10, 2, 6)])
    return dr.Split(train, train.iloc[:0], test, name="tiny")


def test_unknown_or_clashing_pitfalls_are_config_errors():
    with pytest.raises(ConfigError, match="no_zero_grad"):
        dr.TrainConfig(pitfalls=("no_zero_grads",))
    with pytest.raises(ConfigError, match="at most one"):
        dr.TrainConfig(pitfalls=("user_batches", "per_user_rmse"))
    assert dr.TrainConfig(pitfalls=["drop_last"]).pitfalls == ("drop_last",)


def test_default_run_key_is_unchanged_by_the_pitfalls_field(data):
    run = dr.Run({"m": "a"}, dr.AutoRecConfig(hidden_dim=8),
                 dr.TrainConfig(num_epochs=2))
    with_field = dr.studies.run_definition(run, data)["train"]
    assert "pitfalls" not in with_field
    bad = dr.Run({"m": "a"}, run.model, dr.replace(
        run.train, pitfalls=("drop_last",)))
    assert dr.studies.run_key(bad, data) != dr.studies.run_key(run, data)


def test_no_zero_grad_adds_the_gradients_of_successive_steps(data):
    x = data.matrix("item").to_dense()[:32]
    grads = {}
    for name, chosen in (("ok", ()), ("bad", ("no_zero_grad",))):
        model = small_model(data)
        cfg = dr.TrainConfig(optimizer="sgd", lr=1e-30, momentum=0.0,
                             pitfalls=chosen)
        optimizer = make_optimizer(model, cfg)
        train_step(model, optimizer, x, cfg, scale=1.0)
        first = model.encoder.weight.grad.clone()
        train_step(model, optimizer, x, cfg, scale=1.0)
        grads[name] = (first, model.encoder.weight.grad)
    first, second = grads["ok"]
    torch.testing.assert_close(second, first)  # cleared: the same batch
    first, second = grads["bad"]
    torch.testing.assert_close(second, 2 * first)  # summed


def test_drop_last_drops_only_a_partial_last_batch():
    order = torch.arange(10)
    ok = dr.TrainConfig()
    bad = dr.TrainConfig(pitfalls=("drop_last",))
    assert [len(b) for b in pitfalls.batches(order, 4, ok)] == [4, 4, 2]
    assert [len(b) for b in pitfalls.batches(order, 4, bad)] == [4, 4]
    assert [len(b) for b in pitfalls.batches(order, 5, bad)] == [5, 5]
    assert [len(b) for b in pitfalls.batches(order, 20, bad)] == [10]


def test_drop_last_changes_training(data):
    # 300 items, batch 64: 44 items miss each epoch
    ok, bad = fit(data), fit(data, pitfalls=("drop_last",))
    assert not np.allclose(ok.history.train_rmse, bad.history.train_rmse)


def test_fixed_halvings_ignore_the_number_of_epochs(data):
    h = fit(data, num_epochs=40, batch_size=512, lr=0.01,
            lr_milestones=(0.5,), pitfalls=("fixed_lr_halvings",)).history
    lr = h.set_index("epoch").lr  # the rate after each epoch's step
    assert lr[23] == pytest.approx(0.01) and lr[24] == pytest.approx(0.005)
    assert lr[35] == pytest.approx(0.005) and lr[40] == pytest.approx(
        0.0025)
    assert pitfalls.lr_milestones(dr.TrainConfig(
        num_epochs=40, lr_milestones=(0.5,))) == ([20], 0.5)


def test_epoch_on_test_keeps_the_lowest_test_rmse(data):
    result = fit(data, num_epochs=6, pitfalls=("epoch_on_test",))
    h = result.history
    assert result.test_rmse == h.test_rmse.min()
    assert result.best_epoch == h.epoch[h.test_rmse.idxmin()]
    fair = fit(data, num_epochs=6)
    assert fair.best_epoch == fair.history.epoch[
        fair.history.valid_rmse.idxmin()]


def test_user_weightings_by_hand():
    errors = torch.tensor([1.0, 1.0, 1.0, 3.0])
    users = torch.tensor([0, 0, 0, 1])
    assert user_weighted_rmse(errors, users) == pytest.approx(
        math.sqrt((1 + 9) / 2))
    assert user_weighted_rmse(errors, users, per_user_root=True) == (
        pytest.approx((1 + 3) / 2))
    assert math.sqrt((3 + 9) / 4) != pytest.approx(math.sqrt(5))


def test_evaluation_pitfalls_reweight_the_same_predictions(tiny):
    data = dr.RatingData(tiny)
    model = dr.models.build_model(dr.models.GlobalMeanConfig(), data)
    mean = data.global_mean
    err = np.array([1, 4, 2]) - mean  # users 1, 2, 2
    assert evaluate_rmse(model, data) == pytest.approx(
        np.sqrt((err ** 2).mean()))
    user_mse = [err[0] ** 2, (err[1:] ** 2).mean()]
    assert evaluate_rmse(model, data, weighting="user") == pytest.approx(
        np.sqrt(np.mean(user_mse)))
    assert evaluate_rmse(model, data, weighting="user-rmse") == (
        pytest.approx(np.mean(np.sqrt(user_mse))))
    with pytest.raises(ValueError, match="weighting"):
        evaluate_rmse(model, data, weighting="item")


def test_a_weighting_pitfall_reaches_the_epoch_rows(data):
    ok, bad = fit(data, num_epochs=2), fit(
        data, num_epochs=2, pitfalls=("per_user_rmse",))
    assert ok.history.train_rmse.equals(bad.history.train_rmse)
    assert not np.allclose(ok.history.test_rmse, bad.history.test_rmse)
    assert bad.test_rmse == pytest.approx(evaluate_rmse(
        bad.model, data, weighting="user-rmse"), rel=1e-6)


def test_ids_from_all_gives_test_only_items_a_column(tiny):
    fair, leaky = dr.RatingData(tiny), dr.RatingData(tiny, ids="all")
    assert fair.num_items == 2 and leaky.num_items == 3
    assert fair.test.known.tolist() == [False, True, True]
    assert leaky.test.known.all()
    assert leaky.train.nnz == fair.train.nnz  # no rating moved
    assert leaky.fingerprint != fair.fingerprint
    with pytest.raises(ValueError, match="ids"):
        dr.RatingData(tiny, ids="test")


def test_seen_entries_drop_the_unseen_ratings(tiny):
    data = dr.RatingData(tiny)
    seen = data.test.seen()
    assert len(seen) == 2 and seen.ratings.tolist() == [4.0, 2.0]


def test_random_like_keeps_the_part_sizes(split):
    ratings = pd.concat([split.train, split.valid, split.test],
                        ignore_index=True)
    timed = dr.data.last_days_split(ratings, test_days=30)
    like = dr.data.random_like(timed, ratings, seed=3)
    assert len(like.train) == len(timed.train)
    assert len(like.test) <= len(timed.test)
    assert like.test[["user_id", "item_id"]].apply(tuple, axis=1).isin(
        like.train[["user_id", "item_id"]].apply(tuple, axis=1)).sum() == 0
    with pytest.raises(ValueError, match="more than"):
        dr.data.random_like(timed, ratings.iloc[:10])


def test_pitfall_run_switches_exactly_one_thing():
    base = study.CORRECT
    run = study.pitfall_run(base, "selu_output")
    assert run.model.last_activation and not run.train.clip
    assert run.label["pitfall"] == "selu_output"
    run = study.pitfall_run(base, "no_zero_grad")
    assert run.train.pitfalls == ("no_zero_grad",)
    assert run.model == base.model
    assert study.pitfall_run(base, "drop_unseen").train == base.train
    with pytest.raises(ValueError, match="unknown pitfall"):
        study.pitfall_run(base, "peeking")
    both = study.pitfall_run(base, "drop_last+selu_output")
    assert both.train.pitfalls == ("drop_last",) and not both.train.clip
    assert both.model.last_activation
    assert both.label["pitfall"] == "drop_last+selu_output"


def test_pitfall_study_rows_and_effects(split, tmp_path):
    ratings = pd.concat([split.train, split.valid, split.test],
                        ignore_index=True)
    timed = dr.data.last_days_split(ratings, test_days=60)
    base = dr.Run({"pitfall": "none"}, dr.AutoRecConfig(hidden_dim=8),
                  dr.TrainConfig(num_epochs=4, batch_size=64, lr=0.03,
                                 device="cpu"))
    names = ("no_zero_grad", "user_batches", "drop_unseen", "random_split")
    assert names == tuple(n for n in study.NAMES if n in names)
    result = study.pitfall_study(split, timed, ratings, tmp_path,
                                 seeds=(0,), base=base, names=names,
                                 combined=(), progress=False, scale=Scale())
    e = result.effects
    assert e.pitfall.tolist() == list(names)
    assert np.allclose(e.effect, e.rmse - e.correct_rmse)
    unseen = e.set_index("pitfall").loc["drop_unseen"]
    assert unseen.effect == pytest.approx(0.0)  # the synthetic u1 has none
    assert (e.set_index("pitfall").effect.drop("drop_unseen") != 0).all()
    summary = study.effect_summary(e)
    assert summary.seeds.tolist() == [1, 1, 1, 1]
    again = study.pitfall_study(split, timed, ratings, tmp_path, seeds=(0,),
                                base=base, names=names, combined=(),
                                progress=False,
                                scale=Scale())
    assert all(not r.trained for r in again.studies.values())
    pd.testing.assert_frame_equal(again.effects, e)


def test_classify_separates_clear_small_mixed_nothing_and_diverged():
    rows = []
    per_seed = {"clear_up": (0.05, 0.06, 0.055), "clear_down": (-0.02, -0.03, -0.025),
                "small": (0.0004, 0.0075, 0.0018), "mixed": (-0.001, 0.005, 0.002),
                "nothing": (0.0, 0.0, 0.0), "failed": (0.9, 0.8, 0.85)}
    for name, effects in per_seed.items():
        for seed, effect in enumerate(effects):
            rows.append({"pitfall": name, "kind": "training", "seed": seed,
                         "rmse": 0.96 + effect, "correct_rmse": 0.96,
                         "effect": effect, "diverged": name == "failed"})
    summary = study.effect_summary(pd.DataFrame(rows))
    assert summary.diverged.tolist() == [0, 0, 0, 0, 0, 3]
    verdict = study.classify(summary, spread=0.002)
    assert verdict.to_dict() == {"clear_up": "raises", "clear_down": "lowers",
                                 "small": "small", "mixed": "mixed",
                                 "nothing": "nothing", "failed": "diverges"}
    # a mean beyond the spread is not enough when the seeds disagree in size
    assert study.classify(summary, spread=0.0001)["small"] == "small"
    # ... and a clear effect within a wider seed spread is only small
    assert study.classify(summary, spread=0.03)["clear_down"] == "small"
