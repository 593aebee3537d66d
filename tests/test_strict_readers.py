"""Strict readers: every malformed file is a one-line DataFormatError that
names the file, the line and the value (a planted bad file per case)."""

import hashlib
import zipfile

import numpy as np
import pytest

from deeprec.data import (
    ARCHIVES, DataFormatError, DatasetNotFoundError, download,
    fetch_movielens, netflix_files, read_netflix_file, read_rating_file,
)
from deeprec.data.movies import read_ml100k_items, read_movies_file

GOOD = "196\t242\t3\t881250949\n186\t302\t3\t891717742\n"


def _error(path, read, *args, **kwargs):
    """The message of the DataFormatError ``read(path)`` raises, one line,
    with the folder shortened to '...'."""
    with pytest.raises(DataFormatError) as err:
        read(path, *args, **kwargs)
    message = str(err.value)
    assert "\n" not in message
    assert str(path) in message
    return message.replace(str(path.parent), "...")


@pytest.mark.parametrize("text,line,fragment", [
    # a cut last line: fewer fields, or a timestamp shorter than the rest
    (GOOD + "22\t377\t1", 3, "got 3; the file does not end in a newline"),
    (GOOD + "196\t243\t3\t88", 3, "timestamp 88 has fewer digits"),
    ("1\t2\t3\t4\n1.5\t2\t3\t881250949\n", 2,
     "user id '1.5' is not an integer (expected user, item, rating, "
     "timestamp)"),
    (GOOD + "1\t2.5\t3\t881250949\n", 3, "item id '2.5' is not an integer"),
    (GOOD + "1\t2\t3\t1e20\n", 3, "timestamp '1e20' is outside 0..2**40"),
    (GOOD + "1\t2\t3\t100000000000000000000\n", 3,
     "timestamp '100000000000000000000' is outside 0..2**40"),
    (GOOD + "1\t2\t3\t-5\n", 3, "timestamp '-5' is outside"),
    (GOOD + "-1\t2\t3\t5\n", 3, "user id '-1' is outside"),
    (GOOD + "1\t2\t3\tnan\n", 3, "timestamp 'nan' is not an integer"),
    (GOOD + '"1\t2\t3\t881250949\n', 3, "unbalanced quote"),
    (GOOD + "1\t2\tnan\t881250949\n", 3, "field 'nan' is not a number"),
    (GOOD + "\n", 3, "expected 4 fields"),
])
def test_movielens_bad_line(tmp_path, text, line, fragment):
    path = tmp_path / "u.data"
    path.write_text(text)
    message = _error(path, read_rating_file)
    assert f"u.data, line {line}: " in message
    assert fragment in message


def test_complete_last_line_without_newline_is_read(tmp_path):
    path = tmp_path / "u.data"
    path.write_text(GOOD + "196\t243\t3\t881250950")
    assert len(read_rating_file(path)) == 3


def test_duplicate_pair_names_both_lines(tmp_path):
    path = tmp_path / "u.data"
    path.write_text(GOOD + "5\t6\t3\t881250949\n186\t302\t4\t891717743\n")
    message = _error(path, read_rating_file)
    assert message == (".../u.data, lines 2 and 4: user 186 rates item 302 "
                       "twice (expected one rating per user and item)")


def test_empty_rating_file(tmp_path):
    path = tmp_path / "ratings.dat"
    path.write_text("")
    assert "the file is empty" in _error(path, read_rating_file, sep="::")


