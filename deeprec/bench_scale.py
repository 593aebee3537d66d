"""The paper's scale in the benchmark: an epoch of the deep-AE paper's
Netflix Full model, fp32 against bf16 and torch.compile, beside its FLOP
floor.

An epoch of the user-based model ``n, 512, 512, 1024, 512, 512, n`` with
one dense re-feed on Netflix Full (477,412 users x 17,768 movies, 98
million ratings) is timed on a sample of its batches: every batch costs
the same dense work whatever its ratings, so ``batches`` batches of 128
rows, built on the device from a CSR with Netflix Full's ratings per user,
time the epoch (reported as the per-batch time times the epoch's batch
count, and said to be extrapolated). The FLOP floor is the epoch's dense
FLOPs divided by the device's measured large-GEMM throughput (and by an
H200's datasheet peak, for the reader with a GPU).
"""

from __future__ import annotations

import math
import resource
import time

import numpy as np
import pandas as pd
import torch

from deeprec import paper
from deeprec.data.matrix import CSR
from deeprec.models import DeepAutoEncoder
from deeprec.studies.paper_rows import DEEP_TABLE3_MODELS, DEEP_TABLE3_TRAIN
from deeprec.train import compiled, make_optimizer, train_step

_FULL = paper.NETFLIX_TABLE1.query("split == 'Full' and part == 'train'")
#: Netflix Full's training matrix (Table 1 of the deep-AE paper).
NETFLIX_USERS = int(_FULL["users"].iloc[0])
NETFLIX_ITEMS = int(_FULL["items"].iloc[0])
NETFLIX_RATINGS = int(_FULL["ratings"].iloc[0])
#: Dense peak of one NVIDIA H200 (datasheet, without sparsity), FLOP/s.
H200_PEAK = {"fp32": 67e12, "tf32": 494.7e12, "bf16": 989.4e12}


def model_dims(items: int = NETFLIX_ITEMS) -> list[int]:
    """Layer widths of the Table 3 Full model: n, 512, 512, 1024, 512,
    512, n."""
    hidden = list(DEEP_TABLE3_MODELS["full"][0])
    return [items, *hidden, *hidden[-2::-1], items]


def epoch_flops(dims: list[int], rows: int = NETFLIX_USERS,
                passes: int = 2) -> float:
    """Dense FLOPs of one epoch: ``passes`` forward and backward passes
    (2: the sparse pass and one dense re-feed) of every row."""
    from deeprec.benchmark import step_flops
    return step_flops(dims, passes) * rows


def gemm_flops(device: torch.device, dtype: torch.dtype, n: int = 4096,
               repeats: int = 5) -> float:
    """Best FLOP/s of an n x n matrix multiply on ``device``."""
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    best = float("inf")
    for _ in range(repeats + 1):  # the first is a warm-up
        _sync(device)
        tick = time.perf_counter()
        a @ b
        _sync(device)
        best = min(best, time.perf_counter() - tick)
    return 2 * n ** 3 / best


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def sample_matrix(rows: int, items: int = NETFLIX_ITEMS,
                  per_row: float = NETFLIX_RATINGS / NETFLIX_USERS,
                  seed: int = 0) -> CSR:
    """A CSR of ``rows`` users with Netflix Full's mean ratings per user
    (distinct random items, ratings 1..5)."""
    gen = np.random.default_rng(seed)
    counts = np.minimum(gen.poisson(per_row, rows), items)
    row = np.repeat(np.arange(rows), counts)
    # distinct items per row: a random offset plus a stride walk mod items
    start = gen.integers(0, items, rows)
    step = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts,
                                               counts)
    col = (np.repeat(start, counts) + step * 7919) % items
    values = gen.integers(1, 6, len(row)).astype(np.float32)
    return CSR.from_coo(row, col, values, (rows, items))


