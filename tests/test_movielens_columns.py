"""The compact MovieLens path (ML-20M, ML-25M, ML-32M layout): a chunked
reader into columns, the random split as row selections, CSR without
DataFrames, each equal to the DataFrame path."""

import numpy as np
import pytest

import deeprec as dr
from deeprec.data import (
    RatingData, read_rating_columns, read_rating_file, random_split,
    random_split_columns, column_data, train_valid_split,
)
from deeprec.data.readers import DataFormatError


@pytest.fixture(scope="module")
def ratings_csv(tmp_path_factory):
    """Half-star ratings with unseen-in-training ids likely in the test."""
    rng = np.random.default_rng(0)
    n = 5000
    pairs = rng.choice(400 * 300, n, replace=False)
    users, items = pairs // 300 + 1, pairs % 300 + 1
    users = np.append(users, np.arange(1000, 1100))  # one rating each
    items = np.append(items, rng.integers(1, 301, 100))
    n += 100
    stars = rng.integers(1, 11, n) / 2
    times = rng.integers(10**9, 1.3 * 10**9, n)
    lines = ["userId,movieId,rating,timestamp"] + [
        f"{u},{i},{s:g},{t}" for u, i, s, t in zip(users, items, stars, times)]
    path = tmp_path_factory.mktemp("ml") / "ratings.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_columns_equal_the_frame_reader_in_any_chunk_size(ratings_csv):
    frame = read_rating_file(ratings_csv, sep=",", header=True)
    for chunk in (7, 1000, 1 << 21):
        columns = read_rating_columns(ratings_csv, chunk_rows=chunk)
        assert columns.nbytes == 17 * len(columns)
        assert columns.user.base is None  # shrunk in place, exact size
        got = columns.to_frame()
        for name in frame.columns:
            np.testing.assert_array_equal(got[name].to_numpy(),
                                          frame[name].to_numpy())


@pytest.mark.parametrize("valid_fraction", [0.0, 0.1])
def test_random_split_and_csr_equal_the_dataframe_path(ratings_csv,
                                                       valid_fraction):
    frame = read_rating_file(ratings_csv, sep=",", header=True)
    split = random_split(frame, 0.1, seed=3)
    if valid_fraction:
        split = train_valid_split(split, valid_fraction, seed=3)
    expect = RatingData(split)
    columns = read_rating_columns(ratings_csv, chunk_rows=999)
    got = column_data(random_split_columns(columns, 0.1, 3, valid_fraction))
    np.testing.assert_array_equal(got.user_ids, expect.user_ids)
    np.testing.assert_array_equal(got.item_ids, expect.item_ids)
    for name in ("indptr", "indices", "values"):
        assert bool((getattr(got.train, name)
                     == getattr(expect.train, name)).all())
    for part in ("valid", "test"):
        a, b = getattr(got, part), getattr(expect, part)
        assert len(a) == len(b) == (len(split.valid) if part == "valid"
                                    else len(split.test))
        for name in ("users", "items", "ratings"):
            assert bool((getattr(a, name) == getattr(b, name)).all())
    assert (got.test.users == -1).any() or (got.test.items == -1).any()
    assert got.global_mean == pytest.approx(expect.global_mean, abs=1e-6)
    assert got.train_entries.users.tolist() == sorted(
        got.train_entries.users.tolist())  # CSR order, built when asked


def test_rating_data_takes_the_compact_path_for_ml_20m(ratings_csv,
                                                        tmp_path, monkeypatch):
    import deeprec.data as data
    monkeypatch.setattr(data, "dataset_folder",
                        lambda name, home=None: ratings_csv.parent)
    got = dr.rating_data("ml-20m", "random", seed=1)
    assert got.name == "ml-20m/random-0.1-seed1"
    assert got._train_entries is None  # nothing per rating beyond the CSR
    assert got.train.nnz + len(got.test) == 5100


@pytest.mark.parametrize("line, why", [
    ("5,6,3.7,1000000000", "rating 3.7 is not a multiple of 0.5"),
    ("5,6,6,1000000000", "rating 6 is outside 0.5..5"),
    ("5,6.5,3,1000000000", "item id '6.5' is not an integer"),
    ("5,6,3", "expected 4 fields"),
])
def test_a_bad_line_in_a_later_chunk_is_named(tmp_path, line, why):
    path = tmp_path / "ratings.csv"
    good = [f"{u},1,3.5,1000000000" for u in range(1, 9)]
    path.write_text("\n".join(["userId,movieId,rating,timestamp", *good,
                               line, "99,1,4,1000000000"]) + "\n")
    with pytest.raises(DataFormatError) as err:
        read_rating_columns(path, chunk_rows=3)
    assert str(err.value).startswith(f"{path}, line 10: {why}")


def test_duplicate_and_empty_files(tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_text("userId,movieId,rating,timestamp\n1,2,3,1000000000\n"
                    "4,5,1,1000000000\n1,2,4,1000000001\n")
    with pytest.raises(DataFormatError, match=r"lines 2 and 4: user 1 "
                       r"rates item 2 twice"):
        read_rating_columns(path, chunk_rows=2)
    path.write_text("userId,movieId,rating,timestamp\n")
    with pytest.raises(DataFormatError, match="the file is empty"):
        read_rating_columns(path)


def test_fingerprint_of_the_compact_path_does_not_depend_on_access(
        ratings_csv):
    def data():
        columns = read_rating_columns(ratings_csv)
        return column_data(random_split_columns(columns, 0.1, 0))
    a, b = data(), data()
    b.train_entries  # built on demand: must not change the identity
    assert a.fingerprint == b.fingerprint
    c = column_data(random_split_columns(read_rating_columns(ratings_csv),
                                         0.1, 1))
    assert c.fingerprint != a.fingerprint
