"""Tests that touch an accelerator: they run on every CUDA (or MPS) device
present and skip on a CPU-only machine (the GPU check,
``python -m deeprec.gpu_check``, runs them where a GPU is lent)."""

import math

import pytest
import torch

import deeprec as dr
from deeprec.memory import free_bytes

ACCELERATORS = [d for d, ok in (
    ("cuda", torch.cuda.is_available()),
    ("mps", getattr(torch.backends, "mps", None) is not None
     and torch.backends.mps.is_available())) if ok]
on_each = pytest.mark.parametrize("device", ACCELERATORS or [pytest.param(
    "none", marks=pytest.mark.skip(reason="no CUDA or MPS device here"))])


def _fit(data, device, **kw):
    dr.set_seed(0)
    model = dr.AutoRec(dr.AutoRecConfig(data.num_users, 32))
    config = dr.TrainConfig(num_epochs=5, batch_size=64, lr=3e-3,
                            progress=False, device=device, **kw)
    return model, dr.fit(model, data, config)


@on_each
def test_the_matrix_lives_on_the_device_and_training_matches_the_cpu(
        data, device):
    matrix = data.matrix("item", device)
    assert matrix.values.device.type == device
    model, on_device = _fit(data, device)
    assert next(model.parameters()).device.type == device
    _, on_cpu = _fit(data, "cpu")
    for a, b in zip(on_device.history.valid_rmse, on_cpu.history.valid_rmse):
        assert math.isclose(a, b, rel_tol=1e-3)


@on_each
def test_bf16_trains_on_the_device_close_to_fp32(data, device):
    _, fp32 = _fit(data, device)
    _, bf16 = _fit(data, device, precision="bf16")
    assert abs(bf16.history.valid_rmse.min()
               - fp32.history.valid_rmse.min()) < 0.05


@on_each
def test_free_memory_is_the_devices(device):
    if device != "cuda":
        pytest.skip("mem_get_info is CUDA's")
    free, total = torch.cuda.mem_get_info()
    assert 0 < free_bytes("cuda") <= total


@on_each
def test_the_paper_scale_case_times_batches_on_the_device(device):
    from deeprec.bench_scale import time_batches
    for precision in ("fp32", "bf16"):
        measured = time_batches(torch.device(device), precision, batches=2,
                                items=2000)
        assert measured["seconds_per_batch"] > 0
        assert measured["peak_bytes"] > 0


def test_the_gpu_check_says_so_without_cuda(monkeypatch, tmp_path, capsys):
    from deeprec import gpu_check
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert gpu_check.main(["--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "error: no CUDA device: the GPU check runs on a CUDA machine"
    assert not (tmp_path / "gpu_check.json").exists()
