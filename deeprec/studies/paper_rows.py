"""The papers' own rows at their own scale, one definition each.

``python -m deeprec reproduce ROW --out DIR`` trains the runs of one row of
the deep-AE paper's Table 3 (the four Netflix time splits, each with the
model the authors chose for it) or of AutoRec's Table (c) (I-AutoRec and
BiasedMF on ML-1M, ML-10M and Netflix), saves the results (a cut-off run
resumes) and prints the paper's number beside ours. These runs need a GPU
(hours on a CPU); the book's chapters run the same models on ML-100K.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from deeprec import paper
from deeprec.studies.engine import Run, StudyResult
from deeprec.studies.recipes import (AUTOREC_TRAIN, DEEP_AE_BASELINE,
                                     DEEP_AE_TRAIN, RECIPES)

#: The deep-AE paper's Table 3 models (the authors' README): hidden
#: layers of the encoder (the decoder mirrors them) and the drop
#: probability on the code, per Netflix split.
DEEP_TABLE3_MODELS = {"3months": ((128, 256, 256), 0.65),
                      "6months": ((256, 256, 512), 0.8),
                      "1year": ((256, 256, 512), 0.8),
                      "full": ((512, 512, 1024), 0.8)}
#: Their training: SGD with momentum 0.9, batch 128, lr 0.005 with one
#: dense re-feed per iteration, 102 epochs ("In paper we train for 102",
#: the authors' README); the epoch best on validation is kept.
DEEP_TABLE3_TRAIN = replace(DEEP_AE_TRAIN, num_epochs=102, lr=0.005,
                            refeed=1)
#: Names of the Netflix splits in deeprec.paper's tables.
_SPLIT_NAMES = {"3months": "3 months", "6months": "6 months",
                "1year": "1 year", "full": "Full"}
_TABLE_C_DATA = {"ml-1m": "ML-1M", "ml-10m": "ML-10M", "netflix": "Netflix"}


@dataclass(frozen=True)
class PaperRow:
    """One row of a paper's table: the data, the runs, the paper's
    numbers (test RMSE by model label) and where they come from."""

    dataset: str
    split: str
    runs: tuple[Run, ...]
    paper: dict[str, float]
    source: str
    valid_fraction: float = 0.0


def _deep_row(split: str) -> PaperRow:
    hidden, dropout = DEEP_TABLE3_MODELS[split]
    model = replace(DEEP_AE_BASELINE, hidden_dims=hidden, dropout=dropout)
    label = {"model": "Deep AE (user)", "paper": "deep-AE Table 3"}
    table = paper.DEEP_TABLE3.set_index("split").test_rmse
    return PaperRow("netflix", split, (Run(label, model, DEEP_TABLE3_TRAIN),),
                    {"Deep AE (user)": float(table[_SPLIT_NAMES[split]])},
                    f"Kuchaiev & Ginsburg (2017), Table 3, Netflix "
                    f"{_SPLIT_NAMES[split]}")


def _table_c_row(dataset: str) -> PaperRow:
    column = paper.AUTOREC_TABLE_C[_TABLE_C_DATA[dataset]]
    i_autorec = Run({"model": "I-AutoRec", "paper": "AutoRec Table (c)"},
                    RECIPES["i-autorec"].model, AUTOREC_TRAIN)
    mf = Run({"model": "BiasedMF", "paper": "AutoRec Table (c)"},
             RECIPES["biased-mf"].model, RECIPES["biased-mf"].train)
    return PaperRow(dataset, "random", (i_autorec, mf),
                    {"I-AutoRec": float(column["I-AutoRec"]),
                     "BiasedMF": float(column["BiasedMF"])},
                    f"Sedhain et al. (2015), Table (c), "
                    f"{_TABLE_C_DATA[dataset]} (random 90/10)",
                    valid_fraction=0.05)


#: Every reproducible row, by the name the command line takes.
PAPER_ROWS: dict[str, PaperRow] = {
    **{f"deep-table3-{s}": _deep_row(s) for s in DEEP_TABLE3_MODELS},
    **{f"autorec-table-c-{d}": _table_c_row(d) for d in _TABLE_C_DATA},
}


def paper_row(name: str) -> PaperRow:
    """The named row (see :data:`PAPER_ROWS`)."""
    if name not in PAPER_ROWS:
        raise ValueError(f"unknown paper row {name!r}; choose from "
                         f"{', '.join(PAPER_ROWS)}")
    return PAPER_ROWS[name]


def beside_paper(row: PaperRow, result: StudyResult) -> pd.DataFrame:
    """Our test RMSE of each run beside the paper's number."""
    summary = result.summary.set_index("model")
    return pd.DataFrame({
        "ours": summary.test_rmse,
        "paper": pd.Series(row.paper),
        "ours - paper": summary.test_rmse - pd.Series(row.paper),
        "best epoch": summary.get("best_epoch"),
    }).loc[list(summary.index)]


def reproduce(name: str, out: str | None, seed: int = 0,
              device: str | None = None, progress: bool = True
              ) -> tuple[StudyResult, pd.DataFrame]:
    """Train (or read back from ``out``) the runs of paper row ``name`` at
    the current scale; return the study and :func:`beside_paper`. In quick
    mode the data are synthetic and split at random (they have no Netflix
    dates)."""
    from deeprec.data import rating_data
    from deeprec.scale import current_scale
    from deeprec.studies.engine import run_study
    row, scale = paper_row(name), current_scale()
    split = "random" if scale.quick else row.split
    valid = 0.05 if scale.quick else row.valid_fraction
    data = rating_data(scale.dataset(row.dataset), split, seed, valid)
    result = run_study(list(row.runs), data, out, seed, progress=progress,
                       scale=scale, device=device)
    return result, beside_paper(row, result)
