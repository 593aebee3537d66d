"""Readers for the MovieLens rating files, with errors that name file and line.

Every reader returns a ratings DataFrame with the columns of
:mod:`deeprec.constants` (``user_id, item_id, rating, timestamp``) and, where
the archive has them, a movies DataFrame (``item_id, title, genres``).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from deeprec.constants import GENRES, ITEM, RATING, TIMESTAMP, TITLE, USER

ML100K_GENRES = [
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy",
    "Crime", "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror",
    "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
]


class DataFormatError(ValueError):
    """A data file does not have the expected layout (names file and line)."""


def _locate_bad_line(path: Path, sep: str, kinds: list[type], header: bool,
                     what: str, rating_range: tuple[float, float] | None
                     ) -> None:
    """Scan ``path`` line by line and raise on the first malformed line.

    Only called once the fast pandas parse failed, so speed does not matter.
    """
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if header and number == 1:
                continue
            text = line.rstrip("\r\n")
            fields = text.split(sep)
            if len(fields) != len(kinds):
                raise DataFormatError(
                    f"{path}, line {number}: expected {len(kinds)} fields "
                    f"({what}) separated by {sep!r}, got {len(fields)}: "
                    f"{text[:80]!r}")
            for field, kind in zip(fields, kinds):
                try:
                    value = kind(field)
                except ValueError:
                    raise DataFormatError(
                        f"{path}, line {number}: field {field!r} is not "
                        f"{'an integer' if kind is int else 'a number'} "
                        f"(expected {what}): {text[:80]!r}") from None
            rating = float(fields[2])
            if rating_range and not (rating_range[0] <= rating
                                     <= rating_range[1]):
                raise DataFormatError(
                    f"{path}, line {number}: rating {fields[2]} is outside "
                    f"{rating_range[0]:g}..{rating_range[1]:g}: {text[:80]!r}")
    raise DataFormatError(f"{path}: could not be parsed as {what}")


def read_rating_file(path: str | Path, sep: str = "\t", header: bool = False,
                     rating_range: tuple[float, float] | None = (0.5, 5.0)
                     ) -> pd.DataFrame:
    """Read a ``user, item, rating, timestamp`` file of any MovieLens layout.

    Args:
        path: the file (``u.data``, ``u1.base``, ``ratings.dat``,
            ``ratings.csv``).
        sep: field separator: ``"\\t"``, ``"::"`` or ``","``.
        header: True when the first line holds column names (``.csv``).
        rating_range: ratings outside it are an error; None skips the check.

    Returns:
        DataFrame with ``user_id, item_id`` (int64), ``rating`` (float32) and
        ``timestamp`` (int64) columns.

    Raises:
        FileNotFoundError: the file is missing.
        DataFormatError: a line has the wrong number of fields, a non-numeric
            field or a rating out of range; the message names file and line.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"rating file not found: {path}")
    kinds = [int, int, float, int]
    what = "user, item, rating, timestamp"
    # '::' is two ':' separators around an empty field: the fast C parser
    # reads it as ':' and the empty columns are dropped.
    c_sep, use = (":", [0, 2, 4, 6]) if sep == "::" else (sep, [0, 1, 2, 3])
    try:
        frame = pd.read_csv(path, sep=c_sep, header=0 if header else None,
                            dtype=np.float64, engine="c",
                            skip_blank_lines=False)
        if frame.shape[1] != max(use) + 1:
            raise ValueError("wrong number of fields")
        frame = frame.iloc[:, use]
        frame.columns = [USER, ITEM, RATING, TIMESTAMP]
        bad = frame.isna().any(axis=1).to_numpy()
    except (ValueError, pd.errors.ParserError):
        bad = None
    if bad is None or bad.any() or (
            rating_range and not frame[RATING].between(*rating_range).all()):
        _locate_bad_line(path, sep, kinds, header, what, rating_range)
    frame = frame.astype({USER: np.int64, ITEM: np.int64,
                          RATING: np.float32, TIMESTAMP: np.int64})
    return frame


def read_ml100k_items(path: str | Path) -> pd.DataFrame:
    """Read ML-100K's ``u.item`` (``|``-separated, latin-1, 19 genre flags)."""
    path = Path(path)
    raw = pd.read_csv(path, sep="|", header=None, encoding="latin-1",
                      dtype=str, keep_default_na=False)
    if raw.shape[1] != 5 + len(ML100K_GENRES):
        raise DataFormatError(
            f"{path}: expected {5 + len(ML100K_GENRES)} '|'-separated fields "
            f"(id, title, release date, video date, url, 19 genre flags), "
            f"got {raw.shape[1]}")
    flags = raw.iloc[:, 5:].to_numpy() == "1"
    genres = ["|".join(g for g, on in zip(ML100K_GENRES, row) if on)
              for row in flags]
    return pd.DataFrame({ITEM: raw[0].astype(np.int64), TITLE: raw[1],
                         GENRES: genres})


def read_movies_file(path: str | Path, sep: str, header: bool,
                     encoding: str = "utf-8") -> pd.DataFrame:
    """Read ``movies.dat`` (``::``) or ``movies.csv`` (id, title, genres)."""
    path = Path(path)
    if sep == "::":
        text = path.read_text(encoding=encoding)
        rows = [line.split("::") for line in text.splitlines() if line]
        bad = next((n for n, r in enumerate(rows, 1) if len(r) != 3), None)
        if bad is not None:
            raise DataFormatError(f"{path}, line {bad}: expected 3 '::'-"
                                  "separated fields (id, title, genres)")
        raw = pd.DataFrame(rows)
    else:
        raw = pd.read_csv(path, header=0 if header else None, dtype=str,
                          encoding=encoding, keep_default_na=False)
    raw.columns = [ITEM, TITLE, GENRES]
    return raw.astype({ITEM: np.int64})


def read_movielens(folder: str | Path, name: str
                   ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Read ratings and movies of an extracted MovieLens folder.

    Args:
        folder: the folder that holds the files (e.g. ``.../ml-100k``).
        name: ``ml-100k``, ``ml-1m``, ``ml-10m``, ``ml-20m``, ``ml-25m`` or
            ``ml-32m``.
    """
    folder = Path(folder)
    if name == "ml-100k":
        ratings = read_rating_file(folder / "u.data", sep="\t")
        items = folder / "u.item"
        movies = read_ml100k_items(items) if items.exists() else None
    elif name in ("ml-1m", "ml-10m"):
        ratings = read_rating_file(folder / "ratings.dat", sep="::")
        enc = "latin-1" if name == "ml-1m" else "utf-8"
        movies_path = folder / "movies.dat"
        movies = (read_movies_file(movies_path, "::", False, enc)
                  if movies_path.exists() else None)
    elif name in ("ml-20m", "ml-25m", "ml-32m"):
        ratings = read_rating_file(folder / "ratings.csv", sep=",",
                                   header=True)
        movies_path = folder / "movies.csv"
        movies = (read_movies_file(movies_path, ",", True)
                  if movies_path.exists() else None)
    else:
        raise ValueError(f"unknown MovieLens data set {name!r}")
    return ratings, movies


def ratings_to_text(ratings: pd.DataFrame, sep: str = "\t") -> str:
    """Format ratings as lines of a MovieLens file (the inverse of reading)."""
    out = io.StringIO()
    frame = ratings[[USER, ITEM, RATING, TIMESTAMP]].copy()
    if (frame[RATING] == frame[RATING].round()).all():
        frame[RATING] = frame[RATING].astype(np.int64)
    frame.to_csv(out, sep=sep, header=False, index=False)
    return out.getvalue()
