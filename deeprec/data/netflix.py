"""The Netflix Prize data and the deep-AE paper's four time splits.

The prize data is not downloadable from GroupLens; get it (for example from
Kaggle's ``netflix-inc/netflix-prize-data``) and put either the
``combined_data_*.txt`` files or the ``training_set/mv_*.txt`` folder in
``<data home>/netflix``.

Two paths lead from the files to a split. :func:`read_netflix` and
:func:`netflix_split` give DataFrames (about 60 bytes a rating with the
split: fine up to a few million ratings). At full size use the compact
path: :func:`read_netflix_columns` (9 bytes a rating), then
:func:`netflix_column_split` (the same split, as row indices: 1 byte a
rating for the training mask) and :meth:`ColumnSplit.train_csr` (the
training matrix built from one in-place sort of an 8-byte key).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from deeprec.data.download import DatasetNotFoundError
from deeprec.data.matrix import CSR, Entries
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
_STEP = 1 << 20  # ratings handled at a time where a temporary is needed


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


def _day(date: str) -> int:
    """Days since 1970-01-01 of ``YYYY-MM-DD``."""
    return int(np.datetime64(date, "D").astype(np.int64))


def _in_days(day: np.ndarray, first: str, last: str) -> np.ndarray:
    """Boolean mask of ``first <= day <= last`` (whole days, inclusive)."""
    return (day >= _day(first)) & (day <= _day(last))


def _seen(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Lookup table: ``table[id]`` is True for the ids of ``ids[mask]``."""
    table = np.zeros(int(ids.max(initial=0)) + 1, bool)
    for lo in range(0, len(ids), _STEP):
        part = ids[lo:lo + _STEP]
        table[part[mask[lo:lo + _STEP]]] = True
    return table


@dataclass
class ColumnSplit:
    """A time split of :class:`RatingColumns`, kept as row selections.

    Attributes:
        ratings: the whole set (shared, not copied).
        train: (n,) bool mask of the training ratings.
        valid, test: sorted int64 rows of the held-out ratings.
    """

    ratings: RatingColumns
    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray
    name: str = ""
    info: dict = field(default_factory=dict)

    def part(self, name: str) -> RatingColumns:
        """``"train"``, ``"valid"`` or ``"test"`` as columns (copied)."""
        rows = {"train": self.train, "valid": self.valid,
                "test": self.test}[name]
        return self.ratings.take(rows)

    def to_split(self) -> Split:
        """The same split as DataFrames (equal to :func:`netflix_split`
        of :meth:`RatingColumns.to_frame`)."""
        parts = [self.part(n).to_frame() for n in ("train", "valid", "test")]
        return Split(*parts, name=self.name, info=dict(self.info))

    def ids(self) -> tuple[np.ndarray, np.ndarray]:
        """Sorted raw user and item ids of the training ratings."""
        r = self.ratings
        return (np.flatnonzero(_seen(r.user, self.train)),
                np.flatnonzero(_seen(r.item, self.train)))

    def train_csr(self) -> tuple[CSR, np.ndarray, np.ndarray]:
        """The user-major training matrix with its raw user and item ids
        (the same CSR as :class:`~deeprec.data.matrix.RatingData`)."""
        return _csr(self.ratings, self.train, *self.ids())

    def entries(self, name: str, user_ids: np.ndarray,
                item_ids: np.ndarray) -> Entries:
        """Held-out ratings ``"valid"`` or ``"test"`` in the index space of
        ``user_ids``, ``item_ids`` (from :meth:`train_csr`)."""
        part = self.part(name)
        users = np.searchsorted(user_ids, part.user)
        items = np.searchsorted(item_ids, part.item)
        return Entries(torch.as_tensor(users, dtype=torch.int64),
                       torch.as_tensor(items, dtype=torch.int64),
                       torch.as_tensor(part.rating, dtype=torch.float32))


def netflix_column_split(ratings: RatingColumns, which: str = "full",
                         seed: int = 0) -> ColumnSplit:
    """:func:`netflix_split` on compact columns (the same rows)."""
    return time_split_columns(ratings, *_dates(which), valid_fraction=0.5,
                              seed=seed, name=f"netflix-{which}")


