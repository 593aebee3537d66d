"""Training-speed benchmark: ``python -m deeprec bench [--quick]``.

Reports epoch time, ratings/s and achieved FLOP/s for two recipes
(:mod:`deeprec.studies.recipes`):

* I-AutoRec on ML-100K-sized synthetic data (fold u1), and
* the deep-AE paper's baseline (user-based, dropout 0.8 on the code) with
  one dense re-feed on ML-1M-sized synthetic data (6,040 x 3,706, 1M
  ratings),

each next to naive data pipelines as tutorials commonly write them (a torch
``Dataset`` that builds each row from a long-format pandas frame, or from a
wide pandas matrix with ``iloc``) and as a fraction of the machine's
measured large-GEMM float32 throughput. Timings are ratios taken in one run;
the machine may be shared, so each figure is the best of a few repeats.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import torch
from torch import nn

import deeprec as dr
from deeprec.constants import ITEM, RATING, USER
from deeprec.studies import recipes
from deeprec.train import make_optimizer, row_source, run_epoch, train_step


def gemm_gflops(n: int = 2048, repeats: int = 5) -> float:
    """Best float32 GFLOP/s of an n x n @ n x n matrix multiply."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b  # warm-up
    best = float("inf")
    for _ in range(repeats):
        tick = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - tick)
    return 2 * n ** 3 / best / 1e9


def step_flops(dims: list[int], passes: int) -> float:
    """Dense FLOPs per input row of one training step of an MLP with layer
    widths ``dims`` (input ... output): forward 2*in*out per layer,
    backward twice that except the input gradient of the first layer."""
    pairs = list(zip(dims[:-1], dims[1:]))
    forward = sum(2 * a * b for a, b in pairs)
    backward = 2 * forward - 2 * dims[0] * dims[1]
    return passes * (forward + backward)


class LongFrameRows(torch.utils.data.Dataset):
    """Naive: each row filtered out of the long ratings frame."""

    def __init__(self, frame: pd.DataFrame, by: str, other: str,
                 num_cols: int):
        self.frame, self.by, self.other = frame, by, other
        self.keys = np.sort(frame[by].unique())
        self.num_cols = num_cols

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, i: int) -> torch.Tensor:
        rows = self.frame[self.frame[self.by] == self.keys[i]]
        x = torch.zeros(self.num_cols)
        x[np.array(rows[self.other])] = torch.tensor(
            rows[RATING].to_numpy(np.float32, copy=True))
        return x


class WideFrameRows(torch.utils.data.Dataset):
    """Naive: each row sliced out of a wide pandas matrix with ``iloc``."""

    def __init__(self, wide: pd.DataFrame):
        self.wide = wide

    def __len__(self) -> int:
        return self.wide.shape[1]

    def __getitem__(self, i: int) -> torch.Tensor:
        return torch.tensor(self.wide.iloc[:, i].to_numpy(np.float32))


@dataclass
class Case:
    """One benchmark case: a model builder, its data and its step config."""

    name: str
    data: dr.RatingData
    build: Callable[[], nn.Module]
    config: dr.TrainConfig
    flops_per_row: float


def time_epoch(case: Case, batch_size: int, repeats: int) -> float:
    """Best seconds of one training epoch with data on the device."""
    model = case.build()
    inputs = case.data.matrix(model.orientation)
    rows_of = row_source(inputs)
    optimizer = make_optimizer(model, case.config)
    gen = torch.Generator().manual_seed(0)
    run_epoch(model, optimizer, rows_of, torch.randperm(
        inputs.shape[0], generator=gen)[: 2 * batch_size], batch_size,
        case.config)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        order = torch.randperm(inputs.shape[0], generator=gen)
        tick = time.perf_counter()
        run_epoch(model, optimizer, rows_of, order, batch_size, case.config)
        best = min(best, time.perf_counter() - tick)
    return best


def time_naive_epoch(case: Case, dataset: torch.utils.data.Dataset,
                     batch_size: int, max_batches: int) -> float:
    """Seconds per epoch with a DataLoader over a naive Dataset
    (timed on ``max_batches`` batches and scaled to the whole epoch)."""
    model = case.build()
    optimizer = make_optimizer(model, case.config)
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size,
                                         shuffle=True)
    batches = 0
    tick = time.perf_counter()
    for x in loader:
        train_step(model, optimizer, x, case.config, len(x) / len(dataset))
        batches += 1
        if batches == max_batches:
            break
    seconds = time.perf_counter() - tick
    return seconds * len(loader) / batches


def _build(config, data: dr.RatingData) -> Callable[[], nn.Module]:
    def build() -> nn.Module:
        torch.manual_seed(0)
        return dr.build_model(config, data)
    return build


