"""Netflix Prize files read block by block into compact numpy columns.

The prize data is 100,480,507 ratings in ``movie_id:`` header lines, each
followed by ``user,rating,YYYY-MM-DD`` lines. :func:`read_netflix_columns`
reads the files in blocks of bytes and parses every block with numpy (no
Python loop per rating) into :class:`RatingColumns`: 9 bytes a rating
(user int32, item int16, rating int8, day uint16), about 0.9 GB for the
whole set instead of the ~25 GB of a DataFrame of strings.

The parser is strict. Every line must be ``movie_id:`` (digits) or exactly
``user,rating,YYYY-MM-DD`` with a user id of 1 to 10 digits (at most
2**31-1), a rating 1..5 and a calendar date from 1970-01-01 to 2149-06-06
(the days fit a uint16); each file starts with a ``movie_id:`` line; no
(movie, user) pair occurs twice. A file whose last line has no newline is
read only if that line is complete by these rules (the fixed-width date
makes a cut line fail). The first offending line is reported as a
:class:`~deeprec.data.readers.DataFormatError` naming file, line and value.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import pandas as pd

from deeprec.constants import ITEM, RATING, TIMESTAMP, USER
from deeprec.data.readers import (
    _CUT, ID_MAX, duplicate_error, duplicate_pair, format_error,
)

#: Bytes read (and parsed) at a time.
BLOCK_BYTES = 1 << 21
#: Last day a uint16 day count can hold (2149-06-06).
MAX_DAY = 2**16 - 1
_DAY = 86_400
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_EXPECTED = "'movie_id:' or 'user,rating,YYYY-MM-DD'"


@dataclass
class RatingColumns:
    """Ratings as compact numpy columns, one entry per rating.

    Attributes:
        user: raw user ids (int32).
        item: raw item ids (int16 when they fit, else int32).
        rating: rating codes (int8): the rating is ``rating * rating_step``.
        time: time in units of ``time_unit`` seconds since 1970-01-01 UTC:
            days (uint16) for Netflix, seconds (int64) for MovieLens.
        time_unit: seconds per unit of ``time``.
        rating_step: the rating of code 1 (1 for whole stars, 0.5 for
            MovieLens' half stars).
    """

    user: np.ndarray
    item: np.ndarray
    rating: np.ndarray
    time: np.ndarray
    time_unit: int = _DAY
    rating_step: float = 1.0

    def __len__(self) -> int:
        return len(self.user)

    @property
    def day(self) -> np.ndarray:
        """Days since 1970-01-01 (the time column of day-unit data)."""
        if self.time_unit != _DAY:
            raise ValueError("these ratings are timed in seconds, not days")
        return self.time

    @property
    def nbytes(self) -> int:
        """Bytes held by the four columns."""
        return sum(a.nbytes for a in (self.user, self.item, self.rating,
                                      self.time))

    def take(self, rows: np.ndarray) -> "RatingColumns":
        """The ratings at ``rows`` (indices or a boolean mask), copied."""
        return RatingColumns(self.user[rows], self.item[rows],
                             self.rating[rows], self.time[rows],
                             self.time_unit, self.rating_step)

    def ratings(self) -> np.ndarray:
        """(n,) float32 ratings."""
        return self.rating.astype(np.float32) * np.float32(self.rating_step)

    def timestamps(self) -> np.ndarray:
        """(n,) int64 seconds since the epoch (midnight UTC of the day)."""
        return self.time.astype(np.int64) * self.time_unit

    def to_frame(self) -> pd.DataFrame:
        """The ratings DataFrame every reader returns (``user_id,
        item_id`` int64, ``rating`` float32, ``timestamp`` int64)."""
        return pd.DataFrame({USER: self.user.astype(np.int64),
                             ITEM: self.item.astype(np.int64),
                             RATING: self.ratings(),
                             TIMESTAMP: self.timestamps()})


def _blocks(path: Path, block_bytes: int) -> Iterator[tuple[np.ndarray,
                                                             bool]]:
    """Whole lines of ``path``, ``block_bytes`` at a time, as uint8 arrays
    that end in a newline; the flag is True for a final line that had no
    newline (one is added)."""
    carry = b""
    with open(path, "rb") as file:
        while True:
            data = file.read(block_bytes)
            if not data:
                if carry:
                    yield np.frombuffer(carry + b"\n", np.uint8), True
                return
            data = carry + data if carry else data
            cut = data.rfind(b"\n") + 1
            carry = data[cut:]
            if cut:
                yield np.frombuffer(data, np.uint8, count=cut), False


def _digits(buf: np.ndarray, first: np.ndarray, stop: np.ndarray,
            longest: int) -> tuple[np.ndarray, np.ndarray]:
    """Parse the digit runs ``buf[first:stop]`` (one per line) as int64;
    also whether each run is 1..``longest`` ASCII digits."""
    length = stop - first
    ok = (length >= 1) & (length <= longest)
    value = np.zeros(len(first), np.int64)
    for k in range(int(min(length.max(initial=0), longest))):
        inside = k < length
        where = np.clip(np.where(inside, first + k, 0), 0, len(buf) - 1)
        digit = buf[where].astype(np.int64) - 48
        ok &= ~inside | ((digit >= 0) & (digit <= 9))
        value = np.where(inside, value * 10 + digit, value)
    return value, ok


def _fixed(buf: np.ndarray, end: np.ndarray, back: int, width: int
           ) -> tuple[np.ndarray, np.ndarray]:
    """The ``width`` digits that end ``back`` bytes before ``end``."""
    first = np.maximum(end - back - width, 0)
    return _digits(buf, first, first + width, width)


def _days(year: np.ndarray, month: np.ndarray, day: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970-01-01 of valid calendar dates, and which are valid
    (proleptic Gregorian, H. Hinnant's ``days_from_civil``)."""
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    length = _MONTH_DAYS[np.clip(month, 1, 12) - 1] + ((month == 2) & leap)
    ok = (month >= 1) & (month <= 12) & (day >= 1) & (day <= length)
    y = year - (month <= 2)
    era, yoe = y // 400, y % 400
    doy = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    days = era * 146_097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719_468
    return days, ok & (days >= 0) & (days <= MAX_DAY)


def _rating_lines(buf: np.ndarray, start: np.ndarray, end: np.ndarray
                  ) -> tuple[np.ndarray, ...]:
    """Parse ``user,rating,YYYY-MM-DD`` lines: (user, rating, day, ok)."""
    def byte(index: np.ndarray) -> np.ndarray:
        return buf[np.clip(index, 0, len(buf) - 1)]

    at = np.maximum(end - 13, 0)  # the comma after the user id
    ok = (end - start >= 14) & (byte(at) == 44) & (byte(at + 2) == 44)
    ok &= (byte(end - 6) == 45) & (byte(end - 3) == 45)
    rating = byte(at + 1).astype(np.int8) - 48
    ok &= (rating >= 1) & (rating <= 5)
    year, ok_y = _fixed(buf, end, 6, 4)
    month, ok_m = _fixed(buf, end, 3, 2)
    mday, ok_d = _fixed(buf, end, 0, 2)
    day, ok_date = _days(year, month, mday)
    user, ok_u = _digits(buf, start, at, 10)
    ok &= ok_y & ok_m & ok_d & ok_date & ok_u & (user <= ID_MAX)
    return user, rating, day, ok


def netflix_line_problem(text: str) -> str:
    """Why one Netflix line is malformed, in words (the slow path, called
    once the vectorised check found the line)."""
    if not text:
        return f"blank line (expected {_EXPECTED})"
    if '"' in text:
        return "unbalanced quote '\"' (Netflix files have no quotes)"
    if text.endswith(":"):
        return (f"movie id {text[:-1]!r} is not an integer (expected "
                f"{_EXPECTED})")
    fields = text.split(",")
    if len(fields) != 3:
        return (f"expected 3 fields (user, rating, YYYY-MM-DD) separated by "
                f"',' or a 'movie_id:' line, got {len(fields)}")
    user, rating, date = fields
    if not (user.isascii() and user.isdigit()):
        return f"user id {user!r} is not an integer (expected {_EXPECTED})"
    if len(user) > 10 or int(user) > ID_MAX:
        return f"user id {user} is outside 0..{ID_MAX}"
    if rating not in ("1", "2", "3", "4", "5"):
        return f"rating {rating!r} is not an integer 1..5"
    return (f"date {date!r} is not a calendar date YYYY-MM-DD from "
            "1970-01-01 to 2149-06-06")


@dataclass
class _Block:
    """One parsed block: its ratings and its ``movie:`` lines."""

    user: np.ndarray
    rating: np.ndarray
    day: np.ndarray
    header_at: np.ndarray  # ratings of the block before each header
    movie: np.ndarray  # the header's movie id


def _parse_block(buf: np.ndarray, cut: bool, path: Path, line0: int
                 ) -> _Block:
    """Parse whole lines (``line0`` lines of the file come before them);
    raise on the first malformed one."""
    newline = np.flatnonzero(buf == 10)
    start = np.concatenate(([0], newline[:-1] + 1))
    end = newline - ((newline > start) & (buf[np.maximum(newline - 1, 0)]
                                          == 13))
    header = (end - start >= 2) & (buf[np.maximum(end - 1, 0)] == 58)
    movie, ok_h = _digits(buf, start[header], end[header] - 1, 9)
    rows = ~header
    user, rating, day, ok_r = _rating_lines(buf, start[rows], end[rows])
    bad = np.zeros(len(start), bool)
    bad[header], bad[rows] = ~ok_h, ~ok_r
    if line0 == 0 and len(start) and not header[0]:
        bad[0] = True
    if bad.any():
        i = int(np.argmax(bad))
        text = bytes(buf[start[i]:end[i]]).decode("utf-8", "replace")
        why = netflix_line_problem(text)
        if i == 0 == line0 and not header[0] and not text.endswith(":"):
            why = ("a Netflix file must start with a 'movie_id:' line"
                   + ("" if ok_r[0] else f" ({why})"))
        last = cut and i == len(start) - 1
        raise format_error(path, line0 + i + 1, why + (_CUT if last else ""),
                           text)
    return _Block(user.astype(np.int32), rating, day.astype(np.uint16),
                  np.cumsum(rows)[header], movie)


@dataclass
class _File:
    """Where one file's ratings and ``movie:`` lines are (for messages)."""

    path: Path
    first: int  # index of its first rating in the columns
    header_at: np.ndarray  # ratings of the file before each header
    movie: np.ndarray

    def line(self, index: int) -> int:
        """File line of the rating at column ``index``."""
        i = index - self.first
        return i + int(np.searchsorted(self.header_at, i, "right")) + 1


class _Filler:
    """Output columns allocated once for an upper bound of the ratings
    (a rating line has at least 15 bytes), filled block by block and
    shrunk in place at the end: untouched pages are never resident, so
    parsing holds 9 bytes a rating and one block, nothing is
    concatenated."""

    def __init__(self, capacity: int):
        self.user = np.empty(capacity, np.int32)
        self.item = np.empty(capacity, np.int16)
        self.rating = np.empty(capacity, np.int8)
        self.day = np.empty(capacity, np.uint16)
        self.count = 0

    def add(self, block: _Block, movie: int) -> None:
        """Append a block whose ratings before its first header belong to
        ``movie``."""
        n, lo = len(block.user), self.count
        movies = np.concatenate(([movie], block.movie))
        if movies.max(initial=0) >= 2**15 and self.item.dtype == np.int16:
            self.item = self.item.astype(np.int32)
        runs = np.diff(np.concatenate(([0], block.header_at, [n])))
        self.item[lo:lo + n] = np.repeat(movies, runs)
        self.user[lo:lo + n] = block.user
        self.rating[lo:lo + n] = block.rating
        self.day[lo:lo + n] = block.day
        self.count += n

    def columns(self) -> RatingColumns:
        """The filled columns, shrunk to the ratings read."""
        out = []
        for column in (self.user, self.item, self.rating, self.day):
            column.resize(self.count, refcheck=False)
            out.append(column)
        self.user = self.item = self.rating = self.day = None
        return RatingColumns(*out)


def _read_file(path: Path, block_bytes: int, into: _Filler) -> _File:
    """Parse every block of one file into ``into``."""
    first, lines, movie = into.count, 0, 0
    header_at, movies = [], []
    for buf, cut in _blocks(path, block_bytes):
        block = _parse_block(buf, cut, path, lines)
        into.add(block, movie)
        header_at.append(block.header_at + into.count - len(block.user)
                         - first)
        movies.append(block.movie)
        lines += len(block.user) + len(block.movie)
        movie = int(block.movie[-1]) if len(block.movie) else movie
    if not lines:
        raise format_error(path, None, "the file is empty (expected "
                           f"{_EXPECTED} lines)")
    return _File(path, first, np.concatenate(header_at),
                 np.concatenate(movies))


def read_netflix_columns(paths: Sequence[str | Path],
                         block_bytes: int = BLOCK_BYTES) -> RatingColumns:
    """Read Netflix Prize files (``combined_data_*.txt`` or ``mv_*.txt``)
    into compact columns, block by block (see the module's rules). Peak
    memory: the 9-byte columns, one block and the pair check's slice.

    Raises:
        DataFormatError: a malformed line, an empty file or a repeated
            (movie, user) pair; the message names the file and line(s).
    """
    if not paths:
        raise ValueError("no Netflix files to read")
    paths = [Path(p) for p in paths]
    into = _Filler(sum(p.stat().st_size for p in paths) // 15 + len(paths))
    files = [_read_file(path, block_bytes, into) for path in paths]
    columns = into.columns()
    _check_pairs(columns, files)
    return columns


def _check_pairs(columns: RatingColumns, files: list[_File],
                 step: int = 1 << 22) -> None:
    """Raise on a repeated (movie, user) pair, naming both lines. When no
    movie has two header lines a repeat lies inside one movie's run, so
    runs are checked a slice of about ``step`` ratings at a time (no
    8-byte key for the whole set)."""
    at = np.concatenate([f.header_at + f.first for f in files])
    movie = np.concatenate([f.movie for f in files])
    user, item = columns.user, columns.item
    if len(np.unique(movie)) < len(movie):
        return _raise_pair(duplicate_pair(item, user), 0, columns, files)
    bounds = np.append(at, len(user))
    lo = 0
    while lo < len(user):
        hi = int(bounds[np.searchsorted(bounds, lo + step, "right") - 1])
        if hi <= lo:  # one movie's run is longer than a slice
            hi = int(bounds[np.searchsorted(bounds, lo, "right")])
        _raise_pair(duplicate_pair(item[lo:hi], user[lo:hi]), lo, columns,
                    files)
        lo = hi


def _raise_pair(pair: tuple[int, int] | None, offset: int,
                columns: RatingColumns, files: list[_File]) -> None:
    """Raise the duplicate error of ``pair`` (indices from ``offset``)."""
    if pair is None:
        return
    pair = (pair[0] + offset, pair[1] + offset)
    firsts = [f.first for f in files]
    where = [files[int(np.searchsorted(firsts, i, "right")) - 1]
             for i in pair]
    raise duplicate_error((where[0].path, where[0].line(pair[0])),
                          (where[1].path, where[1].line(pair[1])),
                          int(columns.user[pair[0]]),
                          int(columns.item[pair[0]]))
