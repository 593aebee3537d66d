"""Train/validation/test splits: random, ML-100K folds, by time.

A :class:`Split` holds three ratings DataFrames. Id maps are later built from
``train`` only (:class:`deeprec.data.matrix.RatingData`), so a split never
leaks test users or items into training.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from deeprec.constants import ITEM, TIMESTAMP, USER
from deeprec.data.readers import read_rating_file


@dataclass
class Split:
    """Ratings divided into train, validation (may be empty) and test."""

    train: pd.DataFrame
    valid: pd.DataFrame
    test: pd.DataFrame
    name: str = ""
    info: dict = field(default_factory=dict)

    def parts(self) -> dict[str, pd.DataFrame]:
        """The three parts by name, in order."""
        return {"train": self.train, "valid": self.valid, "test": self.test}


def _empty_like(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[:0].copy()


def drop_unseen(frame: pd.DataFrame, train: pd.DataFrame) -> pd.DataFrame:
    """Remove ratings whose user or item never occurs in ``train``."""
    keep = frame[USER].isin(train[USER]) & frame[ITEM].isin(train[ITEM])
    return frame[keep.to_numpy()].reset_index(drop=True)


def _random_parts(frame: pd.DataFrame, fraction: float, seed: int
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows at random: (1 - fraction, fraction) of them."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be in (0, 1), got {fraction}")
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(frame))
    cut = len(frame) - int(round(fraction * len(frame)))
    first = frame.iloc[np.sort(order[:cut])].reset_index(drop=True)
    second = frame.iloc[np.sort(order[cut:])].reset_index(drop=True)
    return first, second


def random_split(ratings: pd.DataFrame, test_fraction: float = 0.1,
                 seed: int = 0, unseen: str = "keep") -> Split:
    """Hold out a random ``test_fraction`` of the ratings (AutoRec: 0.1).

    Args:
        unseen: ``"keep"`` test ratings of users/items absent from train
            (they are scored with the fallback prediction) or ``"drop"``.
    """
    train, test = _random_parts(ratings, test_fraction, seed)
    if unseen == "drop":
        test = drop_unseen(test, train)
    return Split(train, _empty_like(train), test,
                 name=f"random-{test_fraction:g}-seed{seed}",
                 info={"test_fraction": test_fraction, "seed": seed})


def ml100k_fold(folder: str | Path, fold: int = 1) -> Split:
    """The archive's own ML-100K fold ``u{fold}.base`` / ``u{fold}.test``."""
    if fold not in range(1, 6):
        raise ValueError(f"ML-100K folds are 1..5, got {fold}")
    folder = Path(folder)
    train = read_rating_file(folder / f"u{fold}.base", sep="\t")
    test = read_rating_file(folder / f"u{fold}.test", sep="\t")
    return Split(train, _empty_like(train), test, name=f"u{fold}",
                 info={"fold": fold})


def _seconds(date: str) -> int:
    return int(pd.Timestamp(date, tz="UTC").timestamp())


def time_split(ratings: pd.DataFrame, train_start: str, train_end: str,
               test_start: str, test_end: str, valid_fraction: float = 0.5,
               seed: int = 0, name: str = "time") -> Split:
    """Split by dates, as the deep-AE paper splits Netflix.

    Training ratings fall in ``[train_start, train_end]`` and test ratings in
    ``[test_start, test_end]`` (whole days, inclusive, UTC). Test-interval
    ratings of users or items absent from training are removed, and the rest
    is split at random into validation and test (``valid_fraction``).
    """
    day = 24 * 3600
    t = ratings[TIMESTAMP].to_numpy()
    in_train = (t >= _seconds(train_start)) & (t < _seconds(train_end) + day)
    in_test = (t >= _seconds(test_start)) & (t < _seconds(test_end) + day)
    train = ratings[in_train].reset_index(drop=True)
    held = drop_unseen(ratings[in_test], train)
    if len(train) == 0 or len(held) == 0:
        raise ValueError(f"time split {name!r} is empty: {len(train)} train "
                         f"and {len(held)} test ratings in the given dates")
    if valid_fraction > 0:
        test, valid = _random_parts(held, valid_fraction, seed)
    else:
        test, valid = held, _empty_like(held)
    return Split(train, valid, test, name=name, info=dict(
        train_start=train_start, train_end=train_end, test_start=test_start,
        test_end=test_end, valid_fraction=valid_fraction, seed=seed))


