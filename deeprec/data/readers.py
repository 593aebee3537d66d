"""Readers for the MovieLens rating files, with errors that name file and line.

Every reader returns a ratings DataFrame with the columns of
:mod:`deeprec.constants` (``user_id, item_id, rating, timestamp``) and, where
the archive has them, a movies DataFrame (``item_id, title, genres``).

The readers are strict: a malformed file raises :class:`DataFormatError`,
whose one-line message names the file, the line, the offending value and
what was expected. The fast path parses with pandas and checks the values
with numpy; only when that check fails is the file scanned line by line, to
name the line.
"""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from deeprec.constants import ITEM, RATING, TIMESTAMP, USER

#: Largest user or item id (ids are stored as int32 in compact columns).
ID_MAX = 2**31 - 1
#: Timestamps are seconds in 0 .. 2**40 (1970 to the year 36812).
TIMESTAMP_MAX = 2**40
_NAMES = ("user id", "item id", "rating", "timestamp")
_WHAT = "user, item, rating, timestamp"
_CUT = ("; the file does not end in a newline: its last line looks cut "
        "short")


class DataFormatError(ValueError):
    """A data file does not have the expected layout (names file and line)."""


def format_error(path: Path, line: int | None, why: str, text: str = ""
                 ) -> DataFormatError:
    """A :class:`DataFormatError` ``"<path>, line <n>: <why>: '<text>'"``
    (no line number when ``line`` is None)."""
    where = f"{path}" if line is None else f"{path}, line {line}"
    shown = f": {text[:80]!r}" if text else ""
    return DataFormatError(f"{where}: {why}{shown}")


def _whole(field: str) -> int | None:
    """``field`` as an integer: ``"2"``, or a float that is a whole number
    (``"2.0"``, ``"1e3"``: pandas' fast path reads these exactly too)."""
    try:
        return int(field)
    except ValueError:
        pass
    try:
        number = float(field)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _field_problem(fields: list[str], sep: str,
                   rating_range: tuple[float, float] | None) -> str | None:
    """Why one split MovieLens line is malformed (None when it is fine)."""
    if len(fields) != 4:
        return (f"expected 4 fields ({_WHAT}) separated by {sep!r}, got "
                f"{len(fields)}")
    for name, field in zip(_NAMES, fields):
        if name == "rating":
            try:
                finite = np.isfinite(float(field))
            except ValueError:
                finite = False
            if not finite:
                return f"field {field!r} is not a number (expected {_WHAT})"
            continue
        value = _whole(field)
        if value is None:
            return f"{name} {field!r} is not an integer (expected {_WHAT})"
        top = TIMESTAMP_MAX if name == "timestamp" else ID_MAX
        if not 0 <= value <= top:
            bound = "2**40" if name == "timestamp" else f"{ID_MAX}"
            return f"{name} {field!r} is outside 0..{bound}"
    rating = float(fields[2])
    if rating_range and not rating_range[0] <= rating <= rating_range[1]:
        return (f"rating {fields[2]} is outside "
                f"{rating_range[0]:g}..{rating_range[1]:g}")
    return None


def locate_bad_line(path: Path, sep: str, header: bool,
                     rating_range: tuple[float, float] | None) -> None:
    """Scan ``path`` line by line and raise on the first malformed line.

    Only called once the fast parse or check failed, so speed does not
    matter.
    """
    number = 0
    with open(path, encoding="utf-8", errors="replace", newline="") as file:
        for number, line in enumerate(file, start=1):
            if header and number == 1:
                continue
            text = line.rstrip("\r\n")
            if '"' in text:
                why = "unbalanced quote '\"' (rating files have no quotes)"
            else:
                why = _field_problem(text.split(sep), sep, rating_range)
            if why:
                cut = "" if line.endswith("\n") else _CUT
                raise format_error(path, number, why + cut, text)
    if number <= int(header):
        raise format_error(path, None, f"the file is empty (expected lines "
                                       f"of {_WHAT})")
    raise format_error(path, None, f"could not be parsed as {_WHAT}")


