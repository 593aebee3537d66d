"""The Netflix Prize data and the deep-AE paper's four time splits.

The prize data is not downloadable from GroupLens; get it (for example from
Kaggle's ``netflix-inc/netflix-prize-data``) and put either the
``combined_data_*.txt`` files or the ``training_set/mv_*.txt`` folder in
``<data home>/netflix``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from deeprec.constants import ITEM, RATING, TIMESTAMP, USER
from deeprec.data.readers import DataFormatError
from deeprec.data.splits import Split, time_split

#: (train start, train end, test start, test end), inclusive days, from
#: Kuchaiev & Ginsburg (2017), Table 1.
NETFLIX_SPLITS = {
    "full": ("1999-12-01", "2005-11-30", "2005-12-01", "2005-12-31"),
    "3months": ("2005-09-01", "2005-11-30", "2005-12-01", "2005-12-31"),
    "6months": ("2005-06-01", "2005-11-30", "2005-12-01", "2005-12-31"),
    "1year": ("2004-06-01", "2005-05-31", "2005-06-01", "2005-06-30"),
}


def read_netflix_file(path: str | Path) -> pd.DataFrame:
    """Read one Netflix file: ``movie:`` header lines, then
    ``user,rating,YYYY-MM-DD`` lines (``combined_data_*.txt`` or
    ``mv_*.txt``)."""
    path = Path(path)
    raw = pd.read_csv(path, header=None, names=["a", "b", "c"], dtype=str,
                      skip_blank_lines=False, keep_default_na=False)
    header = raw["b"].eq("") & raw["c"].eq("")
    movie = raw["a"].where(header).str.rstrip(":")

    def fail(row: int, why: str) -> None:
        line = ",".join(x for x in raw.iloc[row] if x)
        raise DataFormatError(f"{path}, line {row + 1}: {why}: {line!r}")

    bad_header = header & ~raw["a"].str.fullmatch(r"\d+:")
    if bad_header.any():
        fail(int(np.argmax(bad_header.to_numpy())),
             "expected 'movie_id:' or 'user,rating,date'")
    if len(raw) == 0 or not header.iloc[0]:
        fail(0, "a Netflix file must start with a 'movie_id:' line")
    movie = movie.ffill()
    body = raw[~header]
    user = pd.to_numeric(body["a"], errors="coerce")
    rating = pd.to_numeric(body["b"], errors="coerce")
    date = pd.to_datetime(body["c"], format="%Y-%m-%d", errors="coerce")
    bad = (user.isna() | rating.isna() | date.isna()
           | ~rating.between(1, 5)).to_numpy()
    if bad.any():
        fail(int(body.index[np.argmax(bad)]),
             "expected 'user,rating,YYYY-MM-DD' with a rating in 1..5")
    return pd.DataFrame({
        USER: user.to_numpy(np.int64),
        ITEM: movie[~header].astype(np.int64).to_numpy(),
        RATING: rating.to_numpy(np.float32),
        TIMESTAMP: (date.to_numpy("datetime64[s]").astype(np.int64)),
    })


def read_netflix(folder: str | Path) -> pd.DataFrame:
    """Read the whole prize data from ``folder`` (either layout)."""
    folder = Path(folder)
    files = sorted(folder.glob("combined_data_*.txt"))
    if not files:
        files = sorted((folder / "training_set").glob("mv_*.txt"))
    if not files:
        raise FileNotFoundError(
            f"no Netflix files in {folder}: expected combined_data_*.txt or "
            "training_set/mv_*.txt")
    return pd.concat([read_netflix_file(f) for f in files],
                     ignore_index=True)


def netflix_split(ratings: pd.DataFrame, which: str = "full",
                  seed: int = 0) -> Split:
    """One of the paper's four Netflix time splits (valid/test 50/50)."""
    if which not in NETFLIX_SPLITS:
        raise ValueError(f"unknown Netflix split {which!r}; known: "
                         f"{', '.join(NETFLIX_SPLITS)}")
    return time_split(ratings, *NETFLIX_SPLITS[which], valid_fraction=0.5,
                      seed=seed, name=f"netflix-{which}")
