"""Memory checks before anything dense is built.

Every path that builds a dense users x items tensor (or a batch of dense
rows) asks :func:`check_dense` or :func:`rows_that_fit` first: the tensor
is refused with a message naming its size, the device's free memory and
the option to change, instead of an out-of-memory crash (or, on a CPU, the
machine swapping) minutes into a run.
"""

from __future__ import annotations

import os

import torch

#: Share of the free memory one dense tensor (with its working copies) may
#: take: the rest is for the model, the optimizer and the allocator.
USABLE_FRACTION = 0.8
#: Environment variable that overrides the free memory (bytes) that
#: :func:`free_bytes` reports: tests and dry runs plan for a smaller device.
FREE_ENV = "DEEPREC_FREE_MEMORY"


class DeviceMemoryError(MemoryError):
    """A dense tensor would not fit the device (the message says which
    option to change)."""


def gib(n: float) -> str:
    """Bytes as GiB (or MiB under one GiB), for messages."""
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def free_bytes(device: torch.device | str) -> int:
    """Free memory of ``device`` in bytes: CUDA's ``mem_get_info``, the
    system's available memory on a CPU (``MemAvailable``), or
    ``$DEEPREC_FREE_MEMORY`` when set."""
    if os.environ.get(FREE_ENV):
        return int(float(os.environ[FREE_ENV]))
    device = torch.device(device)
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0])
    if device.type == "mps":
        return int(torch.mps.recommended_max_memory()
                   - torch.mps.current_allocated_memory())
    return _available_ram()


def _available_ram() -> int:
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")


def check_dense(rows: int, cols: int, device: torch.device | str,
                what: str, option: str, copies: int = 1,
                dtype: torch.dtype = torch.float32) -> int:
    """Refuse a dense ``rows x cols`` tensor (times ``copies`` working
    copies) that would take more than :data:`USABLE_FRACTION` of the free
    memory of ``device``; return the bytes it needs.

    Raises:
        DeviceMemoryError: one line naming ``what``, the size, the free
            memory and ``option`` (what to change).
    """
    need = rows * cols * copies * torch.finfo(dtype).bits // 8
    free = free_bytes(device)
    if need > USABLE_FRACTION * free:
        raise DeviceMemoryError(
            f"{what}: a dense {rows:,} x {cols:,} matrix"
            + (f" ({copies} working copies)" if copies > 1 else "")
            + f" needs {gib(need)}, but {torch.device(device).type} has "
            f"{gib(free)} free; {option}")
    return need


def rows_that_fit(requested: int, cols: int, device: torch.device | str,
                  what: str, option: str, copies: int = 3,
                  dtype: torch.dtype = torch.float32) -> int:
    """The largest batch of dense rows (at most ``requested``) whose
    ``copies`` working copies of ``cols`` columns fit the free memory;
    :class:`DeviceMemoryError` if not even one row fits."""
    row = cols * copies * torch.finfo(dtype).bits // 8
    fit = int(USABLE_FRACTION * free_bytes(device) // max(row, 1))
    if fit < 1:
        check_dense(1, cols, device, what, option, copies, dtype)
    return max(1, min(requested, fit))