def fast_csv_options(sep: str, header: bool) -> tuple[dict, list[int]]:
    """``pandas.read_csv`` options of the fast path (ids and timestamps
    int64, ratings float64), and the columns that hold the four fields."""
    c_sep, width = (":", 7) if sep == "::" else (sep, 4)
    use = [0, 2, 4, 6] if sep == "::" else [0, 1, 2, 3]
    kinds = {use[0]: np.int64, use[1]: np.int64, use[2]: np.float64,
             use[3]: np.int64}
    return dict(sep=c_sep, header=None, skiprows=1 if header else 0,
                dtype={i: kinds.get(i, np.float64) for i in range(width)},
                engine="c", skip_blank_lines=False,
                quoting=csv.QUOTE_NONE), use


def fast_columns(frame: pd.DataFrame, use: list[int]) -> pd.DataFrame | None:
    """The four fields of a fast parse, named; None when the parse has
    the wrong shape ('::' must leave empty fields between the ':'s)."""
    if frame.shape[1] != max(use) + 1 or (
            max(use) == 6 and frame[[1, 3, 5]].notna().to_numpy().any()):
        return None
    frame = frame[use]
    frame.columns = [USER, ITEM, RATING, TIMESTAMP]
    return frame


def _read_fast(path: Path, sep: str, header: bool) -> pd.DataFrame | None:
    """Parse with pandas' C parser into int64/float64 columns; None when
    pandas refuses the file (then the slow scan names the line)."""
    options, use = fast_csv_options(sep, header)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = pd.read_csv(path, **options)
    except (ValueError, OverflowError, pd.errors.ParserError):
        return None
    return fast_columns(frame, use)


def values_ok(frame: pd.DataFrame,
               rating_range: tuple[float, float] | None) -> bool:
    """Vectorised check of id, timestamp and rating ranges."""
    ok = True
    for column, top in ((USER, ID_MAX), (ITEM, ID_MAX),
                        (TIMESTAMP, TIMESTAMP_MAX)):
        values = frame[column].to_numpy()
        ok &= bool(len(values) == 0 or (values.min() >= 0
                                        and values.max() <= top))
    rating = frame[RATING].to_numpy()
    if rating_range:
        ok &= bool(((rating >= rating_range[0])
                    & (rating <= rating_range[1])).all())
    return ok and not np.isnan(rating).any()


def check_last_line(path: Path, timestamps: np.ndarray, first: int) -> None:
    """Refuse a last line that has no newline and a timestamp with fewer
    digits than every other line's: the file was cut while written."""
    with open(path, "rb") as file:
        file.seek(max(0, path.stat().st_size - 1))
        if file.read(1) in (b"\n", b""):
            return
    if len(timestamps) < 2:
        return
    last, shortest = int(timestamps[-1]), int(timestamps[:-1].min())
    if len(str(last)) < len(str(shortest)):
        raise format_error(
            path, first + len(timestamps) - 1,
            f"timestamp {last} has fewer digits than every other "
            f"timestamp (at least {len(str(shortest))}){_CUT}")


