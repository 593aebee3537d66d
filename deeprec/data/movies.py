"""Readers for the MovieLens movie files (``u.item``, ``movies.dat``,
``movies.csv``): ``item_id, title, genres`` DataFrames, strictly (errors
name the file and line)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from deeprec.constants import GENRES, ITEM, TITLE
from deeprec.data.readers import format_error

ML100K_GENRES = [
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy",
    "Crime", "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror",
    "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
]


def _split_lines(path: Path, sep: str, width: int, what: str,
                 encoding: str) -> list[list[str]]:
    """Fields of every line of a small ``sep``-separated file (no quoting),
    each line checked to have ``width`` fields."""
    text = path.read_text(encoding=encoding)
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split(sep)
        if len(fields) != width:
            raise format_error(path, number, f"expected {width} {sep!r}-"
                               f"separated fields ({what}), got "
                               f"{len(fields)}", line)
        rows.append(fields)
    if not rows:
        raise format_error(path, None, f"the file is empty (expected {what})")
    return rows


def _movie_ids(path: Path, ids: list[str], first: int) -> np.ndarray:
    """Item ids as int64; a non-integer one is named with its line."""
    for number, value in enumerate(ids, start=first):
        if not value.strip().isdigit():
            raise format_error(path, number, f"item id {value!r} is not an "
                               "integer (expected id, title, genres)")
    return np.asarray(ids, dtype=np.int64)


def read_ml100k_items(path: str | Path) -> pd.DataFrame:
    """Read ML-100K's ``u.item`` (``|``-separated, latin-1, 19 genre flags)."""
    path = Path(path)
    width = 5 + len(ML100K_GENRES)
    rows = _split_lines(path, "|", width, "id, title, release date, video "
                        "date, url, 19 genre flags", "latin-1")
    raw = pd.DataFrame(rows)
    flags = raw.iloc[:, 5:].to_numpy()
    bad = ~np.isin(flags, ["0", "1"])
    if bad.any():
        number, column = np.argwhere(bad)[0]
        raise format_error(path, int(number) + 1, f"genre flag "
                           f"{flags[number, column]!r} is not 0 or 1")
    genres = ["|".join(g for g, on in zip(ML100K_GENRES, row) if on == "1")
              for row in flags]
    return pd.DataFrame({ITEM: _movie_ids(path, raw[0].tolist(), 1),
                         TITLE: raw[1], GENRES: genres})


def _read_movies_csv(path: Path, encoding: str) -> list[list[str]]:
    """Records of ``movies.csv`` with a header; a record that spans lines
    (an unbalanced quote) or has other than 3 fields is an error."""
    rows = []
    with open(path, encoding=encoding, newline="") as file:
        reader = csv.reader(file, strict=True)
        start = 1
        try:
            for record in reader:
                if reader.line_num != start or len(record) != 3:
                    why = ("unbalanced quote '\"'" if reader.line_num != start
                           else f"expected 3 ',' -separated fields (id, "
                           f"title, genres), got {len(record)}")
                    raise format_error(path, start, why, ",".join(record))
                rows.append(record)
                start = reader.line_num + 1
        except csv.Error as error:
            raise format_error(path, start, f"unbalanced quote '\"' "
                               f"({error})") from None
    if not rows:
        raise format_error(path, None, "the file is empty (expected a header "
                           "and lines of id, title, genres)")
    return rows[1:]


def read_movies_file(path: str | Path, sep: str, header: bool,
                     encoding: str = "utf-8") -> pd.DataFrame:
    """Read ``movies.dat`` (``::``) or ``movies.csv`` (id, title, genres)."""
    path = Path(path)
    if sep == "::":
        rows = _split_lines(path, "::", 3, "id, title, genres", encoding)
    else:
        rows = _read_movies_csv(path, encoding)
    raw = pd.DataFrame(rows, columns=[ITEM, TITLE, GENRES])
    raw[ITEM] = _movie_ids(path, raw[ITEM].tolist(), 2 if header else 1)
    return raw


#: Where each MovieLens archive keeps its movies: file, separator, header,
#: encoding (None: ML-100K's ``u.item``).
MOVIE_FILES = {
    "ml-100k": ("u.item", None, False, "latin-1"),
    "ml-1m": ("movies.dat", "::", False, "latin-1"),
    "ml-10m": ("movies.dat", "::", False, "utf-8"),
    **{name: ("movies.csv", ",", True, "utf-8")
       for name in ("ml-20m", "ml-25m", "ml-32m")},
}


def read_movies(folder: str | Path, layout: str) -> pd.DataFrame | None:
    """The movies of an extracted MovieLens folder of ``layout`` (a key of
    :data:`MOVIE_FILES`), or None when the folder has no movie file."""
    name, sep, header, encoding = MOVIE_FILES[layout]
    path = Path(folder) / name
    if not path.exists():
        return None
    if sep is None:
        return read_ml100k_items(path)
    return read_movies_file(path, sep, header, encoding)