def test_csv_header_counts_in_line_numbers(tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_text("userId,movieId,rating,timestamp\n1,2,3.5,1112486027\n"
                    "1,2.5,4,1112486027\n")
    message = _error(path, read_rating_file, sep=",", header=True)
    assert "ratings.csv, line 3: item id '2.5' is not an integer" in message


def test_whole_numbers_in_float_notation_are_read_exactly(tmp_path):
    path = tmp_path / "u.data"
    path.write_text("1\t2.0\t3\t8.8125e8\n")
    frame = read_rating_file(path)
    assert frame.item_id.tolist() == [2]
    assert frame.timestamp.tolist() == [881250000]


def test_u_item_extra_field(tmp_path):
    path = tmp_path / "u.item"
    flags = "|".join("0" * 19)
    path.write_text(f"1|Toy Story (1995)|01-Jan-1995||url|{flags}\n"
                    f"2|GoldenEye (1995)|01-Jan-1995||url|x|{flags}\n",
                    encoding="latin-1")
    message = _error(path, read_ml100k_items)
    assert "u.item, line 2: expected 24 '|'-separated fields" in message
    assert "got 25" in message


def test_movies_csv_unbalanced_quote(tmp_path):
    path = tmp_path / "movies.csv"
    path.write_text('movieId,title,genres\n1,Toy Story (1995),Comedy\n'
                    '2,"Jumanji, The (1995),Adventure\n3,Heat (1995),Action\n')
    message = _error(path, read_movies_file, ",", True)
    assert "movies.csv, line 3: unbalanced quote" in message


def test_movies_dat_missing_field(tmp_path):
    path = tmp_path / "movies.dat"
    path.write_text("1::Toy Story (1995)::Comedy\n2::Jumanji (1995)\n")
    message = _error(path, read_movies_file, "::", False)
    assert "movies.dat, line 2: expected 3 '::'-separated fields" in message


NETFLIX = ("1:\n1488844,3,2005-09-06\n822109,5,2005-05-13\n"
           "2:\n885013,4,2005-10-19\n")


@pytest.mark.parametrize("tail,fragment", [
    ("1,3.5,2005-01-01\n", "rating '3.5' is not an integer 1..5"),
    ("1,3,2005-01-01,x\n", "expected 3 fields (user, rating, YYYY-MM-DD)"),
    ('"1,3,2005-01-01\n', "unbalanced quote"),
    ("1.5,3,2005-01-01\n", "user id '1.5' is not an integer"),
    ("99999999999,3,2005-01-01\n", "user id 99999999999 is outside"),
    ("5,3,2005-02-30\n", "date '2005-02-30' is not a calendar date"),
    ("5,3,1969-12-31\n", "date '1969-12-31'"),
    ("\n", "blank line"),
    ("3x:\n", "movie id '3x' is not an integer"),
    ("12,3,2005-01-0", "date '2005-01-0' is not a calendar date YYYY-MM-DD "
                       "from 1970-01-01 to 2149-06-06; the file does not "
                       "end in a newline"),
    ("12,3", "got 2; the file does not end in a newline"),
])
def test_netflix_bad_line(tmp_path, tail, fragment):
    path = tmp_path / "combined_data_1.txt"
    path.write_text(NETFLIX + tail)
    message = _error(path, read_netflix_file)
    assert "combined_data_1.txt, line 6: " in message
    assert fragment in message


def test_netflix_empty_file(tmp_path):
    path = tmp_path / "combined_data_1.txt"
    path.write_text("")
    assert "the file is empty" in _error(path, read_netflix_file)


def test_netflix_duplicate_pair(tmp_path):
    path = tmp_path / "combined_data_1.txt"
    path.write_text(NETFLIX + "885013,2,2005-10-20\n")
    assert _error(path, read_netflix_file) == (
        ".../combined_data_1.txt, lines 5 and 6: user 885013 rates item 2 "
        "twice (expected one rating per user and item)")


def test_netflix_duplicate_across_files(tmp_path):
    from deeprec.data import read_netflix_columns
    (tmp_path / "a.txt").write_text("1:\n5,3,2005-01-01\n")
    (tmp_path / "b.txt").write_text("2:\n5,3,2005-01-01\n1:\n7,1,2005-01-01\n"
                                    "5,3,2005-01-02\n")
    with pytest.raises(DataFormatError) as err:
        read_netflix_columns([tmp_path / "a.txt", tmp_path / "b.txt"])
    assert str(err.value) == (
        f"{tmp_path / 'a.txt'}, line 2 and {tmp_path / 'b.txt'}, line 5: "
        "user 5 rates item 1 twice (expected one rating per user and item)")


def test_netflix_windows_newlines_and_no_final_newline(tmp_path):
    path = tmp_path / "combined_data_1.txt"
    path.write_text(NETFLIX.replace("\n", "\r\n").rstrip("\r\n"))
    frame = read_netflix_file(path)
    assert frame.user_id.tolist() == [1488844, 822109, 885013]
    assert frame.timestamp.iloc[-1] == 1129680000  # 2005-10-19 UTC


def test_empty_netflix_folder_is_one_clear_line(tmp_path):
    with pytest.raises(DatasetNotFoundError) as err:
        netflix_files(tmp_path)
    message = str(err.value)
    assert "\n" not in message and str(tmp_path) in message
    assert "combined_data_1..4.txt" in message


def test_cli_fetch_netflix_on_empty_folder(tmp_path, monkeypatch, capsys):
    from deeprec.cli import main
    monkeypatch.setenv("DEEPREC_DATA", str(tmp_path))
    assert main(["fetch", "netflix"]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no Netflix Prize files" in err


def _zip(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("ml-100k/u.data", GOOD)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_cached_zip_with_a_bad_checksum_is_set_aside(tmp_path, monkeypatch):
    home = tmp_path / "cache"
    home.mkdir()
    digest = _zip(tmp_path / "good.zip")
    (home / "ml-100k.zip").write_bytes(b"PK not the archive")
    bad = hashlib.sha256(b"PK not the archive").hexdigest()
    monkeypatch.setitem(ARCHIVES, "ml-100k", download.Archive(
        "http://127.0.0.1:9/ml-100k.zip", f"sha256:{digest}", "ml-100k",
        "u.data"))
    with pytest.warns(UserWarning, match="failed its SHA256 check"):
        with pytest.raises(DatasetNotFoundError) as err:
            fetch_movielens("ml-100k", home, progress=False)
    first = str(err.value).splitlines()[0]
    assert first == (
        f"the cached file {home / 'ml-100k.zip'} failed its SHA256 check "
        f"(expected {digest}, got {bad}): moved it to "
        f"{home / 'ml-100k.zip.bad'} (delete it once a good copy is in "
        "place).")
    assert "put a good copy of the zip at" in str(err.value)
    assert (home / "ml-100k.zip.bad").read_bytes() == b"PK not the archive"
    assert not (home / "ml-100k.zip").exists()
    # a good copy put in place is then used, offline
    (tmp_path / "good.zip").rename(home / "ml-100k.zip")
    assert (fetch_movielens("ml-100k", home, progress=False)
            / "u.data").read_text() == GOOD


def test_netflix_pair_check_by_slices_finds_a_repeat_in_a_later_movie(
        tmp_path, monkeypatch):
    """With every movie in one run the pair check goes slice by slice;
    a repeat in the third movie is still found and named by its lines."""
    import deeprec.data.streaming as streaming
    from deeprec.data import read_netflix_columns
    lines = []
    for movie in (1, 2, 3):
        lines.append(f"{movie}:")
        lines += [f"{u},3,2005-01-0{movie}" for u in (7, 8, 9)]
    lines.append("8,4,2005-01-05")  # movie 3, user 8 again: file line 13
    path = tmp_path / "a.txt"
    path.write_text("\n".join(lines) + "\n")
    original = streaming._check_pairs
    monkeypatch.setattr(streaming, "_check_pairs",
                        lambda c, f: original(c, f, step=2))
    with pytest.raises(DataFormatError) as err:
        read_netflix_columns([path], block_bytes=20)
    assert str(err.value) == (f"{path}, lines 11 and 13: user 8 rates item "
                              "3 twice (expected one rating per user and "
                              "item)")


def test_netflix_columns_are_exact_and_widen_for_large_movie_ids(tmp_path):
    from deeprec.data import read_netflix_columns
    path = tmp_path / "a.txt"
    path.write_text("5:\n1,1,2005-01-01\n40000:\n2,5,2005-01-02\n")
    columns = read_netflix_columns([path], block_bytes=18)
    assert columns.item.tolist() == [5, 40000]
    assert columns.item.dtype == np.int32
    assert [len(c) for c in (columns.user, columns.rating, columns.day)] \
        == [2, 2, 2]
    assert columns.user.flags.owndata and columns.user.base is None