def _pair_key(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``row << 31 | col`` as int64, built in place (8 bytes a pair)."""
    key = rows.astype(np.int64)
    key <<= 31
    key |= cols
    return key


def _has_equal_neighbours(ordered: np.ndarray, step: int = 1 << 24
                          ) -> bool:
    """Whether a sorted array has a repeat (checked in slices: no big
    temporary)."""
    for lo in range(0, max(len(ordered) - 1, 0), step):
        part = ordered[lo:lo + step + 1]
        if (part[1:] == part[:-1]).any():
            return True
    return False


def duplicate_pair(rows: np.ndarray, cols: np.ndarray
                   ) -> tuple[int, int] | None:
    """The first repeated ``(row, col)`` pair as (index of its first
    occurrence, index of the repeat), or None; ``rows`` and ``cols`` are
    non-negative ids below 2**31. Vectorised: one in-place sort of an
    8-byte key, and an argsort only when there is a repeat."""
    key = _pair_key(rows, cols)
    key.sort()
    if not _has_equal_neighbours(key):
        return None
    key = _pair_key(rows, cols)
    order = np.argsort(key, kind="stable")
    ranked = key[order]
    same = np.flatnonzero(ranked[1:] == ranked[:-1])
    pick = same[np.argmin(order[same + 1])]
    first = order[np.searchsorted(ranked, ranked[pick])]
    return int(first), int(order[pick + 1])


def duplicate_error(first: tuple[Path, int], second: tuple[Path, int],
                    user: int, item: int) -> DataFormatError:
    """The error for a second rating of one (user, item) pair, given the
    (file, line) of both ratings."""
    where = (f"{first[0]}, lines {first[1]} and {second[1]}"
             if first[0] == second[0] else
             f"{first[0]}, line {first[1]} and {second[0]}, line {second[1]}")
    return DataFormatError(f"{where}: user {user} rates item {item} twice "
                           "(expected one rating per user and item)")


def read_rating_file(path: str | Path, sep: str = "\t", header: bool = False,
                     rating_range: tuple[float, float] | None = (0.5, 5.0)
                     ) -> pd.DataFrame:
    """Read a ``user, item, rating, timestamp`` file of any MovieLens layout.

    Ids and timestamps must be whole numbers (``2``; ``2.0`` or ``1e3``
    are read exactly, ``1.5`` is an error). A file whose last line has no
    newline may have been cut while written or copied: that line is read
    only if it has every field and its timestamp has at least as many
    digits as the shortest other timestamp.

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
        DataFormatError: a line has the wrong number of fields, a quote, a
            non-integer id or timestamp, a value out of range (ids
            0..2**31-1, timestamps 0..2**40, ``rating_range``), a repeated
            (user, item) pair or a cut last line; the message names file
            and line.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"rating file not found: {path}")
    frame = _read_fast(path, sep, header)
    if frame is None or not values_ok(frame, rating_range):
        locate_bad_line(path, sep, header, rating_range)
    first = 2 if header else 1
    users, items = frame[USER].to_numpy(), frame[ITEM].to_numpy()
    pair = duplicate_pair(users, items)
    if pair is not None:
        raise duplicate_error((path, pair[0] + first),
                              (path, pair[1] + first),
                              int(users[pair[0]]), int(items[pair[0]]))
    check_last_line(path, frame[TIMESTAMP].to_numpy(), first)
    return frame.astype({RATING: np.float32})


def read_movielens(folder: str | Path, name: str
                   ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Read ratings and movies of an extracted MovieLens folder.

    Args:
        folder: the folder that holds the files (e.g. ``.../ml-100k``).
        name: ``ml-100k``, ``ml-1m``, ``ml-10m``, ``ml-20m``, ``ml-25m`` or
            ``ml-32m``.
    """
    from deeprec.data.movies import read_movies
    folder = Path(folder)
    if name == "ml-100k":
        ratings = read_rating_file(folder / "u.data", sep="\t")
    elif name in ("ml-1m", "ml-10m"):
        ratings = read_rating_file(folder / "ratings.dat", sep="::")
    elif name in ("ml-20m", "ml-25m", "ml-32m"):
        ratings = read_rating_file(folder / "ratings.csv", sep=",",
                                   header=True)
    else:
        raise ValueError(f"unknown MovieLens data set {name!r}")
    movies = read_movies(folder, name)
    return ratings, movies


def ratings_to_text(ratings: pd.DataFrame, sep: str = "\t") -> str:
    """Format ratings as lines of a MovieLens file (the inverse of reading)."""
    out = io.StringIO()
    frame = ratings[[USER, ITEM, RATING, TIMESTAMP]].copy()
    if (frame[RATING] == frame[RATING].round()).all():
        frame[RATING] = frame[RATING].astype(np.int64)
    frame.to_csv(out, sep=sep, header=False, index=False)
    return out.getvalue()
