"""Several ranks with torchrun (gloo on the CPU), bf16 and torch.compile.

The multi-process tests start ``python -m torch.distributed.run
--nproc_per_node=2`` as a subprocess on the tiny synthetic set.
"""

import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

import deeprec as dr
from deeprec.cli import main
from deeprec.config import ConfigError
from deeprec.losses import observed
from deeprec.train import Share, Sharding, reconstruction_loss
from deeprec.train.distributed import FAIL_ENV

TESTS = Path(__file__).parent
COLUMNS = ["train_rmse", "valid_rmse", "test_rmse"]


def _uneven_batch(rows: int) -> int:
    """A batch size whose last batch has one row (one rank gets none)."""
    return next(b for b in range(31, 80) if rows % b == 1 and b % 2)


def cases(data) -> dict:
    """name -> (model builder, train settings): uneven and short batches,
    both losses with L2, both orientations, re-feeding, L-BFGS."""
    def autorec(orientation="item"):
        n = data.num_users if orientation == "item" else data.num_items
        return dr.AutoRec(dr.AutoRecConfig(n, 16, orientation=orientation))

    def deep(orientation="user"):
        n = data.num_items if orientation == "user" else data.num_users
        return dr.DeepAutoEncoder(dr.DeepAEConfig(n, (16, 8),
                                                  orientation=orientation))

    return {
        "autorec-adam-uneven": (autorec, dict(
            batch_size=_uneven_batch(data.num_items), l2=0.5, lr=3e-3)),
        "deep-ae-sgd-refeed": (deep, dict(batch_size=32, optimizer="sgd",
                                          lr=0.02, refeed=1)),
        "autorec-sse-lbfgs": (autorec, dict(optimizer="lbfgs", lr=1.0,
                                            lbfgs_iters=3, loss="sse",
                                            l2=1.0)),
    }


def run_case(data, name: str):
    """Train one case; its history (no timings) and weights."""
    build, settings = cases(data)[name]
    dr.set_seed(0)
    model = build()
    result = dr.fit(model, data, dr.TrainConfig(
        num_epochs=3, progress=False, device="cpu", **settings))
    return (result.history.drop(columns="seconds"),
            {k: v.clone() for k, v in model.state_dict().items()})


CHILD = f"""
import sys, time, torch
sys.path.insert(0, {str(TESTS)!r})
import deeprec as dr
from test_distributed import cases, run_case
torch.set_num_threads(1)
data = dr.RatingData(dr.synthetic_split("u1", valid_fraction=0.1))
start = time.perf_counter()
out = {{name: run_case(data, name) for name in cases(data)}}
if dr.train.is_writer():
    torch.save((out, time.perf_counter() - start), sys.argv[1])
"""


def torchrun(*args: str, env: dict | None = None, timeout: float = 120
             ) -> subprocess.CompletedProcess:
    """``python -m torch.distributed.run --nproc_per_node=2 ARGS``."""
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc_per_node=2", *args]
    return subprocess.run(command, capture_output=True, text=True,
                          timeout=timeout, cwd=TESTS.parent,
                          env={**os.environ, "OMP_NUM_THREADS": "1",
                               **(env or {})})


def test_two_ranks_train_like_one_process(data, tmp_path):
    script, out = tmp_path / "child.py", tmp_path / "two.pt"
    script.write_text(CHILD)
    done = torchrun(str(script), str(out))
    assert done.returncode == 0, done.stderr[-3000:]
    two, two_seconds = torch.load(out, weights_only=False)
    start = time.perf_counter()
    for name in cases(data):
        history, weights = run_case(data, name)
        other, other_weights = two[name]
        assert len(history) == len(other) == 3
        for column in COLUMNS:
            for a, b in zip(history[column], other[column]):
                assert math.isclose(a, b, rel_tol=1e-5), (name, column)
        for key, w in weights.items():
            torch.testing.assert_close(other_weights[key], w, rtol=0,
                                       atol=1e-5 * float(w.abs().max()))
    print(f"1 process {time.perf_counter() - start:.2f} s, 2 processes "
          f"{two_seconds:.2f} s")


def _cli(command: str, out: Path) -> list[str]:
    common = ["--quick", "--device", "cpu", "--no-progress"]
    if command == "train":
        return ["train", "--model", "i-autorec", *common, "--save", f"{out}/"]
    return ["study", "autorec-hidden", "--set", "hidden_dim=16", *common,
            "--out", str(out)]


