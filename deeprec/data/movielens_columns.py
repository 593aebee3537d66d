"""MovieLens rating files read in chunks into compact columns (the
full-size path for ML-20M, ML-25M and ML-32M).

:func:`read_rating_columns` parses ``chunk_rows`` lines at a time with
pandas' C parser and checks each chunk with the same rules as
:func:`~deeprec.data.readers.read_rating_file` (a bad chunk is scanned
line by line to name the line). The ratings land in columns allocated
once for an upper bound of the line count and shrunk in place: 17 bytes a
rating (user and item int32, the rating in half stars int8, the
timestamp int64) instead of the ~60 of a DataFrame, and never two copies.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from deeprec.constants import ITEM, RATING, TIMESTAMP, USER
from deeprec.data.readers import (
    check_last_line, duplicate_error, duplicate_pair, fast_columns,
    fast_csv_options, format_error, locate_bad_line, values_ok,
)
from deeprec.data.streaming import RatingColumns

#: Lines parsed at a time.
CHUNK_ROWS = 1 << 21
#: Bytes of the shortest possible rating line (``1,1,1,1\n``).
_SHORTEST_LINE = 8


def _chunks(path: Path, sep: str, header: bool, chunk_rows: int):
    """The file's fast-parsed chunks; None in place of a chunk pandas
    refused or whose shape is wrong."""
    options, use = fast_csv_options(sep, header)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            with pd.read_csv(path, chunksize=chunk_rows, **options) as reader:
                for frame in reader:
                    yield fast_columns(frame, use)
        except (ValueError, OverflowError, pd.errors.ParserError):
            yield None


def read_rating_columns(path: str | Path, sep: str = ",", header: bool = True,
                        rating_range: tuple[float, float] = (0.5, 5.0),
                        chunk_rows: int = CHUNK_ROWS) -> RatingColumns:
    """Read a ``user, item, rating, timestamp`` file into compact columns
    (ratings must be whole or half stars; the file's rules are those of
    :func:`~deeprec.data.readers.read_rating_file`).

    Raises:
        FileNotFoundError: the file is missing.
        DataFormatError: a malformed line, a rating that is not a multiple
            of 0.5, a repeated (user, item) pair or a cut last line; the
            message names file and line.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"rating file not found: {path}")
    size = path.stat().st_size // _SHORTEST_LINE + 1
    user, item = np.empty(size, np.int32), np.empty(size, np.int32)
    code, time = np.empty(size, np.int8), np.empty(size, np.int64)
    first, count = 2 if header else 1, 0
    for frame in _chunks(path, sep, header, chunk_rows):
        if frame is None or not values_ok(frame, rating_range):
            locate_bad_line(path, sep, header, rating_range)
        n = len(frame)
        twice = frame[RATING].to_numpy() * 2
        half = np.rint(twice)
        if (half != twice).any():
            at = int(np.argmax(half != twice))
            raise format_error(path, first + count + at, f"rating "
                               f"{twice[at] / 2:g} is not a multiple of 0.5 "
                               "(the compact columns hold half stars)")
        user[count:count + n] = frame[USER].to_numpy()
        item[count:count + n] = frame[ITEM].to_numpy()
        code[count:count + n] = half
        time[count:count + n] = frame[TIMESTAMP].to_numpy()
        count += n
    if count == 0:
        locate_bad_line(path, sep, header, rating_range)  # names the empty
    for column in (user, item, code, time):
        column.resize(count, refcheck=False)
    pair = duplicate_pair(user, item)
    if pair is not None:
        raise duplicate_error((path, pair[0] + first), (path, pair[1] + first),
                              int(user[pair[0]]), int(item[pair[0]]))
    check_last_line(path, time, first)
    return RatingColumns(user, item, code, time, time_unit=1, rating_step=0.5)