def last_days_split(ratings: pd.DataFrame, test_days: int = 30,
                    valid_fraction: float = 0.5, seed: int = 0) -> Split:
    """A time split for any timestamped data: the last ``test_days`` days are
    the test interval, everything before is training (paper's rules)."""
    last = pd.Timestamp(int(ratings[TIMESTAMP].max()), unit="s", tz="UTC")
    test_start = (last - pd.Timedelta(days=test_days - 1)).normalize()
    first = pd.Timestamp(int(ratings[TIMESTAMP].min()), unit="s", tz="UTC")
    fmt = "%Y-%m-%d"
    return time_split(
        ratings, first.strftime(fmt),
        (test_start - pd.Timedelta(days=1)).strftime(fmt),
        test_start.strftime(fmt), last.strftime(fmt), valid_fraction, seed,
        name=f"last-{test_days}-days")


def random_like(split: Split, ratings: pd.DataFrame, seed: int = 0) -> Split:
    """A random split with ``split``'s part sizes, drawn from ``ratings``
    (validation and test ratings of users or items unseen in training
    removed, as :func:`time_split` removes them): what using a random split
    where the paper split by time changes, at equal sizes (a pitfall)."""
    sizes = [len(split.test), len(split.valid), len(split.train)]
    if sum(sizes) > len(ratings):
        raise ValueError(f"the split has {sum(sizes)} ratings, more than "
                         f"the {len(ratings)} given")
    order = np.random.default_rng(seed).permutation(len(ratings))
    cuts = np.cumsum([0, *sizes])
    test, valid, train = (ratings.iloc[np.sort(order[a:b])].reset_index(
        drop=True) for a, b in zip(cuts[:-1], cuts[1:]))
    return Split(train, drop_unseen(valid, train), drop_unseen(test, train),
                 name=f"random-like-{split.name}-seed{seed}",
                 info={"like": split.name, "seed": seed})


def train_valid_split(split: Split, valid_fraction: float = 0.1,
                      seed: int = 0) -> Split:
    """Carve a random validation part out of ``split.train``.

    The test part is untouched; the new training part is what id maps and
    models see, so validation ratings are never trained on.
    """
    train, valid = _random_parts(split.train, valid_fraction, seed)
    info = dict(split.info, valid_fraction=valid_fraction, valid_seed=seed)
    return replace(split, train=train, valid=valid, info=info)


def density_split(ratings: pd.DataFrame, train_ratio: float,
                  held_out: float = 0.1, seed: int = 0) -> Split:
    """A random split for density sweeps (ConvMF's Table 4): with one
    seeded shuffle, the first ``held_out`` of the ratings are the test
    part, the next ``held_out`` the validation part, and the next
    ``train_ratio`` of all ratings the training part (the rest unused), so
    every ratio of a seed shares the same test and validation ratings and
    a lower ratio trains on a subset of a higher one's ratings."""
    if not 0 < held_out < 0.5:
        raise ValueError(f"held_out must be in (0, 0.5), got {held_out}")
    if not 0 < train_ratio <= 1 - 2 * held_out + 1e-9:
        raise ValueError(f"train_ratio must be in (0, {1 - 2 * held_out:g}]"
                         f" with held_out={held_out:g}, got {train_ratio}")
    order = np.random.default_rng(seed).permutation(len(ratings))
    n_held = int(round(held_out * len(ratings)))
    n_train = int(round(train_ratio * len(ratings)))
    parts = [order[:n_held], order[n_held:2 * n_held],
             order[2 * n_held:2 * n_held + n_train]]
    test, valid, train = (ratings.iloc[np.sort(p)].reset_index(drop=True)
                          for p in parts)
    return Split(train, valid, test,
                 name=f"density-{train_ratio:g}-seed{seed}",
                 info={"train_ratio": train_ratio, "held_out": held_out,
                       "seed": seed})