@pytest.mark.parametrize("command", ["train", "study"])
def test_a_dying_rank_fails_the_run_and_writes_nothing(data, tmp_path,
                                                       command):
    out = tmp_path / "out"
    done = torchrun("-m", "deeprec", *_cli(command, out),
                    env={FAIL_ENV: "1:2"})
    assert done.returncode != 0
    assert "rank 1 failed at epoch 2" in done.stderr
    written = [p for p in out.rglob("*") if p.is_file()] if out.exists() \
        else []
    assert written == []


def test_cli_train_on_two_ranks_matches_one_process(data, tmp_path,
                                                    monkeypatch):
    monkeypatch.setenv("DEEPREC_QUICK", "1")
    one = tmp_path / "one"
    assert main(_cli("train", one)) == 0
    two = tmp_path / "two"
    done = torchrun("-m", "deeprec", *_cli("train", two))
    assert done.returncode == 0, done.stderr[-3000:]
    (saved_one,), (saved_two,) = one.glob("*.pt"), two.glob("*.pt")
    rmse = [dr.load_model(p)[1]["test_rmse"] for p in (saved_one, saved_two)]
    assert math.isclose(*rmse, rel_tol=1e-5)


@pytest.mark.parametrize("loss, l2", [("mmse", 0.0), ("mmse", 0.3),
                                      ("sse", 2.0)])
def test_rank_losses_average_to_the_global_gradient(data, loss, l2):
    """DDP's mean of the ranks' gradients (simulated here) is the gradient
    of the whole batch, for uneven slices and an empty one."""
    torch.manual_seed(0)
    model = dr.AutoRec(dr.AutoRecConfig(data.num_users, 8))
    config = dr.TrainConfig(loss=loss, l2=l2)
    inputs = data.matrix("item")
    x_all = inputs.to_dense()
    for batch in (torch.arange(7), torch.arange(1)):
        def grads(rows, share=None):
            model.zero_grad()
            x = x_all[rows]
            reconstruction_loss(model, model(x), x, observed(x), config,
                                0.1, share).backward()
            return [p.grad.clone() for p in model.parameters()]

        whole = grads(batch)
        per_rank = []
        for rank in range(2):
            sharding = Sharding(inputs)
            sharding.world, sharding.rank = 2, rank
            per_rank.append(grads(*sharding.split(batch)))
        for g, g0, g1 in zip(whole, *per_rank):
            torch.testing.assert_close((g0 + g1) / 2, g, rtol=1e-5,
                                       atol=1e-7)


def test_dense_share_counts_every_entry():
    share = Share(2, torch.tensor(5), rows=3)
    assert share.dense(10).count.item() == 30


def test_bf16_trains_close_to_fp32(data):
    def run(precision):
        dr.set_seed(0)
        model = dr.AutoRec(dr.AutoRecConfig(data.num_users, 16))
        return dr.fit(model, data, dr.TrainConfig(
            num_epochs=3, batch_size=64, lr=0.03, progress=False,
            device="cpu", precision=precision))

    fp32, bf16 = run("fp32"), run("bf16")
    assert math.isfinite(bf16.test_rmse)
    assert abs(bf16.test_rmse - fp32.test_rmse) < 0.05
    assert bf16.history.train_rmse.iloc[-1] < bf16.history.train_rmse.iloc[0]


def test_compile_falls_back_with_a_warning(data, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no compiler here")

    def run(**kw):
        dr.set_seed(0)
        model = dr.AutoRec(dr.AutoRecConfig(data.num_users, 8))
        return dr.fit(model, data, dr.TrainConfig(
            num_epochs=2, batch_size=64, progress=False, device="cpu", **kw))

    plain = run()
    monkeypatch.setattr(torch, "compile", broken)
    with pytest.warns(RuntimeWarning, match="torch.compile is unavailable"):
        fallback = run(compile=True)
    assert fallback.history.drop(columns="seconds").equals(
        plain.history.drop(columns="seconds"))


def test_new_train_fields_are_validated():
    with pytest.raises(ConfigError, match="precision"):
        dr.TrainConfig(precision="fp16")
    with pytest.raises(ConfigError, match="compile"):
        dr.TrainConfig(compile="yes")


def test_without_torchrun_nothing_is_distributed(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    from deeprec.train import distributed
    assert not distributed.setup() and distributed.is_writer()
    assert distributed.world_size() == 1 and distributed.rank() == 0
