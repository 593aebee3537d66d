"""Helpers: seeds, device choice, the quick-mode switch, atomic writes,
temporary environment variables."""

from __future__ import annotations

import contextlib
import os
import random
import tempfile
from pathlib import Path
from typing import Iterator

import numpy as np
import torch

QUICK_ENV = "DEEPREC_QUICK"


def is_quick() -> bool:
    """Return True when quick mode (synthetic data, tiny runs) is on.

    Quick mode exists for tests and CI. It is decided in one place: the
    environment variable ``DEEPREC_QUICK`` (``1``/``true``/``yes`` = on).
    """
    value = os.environ.get(QUICK_ENV, "").strip().lower()
    return value in {"1", "true", "yes", "on"}


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and PyTorch so a CPU run repeats exactly."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def get_device(device: str | torch.device | None = "auto") -> torch.device:
    """Pick a device: ``"auto"`` means cuda, then mps, then cpu.

    Args:
        device: ``"auto"``/``None``, or any name torch understands
            (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``).
    """
    if device is None or str(device) == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"device {device} was asked for but CUDA is not "
                           "available; use device='auto' or 'cpu'")
    return device


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it over ``path`` on
    success, delete it on failure. Readers never see a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                               suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables for the ``with`` block, then restore each
    one (unset it again if it was unset): e.g. a chapter executed in quick
    mode, or with its results in a temporary folder."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
