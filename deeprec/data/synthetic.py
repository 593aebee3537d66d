"""A synthetic MovieLens-like data set, written in the ML-100K file format.

Ratings are integers 1..5 from a low-rank model plus noise; item popularity
is long-tailed (Zipf-like), user activity is spread (log-normal), and every
rating has a timestamp. The files go through the real ML-100K reader, so
tests and quick runs exercise the same code path as real data.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from deeprec.constants import ITEM, RATING, TIMESTAMP, USER
from deeprec.data.movies import ML100K_GENRES
from deeprec.data.readers import ratings_to_text

_START = 874_724_710  # 1997-09-20, the first day of ML-100K


@dataclass(frozen=True)
class SyntheticConfig:
    """Knobs of the generator (defaults: a small, quick data set)."""

    num_users: int = 300
    num_items: int = 400
    num_ratings: int = 15_000
    rank: int = 5
    noise: float = 0.3  # std of the Gaussian noise before rounding
    popularity_exponent: float = 0.9  # Zipf exponent of item popularity
    activity_sigma: float = 0.8  # log-normal spread of user activity
    seed: int = 0


def synthetic_ratings(config: SyntheticConfig = SyntheticConfig()
                      ) -> pd.DataFrame:
    """Draw the ratings; column ``expected`` is the noiseless rating.

    Returns:
        DataFrame ``user_id, item_id, rating, timestamp, expected`` in a
        random row order (as ML-100K's ``u.data``); ids start at 1.
    """
    c = config
    if c.num_ratings > c.num_users * c.num_items // 2:
        raise ValueError("num_ratings must be at most half the matrix")
    rng = np.random.default_rng(c.seed)
    # Who rates what: per-user counts (log-normal, at least 5), items drawn
    # without replacement in proportion to a Zipf popularity (Gumbel top-k).
    activity = rng.lognormal(0.0, c.activity_sigma, c.num_users)
    counts = np.maximum(5, np.round(activity / activity.sum()
                                    * c.num_ratings)).astype(int)
    counts = np.minimum(counts, c.num_items // 2)
    popularity = 1.0 / np.arange(1, c.num_items + 1) ** c.popularity_exponent
    popularity = popularity[rng.permutation(c.num_items)]
    keys = np.log(popularity) + rng.gumbel(size=(c.num_users, c.num_items))
    ranks = np.argsort(np.argsort(-keys, axis=1), axis=1)
    users, items = np.nonzero(ranks < counts[:, None])
    # What they rate: low-rank affinity plus user/item biases, scaled to 1..5.
    scale = 1.0 / np.sqrt(c.rank)
    p = rng.normal(0, 1, (c.num_users, c.rank)) * scale
    q = rng.normal(0, 1, (c.num_items, c.rank)) * scale
    b_u = rng.normal(0, 0.3, c.num_users)
    b_i = rng.normal(0, 0.4, c.num_items)
    expected = 3.6 + b_u[users] + b_i[items] + (p[users] * q[items]).sum(1)
    noisy = expected + rng.normal(0, c.noise, len(users))
    rating = np.clip(np.round(noisy), 1, 5)
    # When: each user is active over a random window of the 7-month period.
    span = 215 * 24 * 3600
    first = rng.integers(0, span // 2, c.num_users)
    length = rng.integers(3600, span // 2, c.num_users)
    when = _START + first[users] + rng.random(len(users)) * length[users]
    frame = pd.DataFrame({
        USER: users + 1, ITEM: items + 1, RATING: rating.astype(np.float32),
        TIMESTAMP: when.astype(np.int64),
        "expected": np.clip(expected, 1, 5).astype(np.float32)})
    return frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)


def write_synthetic_movielens(folder: str | Path,
                              config: SyntheticConfig = SyntheticConfig()
                              ) -> Path:
    """Write ``u.data``, ``u.item``, ``u.user``, ``u1..u5.base/.test`` and
    ``expected.tsv`` (the noiseless ratings) into ``folder``, atomically.

    Fold k tests the k-th fifth of ``u.data``'s rows, the rule of the
    ML-100K archive's ``mku.sh``.
    """
    folder = Path(folder)
    frame = synthetic_ratings(config)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".synthetic-"))
    try:
        ratings = frame.drop(columns="expected")
        (tmp / "u.data").write_text(ratings_to_text(ratings))
        n = len(ratings)
        for k in range(1, 6):
            lo, hi = n * (k - 1) // 5, n * k // 5
            test = ratings.iloc[lo:hi].sort_values([USER, ITEM])
            base = ratings.drop(ratings.index[lo:hi]).sort_values([USER, ITEM])
            (tmp / f"u{k}.test").write_text(ratings_to_text(test))
            (tmp / f"u{k}.base").write_text(ratings_to_text(base))
        rng = np.random.default_rng(config.seed + 1)
        flags = rng.random((config.num_items, len(ML100K_GENRES))) < 0.12
        lines = [f"{i}|Synthetic movie {i} ({1950 + i % 48})|01-Jan-1995||"
                 "|" + "|".join(map(str, row.astype(int)))
                 for i, row in enumerate(flags, start=1)]
        (tmp / "u.item").write_text("\n".join(lines) + "\n")
        jobs = ["student", "engineer", "writer", "other"]
        users = [f"{u}|{18 + u % 50}|{'MF'[u % 2]}|{jobs[u % 4]}|0000{u % 10}"
                 for u in range(1, config.num_users + 1)]
        (tmp / "u.user").write_text("\n".join(users) + "\n")
        frame[[USER, ITEM, "expected"]].to_csv(tmp / "expected.tsv",
                                                sep="\t", index=False)
        (tmp / "config.txt").write_text(repr(asdict(config)) + "\n")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return folder
