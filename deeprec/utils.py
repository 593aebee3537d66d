"""Helpers: seeds, device choice, atomic writes, temporary environment
variables. (The quick-mode switch is :mod:`deeprec.scale`'s.)"""

from __future__ import annotations

import contextlib
import os
import random
import re
import secrets
import shutil
import stat
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import torch


#: Set to 0 (as ``book run`` does) to hide every progress bar: a stored
#: notebook would show them as blank boxes.
PROGRESS_ENV = "DEEPREC_PROGRESS"


def show_progress(wanted: bool) -> bool:
    """Whether to draw a progress bar: ``wanted`` unless
    ``$DEEPREC_PROGRESS`` is ``0``."""
    return wanted and os.environ.get(PROGRESS_ENV, "1") != "0"


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


#: Age after which a temporary file without a PID in its name is stale.
STALE_TEMP_AGE_S = 3600.0

# mkstemp/mkdtemp/secrets.token_hex(4) names: 8 characters of [a-z0-9_].
_RANDOM = r"[a-z0-9_]{8}"


def pid_alive(pid: int) -> bool:
    """Return False only when process ``pid`` surely no longer exists.

    POSIX only (``os.kill(pid, 0)`` sends no signal); elsewhere, where
    ``os.kill`` would end the process, every PID counts as alive.
    """
    if pid == os.getpid() or pid <= 0 or os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: alive, owned by another user
        return True
    return True


def remove_stale_temps(folder: str | os.PathLike, prefix: str,
                       suffix: str = "",
                       max_age_s: float = STALE_TEMP_AGE_S) -> list[Path]:
    """Delete temporary files or folders left in ``folder`` by killed runs.

    ``<prefix><pid>.<random><suffix>`` goes when process ``pid`` is dead;
    ``<prefix><random><suffix>`` (no PID: older versions) goes once older
    than ``max_age_s``. Live processes' temporaries are kept; errors are
    ignored (best effort). Returns the paths removed.
    """
    pattern = re.compile(rf"(?:(\d+)\.)?{_RANDOM}")
    removed = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(suffix)
                and len(name) > len(prefix) + len(suffix)):
            continue
        match = pattern.fullmatch(name[len(prefix):len(name) - len(suffix)])
        if match is None:
            continue
        try:
            if match.group(1) is not None:
                if pid_alive(int(match.group(1))):
                    continue
            elif now - entry.stat(follow_symlinks=False).st_mtime < max_age_s:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


def _fsync_dir(folder: Path) -> None:
    """Flush ``folder``'s entries (a rename) to disk; POSIX, best effort."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # e.g. EINVAL: the file system cannot sync folders
        pass
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    """Flush ``path``'s data to disk (Windows needs a writable handle)."""
    fd = os.open(path, os.O_RDWR if os.name == "nt" else os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _new_temp(folder: Path, prefix: str) -> tuple[Path, int]:
    """Create an empty ``<prefix><random>.tmp`` in ``folder`` as ``open()``
    would (mode ``0o666 & ~umask``); return it and that mode."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = folder / f"{prefix}{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        try:
            mode = stat.S_IMODE(os.fstat(fd).st_mode)
        finally:
            os.close(fd)
        return tmp, mode
    raise FileExistsError(f"no free temporary name {prefix}*.tmp in {folder}")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield an empty temporary file next to ``path`` to write; on success
    fsync it, rename it over ``path`` and fsync the folder.

    Readers never see a half-written file. On any failure (also
    ``KeyboardInterrupt``) the temporary is deleted. The file gets the
    permissions ``open()`` would give it. Temporaries for ``path`` left by
    killed processes (their PID is in the name) are removed first.
    """
    path = Path(path)
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(folder, f".{path.name}.", ".tmp")
    tmp = None
    try:
        tmp, mode = _new_temp(folder, f".{path.name}.{os.getpid()}.")
        yield tmp
        if stat.S_IMODE(os.stat(tmp).st_mode) != mode:
            os.chmod(tmp, mode)  # the block made a file of its own
        _fsync_file(tmp)
        os.replace(tmp, path)
    except BaseException:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    _fsync_dir(folder)


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
