"""Splits of compact :class:`~deeprec.data.streaming.RatingColumns`, and
the training CSR built from them without DataFrames.

The full-size path: a split is kept as row selections of the shared
columns (a 1-byte mask for training, sorted int64 rows for the held-out
parts), and :func:`column_data` builds the
:class:`~deeprec.data.matrix.RatingData` from one in-place sort of an
8-byte key per training rating. Every split here selects the same rows,
in the same order, as its DataFrame twin in :mod:`deeprec.data.splits`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from deeprec.data.matrix import CSR, Entries, RatingData
from deeprec.data.splits import Split
from deeprec.data.streaming import RatingColumns

_STEP = 1 << 20  # ratings handled at a time where a temporary is needed
_DAY = 86_400


def _seen(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Lookup table: ``table[id]`` is True for the ids of ``ids[mask]``."""
    table = np.zeros(int(ids.max(initial=0)) + 1, bool)
    for lo in range(0, len(ids), _STEP):
        part = ids[lo:lo + _STEP]
        table[part[mask[lo:lo + _STEP]]] = True
    return table


def _index_of(ids: np.ndarray, sorted_ids: np.ndarray) -> np.ndarray:
    """Position of each of ``ids`` in ``sorted_ids``; -1 where absent."""
    at = np.searchsorted(sorted_ids, ids)
    inside = at < len(sorted_ids)
    found = np.zeros(len(ids), bool)
    found[inside] = sorted_ids[at[inside]] == ids[inside]
    return np.where(found, at, -1)


@dataclass
class ColumnSplit:
    """A split of :class:`RatingColumns`, kept as row selections.

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
        """The same split as DataFrames (equal to the DataFrame split of
        :meth:`RatingColumns.to_frame`)."""
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
        ``user_ids``, ``item_ids`` (from :meth:`train_csr`; -1 for ids
        unseen in training)."""
        part = self.part(name)
        return Entries(
            torch.as_tensor(_index_of(part.user, user_ids), dtype=torch.int64),
            torch.as_tensor(_index_of(part.item, item_ids), dtype=torch.int64),
            torch.as_tensor(part.ratings()))


def _random_rows(rows: np.ndarray, fraction: float, seed: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """``rows`` split at random, (1 - fraction, fraction), each sorted (as
    :func:`deeprec.data.splits._random_parts`)."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be in (0, 1), got {fraction}")
    order = np.random.default_rng(seed).permutation(len(rows))
    cut = len(rows) - int(round(fraction * len(rows)))
    return rows[np.sort(order[:cut])], rows[np.sort(order[cut:])]


def random_split_columns(ratings: RatingColumns, test_fraction: float = 0.1,
                         seed: int = 0, valid_fraction: float = 0.0
                         ) -> ColumnSplit:
    """:func:`~deeprec.data.splits.random_split` on compact columns (unseen
    ids kept), then, when ``valid_fraction`` > 0,
    :func:`~deeprec.data.splits.train_valid_split` of its training part:
    the same rows."""
    train, test = _random_rows(np.arange(len(ratings)), test_fraction, seed)
    valid = train[:0]
    if valid_fraction > 0:
        train, valid = _random_rows(train, valid_fraction, seed)
    mask = np.zeros(len(ratings), bool)
    mask[train] = True
    return ColumnSplit(ratings, mask, valid, test,
                       name=f"random-{test_fraction:g}-seed{seed}",
                       info={"test_fraction": test_fraction, "seed": seed})


def _in_dates(ratings: RatingColumns, first: str, last: str) -> np.ndarray:
    """Boolean mask of the ratings from ``first`` to ``last`` (whole days
    UTC, inclusive)."""
    lo = int(np.datetime64(first, "D").astype(np.int64)) * _DAY
    hi = (int(np.datetime64(last, "D").astype(np.int64)) + 1) * _DAY
    unit = ratings.time_unit
    return (ratings.time >= -(-lo // unit)) & (ratings.time < -(-hi // unit))


def time_split_columns(ratings: RatingColumns, train_start: str,
                       train_end: str, test_start: str, test_end: str,
                       valid_fraction: float = 0.5, seed: int = 0,
                       name: str = "time") -> ColumnSplit:
    """:func:`~deeprec.data.splits.time_split` on compact columns: the same
    training rows, the same held-out rows (users and items unseen in
    training dropped) and the same seeded valid/test halves."""
    train = _in_dates(ratings, train_start, train_end)
    users, items = _seen(ratings.user, train), _seen(ratings.item, train)
    held = np.flatnonzero(_in_dates(ratings, test_start, test_end))
    u, i = ratings.user[held], ratings.item[held]
    known = (u < len(users)) & (i < len(items))
    known[known] = users[u[known]] & items[i[known]]
    held = held[known]
    if not train.any() or len(held) == 0:
        raise ValueError(f"time split {name!r} is empty: {train.sum()} "
                         f"train and {len(held)} test ratings in the dates")
    if valid_fraction > 0:  # as splits._random_parts: (test, valid)
        test, valid = _random_rows(held, valid_fraction, seed)
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
    step = np.float32(ratings.rating_step)
    for lo in range(0, len(key), _STEP):
        code = (key[lo:lo + _STEP] & 0xFF).astype(np.int8)
        values[lo:lo + _STEP] = code.astype(np.float32) * step
    key >>= 8
    key &= (1 << item_bits) - 1  # now the column of each entry
    csr = CSR(torch.from_numpy(indptr), torch.from_numpy(key),
              torch.from_numpy(values), (len(user_ids), len(item_ids)))
    return csr, user_ids, item_ids


def column_data(split: ColumnSplit) -> RatingData:
    """A :class:`~deeprec.data.matrix.RatingData` of a :class:`ColumnSplit`
    without DataFrames (the full-size path: about 12 bytes a training
    rating)."""
    train, users, items = split.train_csr()
    return RatingData.from_csr(split.name, train, users, items,
                               split.entries("valid", users, items),
                               split.entries("test", users, items))