def time_split_columns(ratings: RatingColumns, train_start: str,
                       train_end: str, test_start: str, test_end: str,
                       valid_fraction: float = 0.5, seed: int = 0,
                       name: str = "time") -> ColumnSplit:
    """:func:`~deeprec.data.splits.time_split` on compact columns: the same
    training rows, the same held-out rows (users and items unseen in
    training dropped) and the same seeded valid/test halves."""
    train = _in_days(ratings.day, train_start, train_end)
    users, items = _seen(ratings.user, train), _seen(ratings.item, train)
    held = np.flatnonzero(_in_days(ratings.day, test_start, test_end))
    u, i = ratings.user[held], ratings.item[held]
    held = held[users[u] & items[i]]
    if not train.any() or len(held) == 0:
        raise ValueError(f"time split {name!r} is empty: {train.sum()} "
                         f"train and {len(held)} test ratings in the dates")
    if valid_fraction > 0:  # as splits._random_parts: (test, valid)
        order = np.random.default_rng(seed).permutation(len(held))
        cut = len(held) - int(round(valid_fraction * len(held)))
        test, valid = held[np.sort(order[:cut])], held[np.sort(order[cut:])]
    else:
        test, valid = held, held[:0]
    return ColumnSplit(ratings, train, valid, test, name=name, info=dict(
        train_start=train_start, train_end=train_end, test_start=test_start,
        test_end=test_end, valid_fraction=valid_fraction, seed=seed))


def _csr(ratings: RatingColumns, mask: np.ndarray, user_ids: np.ndarray,
         item_ids: np.ndarray) -> tuple[CSR, np.ndarray, np.ndarray]:
    """CSR of ``ratings[mask]``: pack (user index, item index, rating code)
    into one int64 key per rating, sort it in place, unpack. Peak memory:
    the 8-byte key and the 4-byte values per training rating."""
    item_bits = max(int(len(item_ids)).bit_length(), 1)
    if len(user_ids).bit_length() + item_bits + 8 > 63:
        raise ValueError("too many users and items to pack in one key")
    user_index = np.full(int(user_ids.max(initial=0)) + 1, -1, np.int64)
    user_index[user_ids] = np.arange(len(user_ids))
    item_index = np.full(int(item_ids.max(initial=0)) + 1, -1, np.int64)
    item_index[item_ids] = np.arange(len(item_ids))
    key = np.empty(int(mask.sum()), np.int64)
    done = 0
    for lo in range(0, len(mask), _STEP):
        rows = np.flatnonzero(mask[lo:lo + _STEP]) + lo
        part = (user_index[ratings.user[rows]] << (item_bits + 8)
                | item_index[ratings.item[rows]] << 8
                | ratings.rating[rows].astype(np.uint8))
        key[done:done + len(part)] = part
        done += len(part)
    key.sort()
    bounds = np.arange(len(user_ids) + 1, dtype=np.int64) << (item_bits + 8)
    indptr = np.searchsorted(key, bounds)
    values = np.empty(len(key), np.float32)
    for lo in range(0, len(key), _STEP):
        values[lo:lo + _STEP] = (key[lo:lo + _STEP] & 0xFF).astype(np.int8)
    key >>= 8
    key &= (1 << item_bits) - 1  # now the column of each entry
    csr = CSR(torch.from_numpy(indptr), torch.from_numpy(key),
              torch.from_numpy(values), (len(user_ids), len(item_ids)))
    return csr, user_ids, item_ids


def netflix_data(split: ColumnSplit):
    """A :class:`~deeprec.data.matrix.RatingData` of a Netflix
    :class:`ColumnSplit` without DataFrames (the full-size path: about 12
    bytes a training rating)."""
    from deeprec.data.matrix import RatingData
    train, users, items = split.train_csr()
    return RatingData.from_csr(split.name, train, users, items,
                               split.entries("valid", users, items),
                               split.entries("test", users, items))