def time_batches(device: torch.device, precision: str, batches: int = 20,
                 batch_size: int = 128, items: int = NETFLIX_ITEMS,
                 compile: bool = False) -> dict:
    """Seconds per batch (best of two passes over ``batches`` batches) of
    the Full model with one re-feed, the peak memory and, with
    ``compile``, the seconds ``torch.compile`` took on the first batch
    (not in the batch time; 0 when compiling failed, with a warning)."""
    torch.manual_seed(0)
    hidden, dropout = DEEP_TABLE3_MODELS["full"]
    model = DeepAutoEncoder(_config(items, hidden, dropout)).to(device)
    config = _train_config(device, precision, batch_size, compile)
    optimizer = make_optimizer(model, config)
    inputs = sample_matrix(batches * batch_size, items).to(device)
    order = torch.arange(inputs.shape[0], device=device)
    tick = time.perf_counter()
    net = compiled(model, inputs.dense_rows(order[:batch_size]), config)
    compile_s = time.perf_counter() - tick if net is not model else 0.0
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    best = float("inf")
    for _ in range(2):
        _sync(device)
        tick = time.perf_counter()
        for batch in order.split(batch_size):
            train_step(model, optimizer, inputs.dense_rows(batch), config,
                       len(batch) / NETFLIX_USERS, net=net)
        _sync(device)
        best = min(best, (time.perf_counter() - tick) / batches)
    peak = (torch.cuda.max_memory_allocated(device) if device.type == "cuda"
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    return {"seconds_per_batch": best, "peak_bytes": peak,
            "compile_s": compile_s}


def _config(items: int, hidden, dropout):
    from deeprec.models import DeepAEConfig
    return DeepAEConfig(num_inputs=items, hidden_dims=tuple(hidden),
                        dropout=dropout, orientation="user")


def _train_config(device: torch.device, precision: str, batch_size: int,
                  compile: bool = False):
    from dataclasses import replace
    return replace(DEEP_TABLE3_TRAIN, device=str(device),
                   precision=precision, batch_size=batch_size,
                   progress=False, compile=compile)


#: The benchmark's cases: a precision, ``+compile`` for torch.compile.
VARIANTS = ("fp32", "bf16", "fp32+compile")


def netflix_epoch(device: torch.device, variants=VARIANTS,
                  batches: int = 20, items: int = NETFLIX_ITEMS,
                  users: int = NETFLIX_USERS) -> pd.DataFrame:
    """One row per variant (``fp32``, ``bf16``, ``fp32+compile``, ...):
    measured seconds per batch, the epoch time extrapolated to ``users``
    rows, its FLOP floor on this device (measured GEMM of that dtype) and
    on an H200 (datasheet), the peak memory and the compile time."""
    dims = model_dims(items)
    flops = epoch_flops(dims, users)
    per_epoch = math.ceil(users / DEEP_TABLE3_TRAIN.batch_size)
    rows = []
    for variant in variants:
        precision, _, extra = variant.partition("+")
        if extra not in ("", "compile"):
            raise ValueError(f"unknown benchmark variant {variant!r}: "
                             "expected fp32 or bf16, optionally +compile")
        dtype = torch.bfloat16 if precision == "bf16" else torch.float32
        measured = time_batches(device, precision, batches, items=items,
                                compile=extra == "compile")
        gemm = gemm_flops(device, dtype, 1024 if items < 5000 else 4096)
        epoch = measured["seconds_per_batch"] * per_epoch
        rows.append({
            "device": device.type, "variant": variant,
            "precision": precision, "compile": extra == "compile",
            "batches_timed": batches, "batches_per_epoch": per_epoch,
            "epoch_s": epoch, "epoch_tflop": flops / 1e12,
            "gemm_tflops": gemm / 1e12, "floor_here_s": flops / gemm,
            "fraction_of_gemm": flops / gemm / epoch,
            "floor_h200_s": flops / H200_PEAK[precision],
            "peak_gib": measured["peak_bytes"] / 2**30,
            "compile_s": measured["compile_s"]})
    return pd.DataFrame(rows)


def netflix_pipeline(folder, scale: float = 1.0, seed: int = 0
                     ) -> tuple[pd.DataFrame, dict]:
    """Write (once) a synthetic Netflix set of ``scale`` into ``folder``,
    then time and measure each stage of the streaming pipeline: parse the
    text into compact columns, the four time splits, and the Full split's
    training matrix (CSR). Returns the stages table (seconds, peak
    resident memory above the stage's start, bytes per rating; a last row
    for the whole pipeline, its peak above the start of parsing) and what
    the stages built (``columns``, ``splits``, ``full``)."""
    from pathlib import Path

    from deeprec.data import (load_netflix_columns, netflix_column_split,
                              netflix_data, write_synthetic_netflix)
    from deeprec.profiling import Stage, measure
    folder = Path(folder)
    stages = []
    if not (folder / "combined_data_4.txt").exists():
        _, write = measure("write the synthetic files", lambda:
                           write_synthetic_netflix(folder, seed, scale))
        stages.append(write)
    columns, parse = measure("parse into compact columns",
                             lambda: load_netflix_columns(folder))
    stages.append(parse)
    splits = {}
    for which in ("3months", "6months", "1year", "full"):
        splits[which], stage = measure(
            f"split: {which}", lambda w=which: netflix_column_split(
                columns, w, seed))
        stages.append(stage)
    full, csr = measure("training matrix (CSR) of Full",
                        lambda: netflix_data(splits["full"]))
    stages.append(csr)
    n = len(columns)
    reading = [s for s in stages if not s.name.startswith("write")]
    whole = Stage("whole pipeline: text to the Full CSR",
                  sum(s.seconds for s in reading), parse.start_bytes,
                  max(s.start_bytes + s.peak_bytes for s in reading)
                  - parse.start_bytes)
    stages.append(whole)
    table = pd.DataFrame({
        "seconds": [s.seconds for s in stages],
        "peak_gib": [s.peak_bytes / 2**30 for s in stages],
        "bytes_per_rating": [s.peak_bytes / n for s in stages]},
        index=[s.name for s in stages])
    table.attrs.update(
        ratings=n, text_bytes=sum(f.stat().st_size for f in
                                  folder.glob("combined_data_*.txt")),
        pipeline_s=whole.seconds, pipeline_peak_bytes=whole.peak_bytes)
    return table, {"columns": columns, "splits": splits, "full": full}
