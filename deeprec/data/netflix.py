"""The Netflix Prize data and the deep-AE paper's four time splits.

The prize data is not downloadable from GroupLens; get it (for example from
Kaggle's ``netflix-inc/netflix-prize-data``) and put either the
``combined_data_*.txt`` files or the ``training_set/mv_*.txt`` folder in
``<data home>/netflix``.

Two paths lead from the files to a split. :func:`read_netflix` and
:func:`netflix_split` give DataFrames (about 60 bytes a rating with the
split: fine up to a few million ratings). At full size use the compact
path: :func:`read_netflix_columns` (9 bytes a rating), then
:func:`netflix_column_split` (the same split, as row selections: 1 byte a
rating for the training mask) and :func:`netflix_data` (the training
matrix; see :mod:`deeprec.data.column_splits`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from deeprec.data.column_splits import (  # noqa: F401
    ColumnSplit, column_data, time_split_columns,
)
from deeprec.data.download import DatasetNotFoundError
from deeprec.data.matrix import RatingData
from deeprec.data.splits import Split, time_split
from deeprec.data.streaming import RatingColumns, read_netflix_columns

#: (train start, train end, test start, test end), inclusive days, from
#: Kuchaiev & Ginsburg (2017), Table 1.
NETFLIX_SPLITS = {
    "full": ("1999-12-01", "2005-11-30", "2005-12-01", "2005-12-31"),
    "3months": ("2005-09-01", "2005-11-30", "2005-12-01", "2005-12-31"),
    "6months": ("2005-06-01", "2005-11-30", "2005-12-01", "2005-12-31"),
    "1year": ("2004-06-01", "2005-05-31", "2005-06-01", "2005-06-30"),
}


def netflix_files(folder: str | Path) -> list[Path]:
    """The prize files in ``folder``: ``combined_data_*.txt``, else
    ``training_set/mv_*.txt``.

    Raises:
        DatasetNotFoundError: neither is there (one line: where to put
            them).
    """
    folder = Path(folder)
    files = sorted(folder.glob("combined_data_*.txt"))
    if not files:
        files = sorted((folder / "training_set").glob("mv_*.txt"))
    if not files:
        raise DatasetNotFoundError(
            f"no Netflix Prize files in {folder}: the data cannot be "
            "downloaded automatically; put combined_data_1..4.txt (or "
            "training_set/mv_*.txt) there, e.g. from Kaggle's "
            "netflix-inc/netflix-prize-data, or write a synthetic set with "
            "deeprec.data.synthetic_netflix.write_synthetic_netflix")
    return files


def read_netflix_file(path: str | Path) -> pd.DataFrame:
    """Read one Netflix file: ``movie:`` header lines, then
    ``user,rating,YYYY-MM-DD`` lines (``combined_data_*.txt`` or
    ``mv_*.txt``), strictly (see :mod:`deeprec.data.streaming`)."""
    return read_netflix_columns([path]).to_frame()


def read_netflix(folder: str | Path) -> pd.DataFrame:
    """Read the whole prize data from ``folder`` (either layout) as a
    ratings DataFrame."""
    return load_netflix_columns(folder).to_frame()


def load_netflix_columns(folder: str | Path) -> RatingColumns:
    """Read the whole prize data from ``folder`` as compact columns."""
    return read_netflix_columns(netflix_files(folder))


def netflix_split(ratings: pd.DataFrame, which: str = "full",
                  seed: int = 0) -> Split:
    """One of the paper's four Netflix time splits (valid/test 50/50)."""
    return time_split(ratings, *_dates(which), valid_fraction=0.5,
                      seed=seed, name=f"netflix-{which}")


def _dates(which: str) -> tuple[str, str, str, str]:
    if which not in NETFLIX_SPLITS:
        raise ValueError(f"unknown Netflix split {which!r}; known: "
                         f"{', '.join(NETFLIX_SPLITS)}")
    return NETFLIX_SPLITS[which]


def netflix_column_split(ratings: RatingColumns, which: str = "full",
                         seed: int = 0) -> ColumnSplit:
    """:func:`netflix_split` on compact columns (the same rows)."""
    return time_split_columns(ratings, *_dates(which), valid_fraction=0.5,
                              seed=seed, name=f"netflix-{which}")


def netflix_data(split: ColumnSplit) -> RatingData:
    """A :class:`~deeprec.data.matrix.RatingData` of a Netflix
    :class:`ColumnSplit` without DataFrames (the full-size path: about 12
    bytes a training rating)."""
    return column_data(split)
