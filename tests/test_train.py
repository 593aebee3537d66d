import math

import pandas as pd
import pytest
import torch

import deeprec as dr
from deeprec.data import SyntheticConfig, write_synthetic_movielens
from deeprec.train import make_optimizer, train_step

QUICK = dict(num_epochs=4, batch_size=64, progress=False, device="cpu")


def small_model(data, **kw):
    return dr.AutoRec(dr.AutoRecConfig(num_inputs=data.num_users,
                                       hidden_dim=32, **kw))


def test_history_and_best_checkpoint_by_validation(data):
    result = dr.fit(small_model(data), data, dr.TrainConfig(**QUICK))
    h = result.history
    assert list(h.columns) == ["epoch", "train_rmse", "valid_rmse",
                               "test_rmse", "lr", "seconds"]
    assert h.epoch.tolist() == [1, 2, 3, 4]
    best = h.loc[h.valid_rmse.idxmin()]
    assert result.best_epoch == best.epoch
    assert result.valid_rmse == best.valid_rmse
    # the returned model holds the best epoch's weights
    assert math.isclose(dr.evaluate_rmse(result.model, data, "test"),
                        best.test_rmse, rel_tol=1e-6)


def test_same_seed_same_rmse(data):
    def run(seed):
        dr.set_seed(seed)  # seeds the initialisation
        return dr.fit(small_model(data, dropout=0.2), data,
                      dr.TrainConfig(seed=seed, **QUICK))

    runs = [run(7), run(7)]
    pd.testing.assert_frame_equal(runs[0].history.drop(columns="seconds"),
                                  runs[1].history.drop(columns="seconds"))
    assert run(8).test_rmse != runs[0].test_rmse


def test_refeeding_takes_an_optimizer_step_per_pass(data):
    model = dr.DeepAutoEncoder(dr.DeepAEConfig(data.num_items, (16,)))
    cfg = dr.TrainConfig(optimizer="sgd", lr=1e-3, refeed=2)
    optimizer = make_optimizer(model, cfg)
    steps = []
    optimizer.register_step_post_hook(lambda *a: steps.append(1))
    x = data.train.to_dense()[:8]
    train_step(model, optimizer, x, cfg, scale=1.0)
    assert len(steps) == 3  # sparse pass + 2 dense re-feeds


def test_refeeding_targets_the_first_output_detached(data):
    """The re-fed pass trains f(f(x)) toward f(x): with lr 0 on the first
    step only, the second step must move f(f(x)) toward f(x)."""
    torch.manual_seed(0)
    model = dr.DeepAutoEncoder(dr.DeepAEConfig(data.num_items, (16,)))
    x = data.train.to_dense()[:32]
    with torch.no_grad():
        fx = model(x)
        before = ((model(fx) - fx) ** 2).mean()
    cfg = dr.TrainConfig(optimizer="sgd", lr=0.05, momentum=0, refeed=1)
    optimizer = make_optimizer(model, cfg)
    lrs = iter([0.0, 0.05])  # no update on the sparse pass
    optimizer.register_step_pre_hook(
        lambda opt, *a: opt.param_groups[0].update(lr=next(lrs)))
    train_step(model, optimizer, x, cfg, scale=1.0)
    with torch.no_grad():
        after = ((model(fx) - fx) ** 2).mean()
    assert after < before


def test_divergence_is_recorded_not_raised(data):
    model = dr.DeepAutoEncoder(dr.DeepAEConfig(data.num_items, (64, 64),
                                               activation="elu"))
    cfg = dr.TrainConfig(optimizer="sgd", lr=1e6, num_epochs=5,
                         progress=False, device="cpu")
    result = dr.fit(model, data, cfg)
    assert result.diverged
    assert len(result.history) < 5
    assert math.isnan(result.history.train_rmse.iloc[-1])


@pytest.mark.parametrize("optimizer,lr", [("lbfgs", 1.0), ("rprop", 1e-3),
                                          ("sgd", 0.05)])
def test_paper_optimizers_learn(data, optimizer, lr):
    cfg = dr.TrainConfig(optimizer=optimizer, lr=lr, num_epochs=6,
                         lbfgs_iters=5, loss="sse" if optimizer != "sgd"
                         else "mmse", l2=1.0, progress=False, device="cpu")
    result = dr.fit(small_model(data), data, cfg)
    h = result.history
    assert h.train_rmse.iloc[-1] < h.train_rmse.iloc[0]
    assert not result.diverged


def test_learning_rate_milestones_are_fractions_of_the_run(data):
    cfg = dr.TrainConfig(lr_milestones=(0.5,), lr_gamma=0.1, **QUICK)
    h = dr.fit(small_model(data), data, cfg).history
    assert h.lr.tolist() == pytest.approx([1e-3, 1e-4, 1e-4, 1e-4])


def test_autorec_reaches_near_the_noise_floor(tmp_path):
    """On dense low-rank data I-AutoRec closes most of the gap between the
    global mean and the noise floor (the RMSE of the noiseless ratings)."""
    cfg = SyntheticConfig(num_users=1000, num_items=100, num_ratings=40_000,
                          rank=3, noise=0.3, seed=1)
    folder = write_synthetic_movielens(tmp_path / "lowrank", cfg)
    split = dr.data.ml100k_fold(folder, 1)
    data = dr.RatingData(split)
    expected = pd.read_csv(folder / "expected.tsv", sep="\t")
    test = split.test.merge(expected, on=["user_id", "item_id"])
    floor = dr.rmse(test.rating, test.expected)
    mean = dr.evaluate_rmse(dr.GlobalMean(data), data)
    dr.set_seed(0)
    model = dr.AutoRec(dr.AutoRecConfig(num_inputs=data.num_users,
                                        hidden_dim=50))
    result = dr.fit(model, data, dr.TrainConfig(
        optimizer="lbfgs", lr=1.0, loss="sse", l2=30.0, num_epochs=8,
        progress=False, device="cpu"))
    explained = (mean**2 - result.test_rmse**2) / (mean**2 - floor**2)
    assert explained > 0.65, (mean, result.test_rmse, floor)  # bias: 0.37
    assert result.test_rmse < dr.evaluate_rmse(dr.BiasBaseline(data), data)