def autorec_case(scale: dr.Scale) -> tuple[Case, pd.DataFrame]:
    """I-AutoRec's recipe on ML-100K-sized synthetic data (fold u1)."""
    split = dr.load_split(scale.dataset("synthetic-100k"), "u1")
    data = dr.RatingData(split)
    run = recipes.BENCHMARK["autorec"]
    k = run.model.hidden_dim
    return (Case(f"I-AutoRec k={k}, ML-100K size", data,
                 _build(run.model, data), run.train,
                 step_flops([data.num_users, k, data.num_users], 1)),
            split.train)


def deep_case(scale: dr.Scale) -> tuple[Case, pd.DataFrame]:
    """The deep-AE paper's baseline with one dense re-feed, user-based,
    on ML-1M-sized synthetic data."""
    ratings, _ = dr.load_ratings(scale.dataset("synthetic-1m"))
    data = dr.RatingData(dr.Split(ratings, ratings.iloc[:0],
                                  ratings.iloc[:0]))
    run = recipes.BENCHMARK["deep-ae"]
    dims, n = list(run.model.hidden_dims), data.num_items
    shape = ",".join(map(str, [*dims, *dims[-2::-1]]))
    return (Case(f"Deep AE n,{shape},n + re-feeding, ML-1M size", data,
                 _build(run.model, data), run.train,
                 step_flops([n, *dims, *dims[-2::-1], n], 2)), ratings)


def bench_case(case: Case, train: pd.DataFrame, batch_sizes: list[int],
               paper_batch: int, gemm: float, naive_batches: int,
               repeats: int) -> list[dict]:
    """Rows of the results table for one case."""
    model = case.build()
    orientation = model.orientation
    num_rows, num_cols = case.data.matrix(orientation).shape
    nnz = case.data.train.nnz
    rows = []

    def record(pipeline, batch, seconds):
        gflops = case.flops_per_row * num_rows / seconds / 1e9
        rows.append({"case": case.name, "pipeline": pipeline,
                     "batch_size": batch, "epoch_s": seconds,
                     "ratings_per_s": nnz / seconds, "gflops": gflops,
                     "fraction_of_gemm": gflops / gemm})

    for batch in sorted(set(batch_sizes) | {paper_batch}):
        record("deeprec (device tensor)", batch,
               time_epoch(case, batch, repeats))
    # naive pipelines, at the paper's batch size
    by, other = (ITEM, USER) if orientation == "item" else (USER, ITEM)
    index = {by: pd.Index(case.data.item_ids if by == ITEM
                          else case.data.user_ids),
             other: pd.Index(case.data.user_ids if other == USER
                             else case.data.item_ids)}
    frame = pd.DataFrame({by: index[by].get_indexer(train[by]),
                          other: index[other].get_indexer(train[other]),
                          RATING: train[RATING].to_numpy(np.float32)})
    long_rows = LongFrameRows(frame, by, other, num_cols)
    record("naive: long frame filter per row", paper_batch,
           time_naive_epoch(case, long_rows, paper_batch, naive_batches))
    wide = frame.pivot_table(index=other, columns=by, values=RATING,
                             fill_value=0.0)
    wide = wide.reindex(index=range(num_cols), columns=range(num_rows),
                        fill_value=0.0)
    record("naive: wide frame iloc per row", paper_batch,
           time_naive_epoch(case, WideFrameRows(wide), paper_batch,
                            naive_batches))
    return rows


#: The batch size the naive pipelines are timed at: the deep-AE paper's.
PAPER_BATCH = recipes.DEEP_AE_TRAIN.batch_size


def run(scale: dr.Scale | None = None) -> pd.DataFrame:
    """Run every case (tiny ones in quick mode); return the tidy results
    table."""
    scale = scale or dr.current_scale()
    quick = scale.quick
    gemm = gemm_gflops(1024 if quick else 2048)
    tables = []
    repeats = 1 if quick else 3
    case, train = autorec_case(scale)
    tables += bench_case(case, train, [64, 128, 256, 512, 1024], PAPER_BATCH,
                         gemm, naive_batches=3 if quick else 100,
                         repeats=repeats)
    case, train = deep_case(scale)
    tables += bench_case(case, train, [128, 256, 512, 1024, 2048],
                         PAPER_BATCH, gemm,
                         naive_batches=2 if quick else 10, repeats=repeats)
    table = pd.DataFrame(tables)
    table.attrs["gemm_gflops"] = gemm
    return table


