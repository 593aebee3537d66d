"""A synthetic Netflix Prize set in the prize's file format, at any scale.

:func:`write_synthetic_netflix` writes ``combined_data_1..4.txt`` (movies
1-4499, 4500-9210, 9211-13367, 13368-17770, as the real files) with
480,189 x ``scale`` users, 17,770 movies and about 100,480,507 x ``scale``
ratings dated 1999-11-11 .. 2005-12-31, shaped so that the deep-AE paper's
four time splits (:data:`~deeprec.data.netflix.NETFLIX_SPLITS`) come out
near the ratings and users of its Table 1
(:data:`deeprec.paper.NETFLIX_TABLE1`) times ``scale``.

How: the dates split into seven periods (the splits' boundaries). Each user
gets the set of periods it rates in, drawn from 63 patterns whose counts
are fitted by iterative proportional fitting to Table 1's user counts
(starting from a join/leave model), and a number of ratings in each of its
periods (at least one; the rest in proportion to a log-normal activity) that
adds up to Table 1's rating counts. Movies are visited in chunks: each
user's remaining ratings of a period are split over the chunks by binomial
draws (exactly the per-user totals), each rating picks a movie of the chunk
by popularity (log-normal; 863 movies appear only after May 2005), repeats
of a (user, movie) pair are redrawn, and the chunk is written at once.
Ratings are ``round(mean + user bias + movie bias + low-rank + noise)``
clipped to 1..5. Memory is bounded by a chunk (a few hundred MB at full
scale), and the files are the same for the same seed and scale.

Assumptions beyond Table 1 (not published): 5,125 ratings before
1999-12-01, 150,000 December ratings by the 2,777 users who rate only then,
and June 2005 users who did not rate in the year before rating 0.8 times as
much as those who did.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

import numpy as np

from deeprec.paper import NETFLIX_TABLE1

NUM_USERS, NUM_MOVIES, NUM_RATINGS = 480_189, 17_770, 100_480_507
MAX_USER_ID = 2_649_429
#: First movie of each ``combined_data_k.txt`` (and one past the last).
FILE_STARTS = (1, 4500, 9211, 13368, NUM_MOVIES + 1)
#: The seven periods: (first day, last day), inclusive.
PERIODS = (("1999-11-11", "1999-11-30"), ("1999-12-01", "2004-05-31"),
           ("2004-06-01", "2005-05-31"), ("2005-06-01", "2005-06-30"),
           ("2005-07-01", "2005-08-31"), ("2005-09-01", "2005-11-30"),
           ("2005-12-01", "2005-12-31"))
Z, A, B, C, D, E, F = range(7)  # before Dec 1999, ..., December 2005
CHUNK_MOVIES = 250
_PIECE = 1 << 19  # ratings formatted at a time
_RELEASED_LATE = {C: 290, D: 290, E: 281, F: 2}  # movies new in a period


def _table(split: str, part: str, column: str) -> int:
    t = NETFLIX_TABLE1
    return int(t[(t.split == split) & (t.part == part)][column].iloc[0])


def _user_targets() -> tuple[list[tuple[list[int], int]],
                             list[tuple[list[int], list[int], int]]]:
    """Table 1's user counts as constraints: (periods, users who rate in
    any of them) and (periods, periods, users who rate in both sets)."""
    full_test, three, six = (_table(s, "test", "users")
                             for s in ("Full", "3 months", "6 months"))
    return [([A, B, C, D, E], _table("Full", "train", "users")),
            ([B], _table("1 year", "train", "users")),
            ([C, D, E], _table("6 months", "train", "users")),
            ([E], _table("3 months", "train", "users"))], [
        ([F], [E], three), ([F], [C, D, E], six),
        ([F], [A, B, C, D, E], full_test),
        ([C], [B], _table("1 year", "test", "users"))]


def _bits(periods: list[int]) -> int:
    return sum(1 << (p - 1) for p in periods)


def _prior() -> np.ndarray:
    """(64,) prior share of each activity pattern: a user joins in period
    f, stays to period l with probability 0.8 a period, and rates in each
    period between with the period's probability."""
    join = {A: 0.45, B: 0.25, C: 0.04, D: 0.07, E: 0.12, F: 0.07}
    rate = {A: 1.0, B: 0.95, C: 0.6, D: 0.75, E: 0.85, F: 0.6}
    prior = np.zeros(64)
    for pattern in range(1, 64):
        on = [p for p in range(A, F + 1) if pattern >> (p - 1) & 1]
        first, last = on[0], on[-1]
        weight = join[first] * 0.8 ** (last - first) * (
            0.2 if last < F else 1.0)
        for p in range(first + 1, last):
            weight *= rate[p] if p in on else 1 - rate[p]
        prior[pattern] = weight
    return prior


