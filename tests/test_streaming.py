"""The compact Netflix path: block reader, column splits, CSR, generator."""

import numpy as np
import pandas as pd
import pytest

from deeprec.data import (
    NETFLIX_SPLITS, RatingData, load_netflix_columns, netflix_column_split,
    netflix_split, read_netflix, read_netflix_columns,
    write_synthetic_netflix,
)
from deeprec.data.synthetic_netflix import NUM_MOVIES, NUM_USERS
from deeprec.paper import NETFLIX_TABLE1

TABLE_NAMES = {"full": "Full", "3months": "3 months", "6months": "6 months",
               "1year": "1 year"}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A synthetic prize set at 0.5% of the users and ratings (~0.5M)."""
    return write_synthetic_netflix(tmp_path_factory.mktemp("netflix"),
                                   seed=0, scale=0.005)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return write_synthetic_netflix(tmp_path_factory.mktemp("small"),
                                   seed=3, scale=0.0005)


def test_columns_are_nine_bytes_a_rating(small):
    columns = load_netflix_columns(small)
    assert columns.nbytes == 9 * len(columns)
    assert [c.dtype.name for c in (columns.user, columns.item,
                                   columns.rating, columns.day)] == [
        "int32", "int16", "int8", "uint16"]


def test_frame_matches_a_plain_parse(small):
    frame = read_netflix(small)
    rows = []
    for path in sorted(small.glob("combined_data_*.txt")):
        movie = None
        for line in path.read_text().splitlines():
            if line.endswith(":"):
                movie = int(line[:-1])
                continue
            user, rating, date = line.split(",")
            rows.append((int(user), movie, float(rating), date))
    plain = pd.DataFrame(rows, columns=["user_id", "item_id", "rating",
                                        "date"])
    when = np.array(plain.pop("date"), dtype="datetime64[s]")
    plain["timestamp"] = when.astype(np.int64)
    plain["rating"] = plain.rating.astype(np.float32)
    pd.testing.assert_frame_equal(frame, plain)


def test_block_size_does_not_matter(small):
    files = sorted(small.glob("combined_data_*.txt"))
    whole = read_netflix_columns(files)
    pieces = read_netflix_columns(files, block_bytes=1000)
    for name in ("user", "item", "rating", "day"):
        np.testing.assert_array_equal(getattr(whole, name),
                                      getattr(pieces, name))


@pytest.mark.parametrize("which", list(NETFLIX_SPLITS))
def test_column_split_equals_the_frame_split(small, which):
    columns = load_netflix_columns(small)
    compact = netflix_column_split(columns, which, seed=1).to_split()
    frames = netflix_split(columns.to_frame(), which, seed=1)
    for name in ("train", "valid", "test"):
        pd.testing.assert_frame_equal(getattr(compact, name),
                                      getattr(frames, name))
    assert compact.name == frames.name and compact.info == frames.info


@pytest.mark.parametrize("which", ["full", "1year"])
def test_train_csr_equals_rating_data(small, which):
    columns = load_netflix_columns(small)
    split = netflix_column_split(columns, which)
    csr, users, items = split.train_csr()
    data = RatingData(split.to_split())
    np.testing.assert_array_equal(users, data.user_ids)
    np.testing.assert_array_equal(items, data.item_ids)
    assert csr.shape == data.train.shape
    for name in ("indptr", "indices", "values"):
        assert getattr(csr, name).dtype == getattr(data.train, name).dtype
        assert bool((getattr(csr, name) == getattr(data.train, name)).all())
    test = split.entries("test", users, items)
    for name in ("users", "items", "ratings"):
        assert bool((getattr(test, name) == getattr(data.test, name)).all())


def test_generator_is_deterministic(tmp_path):
    a = write_synthetic_netflix(tmp_path / "a", seed=7, scale=0.0005)
    b = write_synthetic_netflix(tmp_path / "b", seed=7, scale=0.0005)
    c = write_synthetic_netflix(tmp_path / "c", seed=8, scale=0.0005)
    names = [f"combined_data_{k}.txt" for k in range(1, 5)]
    assert sorted(p.name for p in a.iterdir()) == names
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes()
    assert (a / names[0]).read_bytes() != (c / names[0]).read_bytes()


def test_generator_shape(tiny):
    columns = load_netflix_columns(tiny)
    assert abs(len(columns) / 0.005 / 100_480_507 - 1) < 0.01
    assert abs(len(np.unique(columns.user)) / 0.005 / NUM_USERS - 1) < 0.01
    first, last = (np.datetime64(int(d), "D") for d in
                   (columns.day.min(), columns.day.max()))
    assert np.datetime64("1999-11-11") <= first
    assert last == np.datetime64("2005-12-31")
    assert columns.item.max() <= NUM_MOVIES
    share = np.bincount(columns.rating, minlength=6)[1:] / len(columns)
    assert share.argmax() == 3 and share.min() > 0.02  # 4 is the mode


@pytest.mark.parametrize("which", list(NETFLIX_SPLITS))
def test_splits_are_proportional_to_table_1(tiny, which):
    """Training ratings and users, and test users, within 1.5% of Table 1
    times the scale; test ratings within 10%: movies do not scale, so at
    0.5% a short training window misses movies, and their test ratings are
    dropped (at full scale nearly every movie is in every window)."""
    columns = load_netflix_columns(tiny)
    split = netflix_column_split(columns, which)
    held = np.concatenate([split.valid, split.test])
    parts = {"train": columns.take(split.train),
             "test": columns.take(held)}
    table = NETFLIX_TABLE1[NETFLIX_TABLE1.split == TABLE_NAMES[which]]
    for part, got in parts.items():
        row = table[table.part == part].iloc[0]
        ratings = len(got) / 0.005 / row.ratings
        users = len(np.unique(got.user)) / 0.005 / row.users
        assert abs(users - 1) < 0.015, (part, users)
        assert abs(ratings - 1) < (0.015 if part == "train" else 0.10), (
            part, ratings)


def test_the_full_size_path_gives_the_same_matrix_without_dataframes(
        tmp_path, monkeypatch):
    """rating_data('netflix', split) streams compact columns to CSR; its
    matrix and held-out ratings equal RatingData(load_split(...))'s."""
    import torch
    import deeprec as dr
    from deeprec.data import write_synthetic_netflix
    monkeypatch.setenv("DEEPREC_DATA", str(tmp_path))
    write_synthetic_netflix(tmp_path / "netflix", seed=0, scale=0.0005)
    compact = dr.rating_data("netflix", "3months")
    frames = dr.RatingData(dr.load_split("netflix", "3months"))
    assert compact.name == frames.name == "netflix/netflix-3months"
    assert (compact.num_users, compact.num_items) == (
        frames.num_users, frames.num_items)
    assert torch.equal(compact.train.to_dense(), frames.train.to_dense())
    for part in ("valid", "test"):
        a, b = compact.part(part), frames.part(part)
        order_a = torch.argsort(a.users * compact.num_items + a.items)
        order_b = torch.argsort(b.users * frames.num_items + b.items)
        assert torch.equal(a.ratings[order_a], b.ratings[order_b])
    assert abs(compact.global_mean - frames.global_mean) < 1e-6