def report(table: pd.DataFrame) -> str:
    """A Markdown report: the table plus the speed-up and GEMM fractions."""
    gemm = table.attrs["gemm_gflops"]
    lines = [f"Large float32 GEMM: {gemm:.1f} GFLOP/s "
             f"({torch.get_num_threads()} threads, torch "
             f"{torch.__version__}).", ""]
    show = table.assign(
        epoch_s=table.epoch_s.map("{:.3f}".format),
        ratings_per_s=table.ratings_per_s.map("{:,.0f}".format),
        gflops=table.gflops.map("{:.1f}".format),
        fraction_of_gemm=table.fraction_of_gemm.map("{:.0%}".format))
    lines.append(show.to_markdown(index=False))
    lines.append("")
    for case, part in table.groupby("case", sort=False):
        ours = part[part.pipeline.str.startswith("deeprec")]
        at_paper = ours[ours.batch_size == PAPER_BATCH].epoch_s.iloc[0]
        fastest = ours.loc[ours.epoch_s.idxmin()]
        naive = part[part.pipeline.str.startswith("naive")]
        for _, row in naive.iterrows():
            lines.append(f"- {case}: {row.pipeline} is "
                         f"{row.epoch_s / at_paper:.1f}x slower than "
                         f"deeprec at batch {PAPER_BATCH} and "
                         f"{row.epoch_s / fastest.epoch_s:.1f}x slower than "
                         f"deeprec at its fastest batch "
                         f"({fastest.batch_size}).")
        lines.append(f"- {case}: fastest batch {fastest.batch_size} reaches "
                     f"{fastest.fraction_of_gemm:.0%} of large-GEMM "
                     "throughput.")
    return "\n".join(lines)


def scale_report(table: pd.DataFrame) -> str:
    """The paper-scale section: an epoch of the Table 3 Full model."""
    from deeprec.bench_scale import NETFLIX_USERS
    row = table.iloc[0]
    lines = [f"Paper scale: an epoch of n,512,512,1024,512,512,n with one "
             f"re-feed, user-based, {NETFLIX_USERS:,} users x "
             f"{row['items']:,} items (Netflix Full), "
             f"{row.batches_timed} of its {row.batches_per_epoch:,} batches "
             f"timed, the epoch extrapolated; {row.epoch_tflop:.1f} TFLOP "
             f"an epoch.", ""]
    show = table.drop(columns=["items", "precision", "compile"]).assign(**{
        c: table[c].map("{:.3g}".format) for c in (
            "epoch_s", "gemm_tflops", "floor_here_s", "floor_h200_s",
            "peak_gib", "compile_s")}, fraction_of_gemm=table
        .fraction_of_gemm.map("{:.0%}".format))
    lines.append(show.to_markdown(index=False))
    return "\n".join(lines)


def scale_run(scale: dr.Scale) -> pd.DataFrame:
    """The paper-scale case on the best device (tiny in quick mode)."""
    from deeprec import bench_scale
    from deeprec.utils import get_device
    size = ({"batches": 2, "items": 500, "users": 1000} if scale.quick
            else {"batches": 20})
    table = bench_scale.netflix_epoch(get_device("auto"), **size)
    return table.assign(items=size.get("items", bench_scale.NETFLIX_ITEMS))


def main(args: argparse.Namespace | None = None) -> pd.DataFrame:
    """Run the benchmark (tiny in quick mode), print the report and write
    it as JSON to ``args.out`` if given."""
    netflix = getattr(args, "netflix", None)
    if netflix is not None and not 0 < netflix <= 1:
        raise ValueError(f"--netflix {netflix}: the scale must be in (0, 1]")
    table = run()
    print(report(table))
    big = scale_run(dr.current_scale())
    print()
    print(scale_report(big))
    results = {"gemm_gflops": table.attrs["gemm_gflops"],
               "rows": table.to_dict("records"),
               "netflix_epoch": big.to_dict("records")}
    if netflix:
        stages = pipeline_run(netflix)
        print()
        print(stages.round(3).to_markdown())
        results["netflix_pipeline"] = {"stages": stages.reset_index().to_dict(
            "records"), **stages.attrs}
    if args is not None and args.out:
        from deeprec.utils import atomic_path
        with atomic_path(args.out) as tmp:
            tmp.write_text(json.dumps(results, indent=1))
    return table


def pipeline_run(scale: float) -> pd.DataFrame:
    """The streaming Netflix pipeline on a synthetic set of ``scale``
    (written once into the data cache): its stages table."""
    from deeprec.bench_scale import netflix_pipeline
    from deeprec.data import data_home
    folder = data_home() / f"synthetic-netflix-{scale:g}" / "netflix"
    table, _ = netflix_pipeline(folder, scale)
    print(f"Netflix pipeline ({table.attrs['ratings']:,} synthetic ratings, "
          f"{table.attrs['text_bytes'] / 1e9:.2f} GB of text): "
          f"{table.attrs['pipeline_s']:.1f} s from text to the Full CSR, "
          f"peak {table.attrs['pipeline_peak_bytes'] / 2**30:.2f} GiB above "
          "the start")
    return table