def pattern_counts(scale: float = 1.0) -> np.ndarray:
    """(64,) users of each activity pattern (bit p - 1: rates in period
    p), fitted so that Table 1's user counts hold, times ``scale``."""
    single, pairs = _user_targets()
    patterns = np.arange(64)
    sets = [((patterns & _bits(ps)) > 0, n) for ps, n in single]
    sets += [(((patterns & _bits(a)) > 0) & ((patterns & _bits(b)) > 0), n)
             for a, b, n in pairs]
    x = _prior() * NUM_USERS / _prior().sum()
    for _ in range(500):
        for inside, target in sets:
            x[inside] *= target / x[inside].sum()
            x[~inside] *= (NUM_USERS - target) / x[~inside].sum()
    return _round(x * scale)


def _round(x: np.ndarray) -> np.ndarray:
    """Integers with the rounded total (largest remainders get the rest)."""
    base = np.floor(x).astype(np.int64)
    rest = int(round(x.sum())) - int(base.sum())
    base[np.argsort(-(x - base), kind="stable")[:rest]] += 1
    return base


def _rating_groups(active: np.ndarray) -> list[tuple[int, np.ndarray, int]]:
    """(period, users, ratings) groups whose totals follow Table 1."""
    on = [active[:, p] for p in range(7)]
    cde = on[C] | on[D] | on[E]
    full, three, six = (_table(s, "test", "ratings")
                        for s in ("Full", "3 months", "6 months"))
    june = _table("1 year", "test", "ratings")
    six_train = _table("6 months", "train", "ratings")
    groups = [(A, on[A], _table("Full", "train", "ratings") - six_train
               - _table("1 year", "train", "ratings")),
              (B, on[B], _table("1 year", "train", "ratings")),
              (E, on[E], _table("3 months", "train", "ratings")),
              (C, on[C] & on[B], june),
              (F, on[F] & on[E], three),
              (F, on[F] & cde & ~on[E], six - three),
              (F, on[F] & ~cde & (on[A] | on[B]), full - six),
              (F, on[F] & ~cde & ~on[A] & ~on[B], 150_000)]
    new_june = on[C] & ~on[B]
    extra = int(round(june / max(groups[3][1].sum(), 1) * 0.8
                      * new_june.sum()))
    groups.append((C, new_june, extra))
    groups.append((D, on[D], six_train - _table("3 months", "train",
                                                 "ratings") - june - extra))
    return groups


def _user_counts(rng: np.random.Generator, scale: float) -> np.ndarray:
    """(users, 7) ratings of each user in each period."""
    counts = pattern_counts(scale)
    pattern = rng.permutation(np.repeat(np.arange(64), counts))
    bits = (pattern[:, None] >> np.arange(6)) & 1
    active = np.concatenate([np.zeros((len(pattern), 1), bool),
                             bits.astype(bool)], axis=1)
    weight = np.minimum(rng.lognormal(0.0, 1.0, len(pattern)), 20.0)
    n = np.zeros((len(pattern), 7), np.int64)
    for period, users, total in _rating_groups(active):
        idx = np.flatnonzero(users)
        total = int(round(total * scale))
        if len(idx) == 0 or total <= 0:
            continue
        share = weight[idx] / weight[idx].sum()
        n[idx, period] = 1 + rng.multinomial(max(total - len(idx), 0), share)
    old = np.flatnonzero(active[:, A])
    if len(old):
        early = rng.multinomial(int(round(5_125 * scale)),
                                weight[old] / weight[old].sum())
        n[old, Z] = early
    return n


def _movies(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(movies, 7) popularity by period (0 before release), and the
    period each movie is released in."""
    release = np.full(NUM_MOVIES, Z)
    late = rng.permutation(NUM_MOVIES)
    start = 0
    for period, count in _RELEASED_LATE.items():
        release[late[start:start + count]] = period
        start += count
    base = rng.lognormal(0.0, 1.3, NUM_MOVIES)
    drift = rng.lognormal(0.0, 0.3, (NUM_MOVIES, 7))
    popularity = base[:, None] * drift * (np.arange(7) >= release[:, None])
    return popularity, release


def _period_days() -> tuple[np.ndarray, np.ndarray]:
    first = np.array([np.datetime64(a, "D").astype(np.int64)
                      for a, _ in PERIODS])
    last = np.array([np.datetime64(b, "D").astype(np.int64)
                     for _, b in PERIODS])
    return first, last - first + 1


def _draw_days(rng: np.random.Generator, period: int, n: int) -> np.ndarray:
    """Days of ``n`` ratings in ``period``: uniform, but growing linearly
    over the long period A (Netflix grew)."""
    first, length = _period_days()
    u = rng.random(n)
    if period == A:
        u = np.sqrt(u)
    return first[period] + np.minimum((u * length[period]).astype(np.int64),
                                      length[period] - 1)


def _pick(rng: np.random.Generator, weights: np.ndarray, n: int
          ) -> np.ndarray:
    """``n`` draws of indices of ``weights`` in proportion to them."""
    cum = np.cumsum(weights)
    return np.minimum(np.searchsorted(cum, rng.random(n) * cum[-1], "right"),
                      len(weights) - 1)


def _deduplicate(rng: np.random.Generator, user: np.ndarray,
                 movie: np.ndarray, period: np.ndarray,
                 popularity: np.ndarray) -> np.ndarray:
    """Redraw (uniformly among released movies) the movie of ratings that
    repeat a (user, movie) pair; return the rows to keep (repeats left
    after 8 rounds are dropped)."""
    n = popularity.shape[0]
    for attempt in range(9):
        key = user.astype(np.int64) * n + movie
        order = np.argsort(key, kind="stable")
        ranked = key[order]
        repeat = np.zeros(len(key), bool)
        repeat[order[1:][ranked[1:] == ranked[:-1]]] = True
        if not repeat.any() or attempt == 8:
            return ~repeat
        for p in np.unique(period[repeat]):
            rows = np.flatnonzero(repeat & (period == p))
            free = np.flatnonzero(popularity[:, p] > 0)
            movie[rows] = free[rng.integers(0, len(free), len(rows))]
    return ~repeat


def _chunk_ratings(rng: np.random.Generator, remaining: np.ndarray,
                   mass_left: np.ndarray, popularity: np.ndarray
                   ) -> tuple[np.ndarray, ...]:
    """(user index, local movie, day) of one chunk's ratings; takes them
    from ``remaining`` (users x periods) by binomial draws."""
    users, movies, days, periods = [], [], [], []
    for p in range(7):
        mass = popularity[:, p].sum()
        if mass <= 0:
            continue
        share = min(1.0, mass / mass_left[p]) if mass_left[p] > 0 else 1.0
        mass_left[p] -= mass
        idx = np.flatnonzero(remaining[:, p])
        take = rng.binomial(remaining[idx, p], share)
        remaining[idx, p] -= take
        who = np.repeat(idx, take)
        users.append(who)
        movies.append(_pick(rng, popularity[:, p], len(who)))
        days.append(_draw_days(rng, p, len(who)))
        periods.append(np.full(len(who), p, np.int8))
    user, movie, day, period = map(np.concatenate, (users, movies, days,
                                                    periods))
    keep = _deduplicate(rng, user, movie, period, popularity)
    return user[keep], movie[keep], day[keep]


def _lines(user_id: np.ndarray, rating: np.ndarray, day: np.ndarray,
           movie_id: np.ndarray, counts: np.ndarray) -> bytes:
    """The text of a chunk: for each movie ``movie_id:`` then its
    ``counts`` lines ``user,rating,YYYY-MM-DD`` (ratings in movie order),
    built as a byte matrix with no Python loop per rating."""
    width = 21  # 7 user digits, ',', rating, ',', 10 date bytes, '\n'
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    heads = starts + np.arange(len(counts))
    out = np.zeros((len(user_id) + len(counts), width), np.uint8)
    is_head = np.zeros(len(out), bool)
    is_head[heads] = True
    out[~is_head, :7] = _right_aligned(user_id, 7)
    out[~is_head, 7:10] = np.stack([np.full(len(rating), 44), 48 + rating,
                                    np.full(len(rating), 44)], axis=1)
    dates = np.datetime_as_string(np.arange(day.min(initial=0),
                                            day.max(initial=0) + 1)
                                  .astype("datetime64[D]"))
    table = np.frombuffer("".join(dates).encode(), np.uint8).reshape(-1, 10)
    out[~is_head, 10:20] = table[day - day.min(initial=0)]
    out[~is_head, 20] = 10
    out[heads, :5] = _right_aligned(movie_id, 5)
    out[heads, 5:7] = [58, 10]
    flat = out.ravel()
    return flat[flat != 0].tobytes()


def _right_aligned(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) ASCII digits of ``values``, left-padded with 0 bytes."""
    out = np.zeros((len(values), width), np.uint8)
    v = values.astype(np.int64)
    for k in range(width - 1, -1, -1):
        out[:, k] = np.where((v > 0) | (k == width - 1), 48 + v % 10, 0)
        v //= 10
    return out


def _ratings(rng: np.random.Generator, users: np.ndarray,
             movies: np.ndarray, model: dict) -> np.ndarray:
    """Integer ratings 1..5: mean + biases + low rank + noise, rounded."""
    score = (3.65 + model["b_u"][users] + model["b_m"][movies]
             + (model["p"][users] * model["q"][movies]).sum(1)
             + rng.normal(0.0, 0.85, len(users)))
    return np.clip(np.round(score), 1, 5).astype(np.int64)


def write_synthetic_netflix(folder: str | Path, seed: int = 0,
                            scale: float = 1.0) -> Path:
    """Write ``combined_data_1..4.txt`` into ``folder`` (created).

    Args:
        folder: where the four files go (each written to ``.tmp`` first,
            then renamed: never half-written).
        seed: the files are identical for the same seed and scale.
        scale: fraction of the users and ratings (1.0: the full prize
            size, ~2.1 GB of text; 0.001 for tests). Movies stay 17,770.

    Returns:
        ``folder``.
    """
    if not 0 < scale <= 1:
        raise ValueError(f"scale must be in (0, 1], got {scale}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    remaining = _user_counts(rng, scale)
    num_users = len(remaining)
    ids = np.sort(rng.choice(MAX_USER_ID, num_users, replace=False) + 1)
    popularity, _ = _movies(rng)
    rank = 5
    model = {"b_u": rng.normal(0, 0.5, num_users),
             "b_m": rng.normal(0, 0.5, NUM_MOVIES),
             "p": (rng.normal(0, 1, (num_users, rank))
                   / np.sqrt(rank)).astype(np.float32),
             "q": (rng.normal(0, 1, (NUM_MOVIES, rank))
                   / np.sqrt(rank)).astype(np.float32)}
    mass_left = popularity.sum(axis=0)
    for k in range(4):
        path = folder / f"combined_data_{k + 1}.txt"
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as out:
            for lo in range(FILE_STARTS[k], FILE_STARTS[k + 1],
                            CHUNK_MOVIES):
                hi = min(lo + CHUNK_MOVIES, FILE_STARTS[k + 1])
                _write_chunk(out, rng, remaining, mass_left,
                             popularity[lo - 1:hi - 1], lo, ids, model)
        os.replace(tmp, path)
    return folder


def _write_chunk(out: BinaryIO, rng: np.random.Generator,
                 remaining: np.ndarray, mass_left: np.ndarray,
                 popularity: np.ndarray, first: int, ids: np.ndarray,
                 model: dict) -> None:
    """Write movies ``first .. first + len(popularity) - 1``, in pieces
    of at most ``_PIECE`` ratings (bounded temporaries)."""
    user, movie, day = _chunk_ratings(rng, remaining, mass_left, popularity)
    shuffle = rng.permutation(len(user))
    order = shuffle[np.argsort(movie[shuffle], kind="stable")]
    user, movie, day = user[order], movie[order], day[order]
    counts = np.bincount(movie, minlength=len(popularity))
    ends = np.cumsum(counts)
    lo = 0
    while lo < len(counts):
        start = ends[lo] - counts[lo]
        hi = max(lo + 1, int(np.searchsorted(ends, start + _PIECE, "right")))
        rows = slice(start, ends[hi - 1])
        rating = _ratings(rng, user[rows], movie[rows] + first - 1, model)
        out.write(_lines(ids[user[rows]], rating, day[rows],
                         np.arange(first + lo, first + hi), counts[lo:hi]))
        lo = hi
