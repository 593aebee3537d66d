import hashlib
import http.server
import os
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import deeprec as dr
from deeprec.data import (ARCHIVES, CSR, DatasetNotFoundError, SyntheticConfig,
                          dataset_folder, fetch_movielens, load_split,
                          synthetic_ratings, write_synthetic_movielens)
from deeprec.data import download

KEY = ["user_id", "item_id"]


def pairs(frame):
    return set(map(tuple, frame[KEY].to_numpy()))


# --- synthetic generator -------------------------------------------------

def test_synthetic_is_deterministic_and_seed_dependent():
    a = synthetic_ratings(SyntheticConfig(seed=3))
    b = synthetic_ratings(SyntheticConfig(seed=3))
    c = synthetic_ratings(SyntheticConfig(seed=4))
    pd.testing.assert_frame_equal(a, b)
    assert not a[KEY].equals(c[KEY])


def test_synthetic_looks_like_movielens():
    cfg = SyntheticConfig(num_users=400, num_items=500, num_ratings=20_000)
    r = synthetic_ratings(cfg)
    assert set(r.rating.unique()) == {1.0, 2.0, 3.0, 4.0, 5.0}
    assert not r.duplicated(KEY).any()
    assert abs(len(r) - 20_000) < 2_000
    per_item = r.item_id.value_counts().to_numpy()
    top = per_item[: len(per_item) // 10].sum() / per_item.sum()
    assert top > 0.3  # long tail: 10% of items hold over 30% of ratings
    per_user = r.user_id.value_counts()
    assert per_user.min() >= 5 and per_user.max() > 5 * per_user.median()
    assert r.timestamp.between(874_724_710, 874_724_710 + 215 * 86400).all()


def test_synthetic_files_go_through_the_real_reader(tmp_path):
    cfg = SyntheticConfig(num_users=50, num_items=80, num_ratings=800)
    folder = write_synthetic_movielens(tmp_path / "syn", cfg)
    ratings, movies = dr.data.read_movielens(folder, "ml-100k")
    truth = synthetic_ratings(cfg)
    assert pairs(ratings) == pairs(truth)
    assert len(movies) == 80
    assert not list(tmp_path.glob(".synthetic-*"))  # no half-written folder


# --- splits -----------------------------------------------------------------

def test_folds_partition_u_data():
    ratings, _ = dr.load_ratings("synthetic")
    tests = []
    for k in range(1, 6):
        s = load_split("synthetic", f"u{k}")
        assert not pairs(s.train) & pairs(s.test)
        assert pairs(s.train) | pairs(s.test) == pairs(ratings)
        tests.append(pairs(s.test))
    assert set().union(*tests) == pairs(ratings)
    # fold 1 tests the first fifth of u.data's rows (mku.sh's rule)
    assert tests[0] == pairs(ratings.iloc[: len(ratings) // 5])


def test_random_split_has_no_leakage():
    ratings, _ = dr.load_ratings("synthetic")
    s = dr.random_split(ratings, 0.1, seed=1)
    assert not pairs(s.train) & pairs(s.test)
    assert len(s.train) + len(s.test) == len(ratings)
    assert abs(len(s.test) / len(ratings) - 0.1) < 0.001
    again = dr.random_split(ratings, 0.1, seed=1)
    pd.testing.assert_frame_equal(s.test, again.test)
    assert not s.test.equals(dr.random_split(ratings, 0.1, seed=2).test)


def test_train_valid_split_carves_from_train():
    s = load_split("synthetic", "u1", valid_fraction=0.2, seed=5)
    base = load_split("synthetic", "u1")
    assert not pairs(s.train) & pairs(s.valid)
    assert pairs(s.train) | pairs(s.valid) == pairs(base.train)
    pd.testing.assert_frame_equal(s.test, base.test)


def test_time_split_respects_dates_and_drops_unseen():
    ratings, _ = dr.load_ratings("synthetic")
    s = load_split("synthetic", "time", seed=0)
    assert s.train.timestamp.max() < s.test.timestamp.min()
    assert s.train.timestamp.max() < s.valid.timestamp.min()
    for part in (s.valid, s.test):
        assert part.user_id.isin(s.train.user_id).all()
        assert part.item_id.isin(s.train.item_id).all()
    assert abs(len(s.valid) - len(s.test)) <= 1


# --- rating matrix ------------------------------------------------------

def test_id_maps_come_from_training_only():
    train = pd.DataFrame({"user_id": [10, 10, 20], "item_id": [1, 2, 2],
                          "rating": [5.0, 3.0, 4.0], "timestamp": [0, 0, 0]})
    test = pd.DataFrame({"user_id": [10, 30, 20], "item_id": [9, 1, 1],
                         "rating": [1.0, 2.0, 3.0], "timestamp": [0, 0, 0]})
    data = dr.RatingData(dr.Split(train, train.iloc[:0], test))
    assert data.user_ids.tolist() == [10, 20]
    assert data.item_ids.tolist() == [1, 2]
    assert data.test.users.tolist() == [0, -1, 1]
    assert data.test.items.tolist() == [-1, 0, 0]
    assert data.test.known.tolist() == [False, False, True]
    dense = data.train.to_dense()
    assert dense.tolist() == [[5.0, 3.0], [0.0, 4.0]]
    assert torch.equal(data.matrix("item").to_dense(), dense.T)


def test_csr_dense_rows_matches_dense(data):
    rows = torch.tensor([5, 0, 5, data.num_users - 1])
    assert torch.equal(data.train.dense_rows(rows),
                       data.train.to_dense()[rows])
    item = data.matrix("item")
    assert torch.equal(item.dense_rows(torch.tensor([3])),
                       data.train.to_dense()[:, 3][None])


def test_csr_from_coo_is_sorted():
    m = CSR.from_coo(np.array([1, 0, 1]), np.array([0, 2, 1]),
                     np.array([1.0, 2.0, 3.0]), (2, 3))
    assert m.indptr.tolist() == [0, 1, 3]
    assert m.indices.tolist() == [2, 0, 1]


def test_dataset_stats_match_the_split(split):
    stats = dr.dataset_stats(split)
    assert list(stats.index) == ["train", "valid", "test"]
    assert stats.loc["train", "ratings"] == len(split.train)
    assert stats.loc["test", "users"] == split.test.user_id.nunique()
    assert set(stats.columns) == {"ratings", "users", "items", "density"}


# --- downloads ----------------------------------------------------------

@pytest.fixture()
def served_archive(tmp_path, monkeypatch):
    """A fake ml-100k.zip served over http on localhost."""
    cfg = SyntheticConfig(num_users=30, num_items=40, num_ratings=300)
    folder = write_synthetic_movielens(tmp_path / "src" / "ml-100k", cfg)
    zip_path = tmp_path / "www" / "ml-100k.zip"
    zip_path.parent.mkdir()
    with zipfile.ZipFile(zip_path, "w") as z:
        for f in folder.iterdir():
            z.write(f, f"ml-100k/{f.name}")
    digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=str(zip_path.parent), **k)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/ml-100k.zip"
    yield url, digest, server
    server.shutdown()


def test_download_checks_hash_then_reuses_cache(served_archive, tmp_path,
                                                monkeypatch):
    url, digest, server = served_archive
    monkeypatch.setitem(ARCHIVES, "ml-100k", download.Archive(
        url, f"sha256:{digest}", "ml-100k", "u.data"))
    home = tmp_path / "cache"
    folder = fetch_movielens("ml-100k", home, progress=False)
    assert (folder / "u1.base").is_file()
    server.shutdown()  # now offline: the cache must be enough
    assert fetch_movielens("ml-100k", home, progress=False) == folder
    split = load_split("ml-100k", "u1", home=home)
    assert len(split.train) > 0


def test_corrupt_download_is_refused(served_archive, tmp_path, monkeypatch):
    url, _, _ = served_archive
    monkeypatch.setitem(ARCHIVES, "ml-100k", download.Archive(
        url, "sha256:" + "0" * 64, "ml-100k", "u.data"))
    home = tmp_path / "cache"
    with pytest.raises(ValueError, match="(?i)hash"):
        fetch_movielens("ml-100k", home, progress=False)
    assert not (home / "ml-100k").exists()
    assert not (home / "ml-100k.zip").exists()


def test_offline_error_names_url_and_folder(tmp_path, monkeypatch):
    monkeypatch.setitem(ARCHIVES, "ml-1m", download.Archive(
        "http://127.0.0.1:9/ml-1m.zip", "md5:" + "0" * 32, "ml-1m",
        "ratings.dat"))
    with pytest.raises(DatasetNotFoundError) as err:
        fetch_movielens("ml-1m", tmp_path / "c", progress=False)
    message = str(err.value)
    assert "http://127.0.0.1:9/ml-1m.zip" in message
    assert str(tmp_path / "c" / "ml-1m") in message


def _dead_pid():
    """The PID of a child process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _age(path, seconds):
    """Backdate ``path``'s modification time by ``seconds``."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def _serve_as_ml100k(served_archive, monkeypatch):
    """Point ml-100k's archive at the test server; return the server."""
    url, digest, server = served_archive
    monkeypatch.setitem(ARCHIVES, "ml-100k", download.Archive(
        url, f"sha256:{digest}", "ml-100k", "u.data"))
    return server


@pytest.mark.skipif(os.name != "posix", reason="PIDs checked on POSIX only")
def test_next_fetch_removes_leftovers_of_killed_fetches(
        served_archive, tmp_path, monkeypatch):
    server = _serve_as_ml100k(served_archive, monkeypatch)
    home = tmp_path / "cache"
    dead, alive = _dead_pid(), os.getpid()
    stale = home / f".extract-ml-100k.{dead}.abcd1234"
    (stale / "ml-100k").mkdir(parents=True)
    (stale / "ml-100k" / "u.data").write_text("1\t2\t")  # half-extracted
    stale_download = home / f".download-ml-100k.{dead}.abcd1234"
    stale_download.mkdir()
    (stale_download / "tmpk3j_x9q2").write_bytes(b"PK")  # pooch's temp
    live = home / f".extract-ml-100k.{alive}.abcd1234"  # a running fetch
    other = home / f".extract-ml-1m.{dead}.abcd1234"  # another data set
    old_extract = home / ".extract-k3j_x9q2"  # older versions: no PID
    fresh_extract = home / ".extract-zz9_x9q2"
    for folder in (live, other, old_extract, fresh_extract):
        folder.mkdir()
    # someone else's temporary files in a shared cache folder: kept
    other_tmp, fresh_pooch = home / "tmpq8_z0k1m", home / "tmpzz9_x9q2"
    other_tmp.write_bytes(b"PK")
    fresh_pooch.write_bytes(b"PK")
    _age(old_extract, 7200)
    _age(other_tmp, 7200)
    folder = fetch_movielens("ml-100k", home, progress=False)
    assert (folder / "u1.base").is_file()
    kept = {live, other, fresh_extract, fresh_pooch, other_tmp}
    assert set(home.iterdir()) == kept | {folder, home / "ml-100k.zip"}
    # cached now (and offline): the next fetch still cleans up first
    server.shutdown()
    stale.mkdir()
    assert fetch_movielens("ml-100k", home, progress=False) == folder
    assert set(home.iterdir()) == kept | {folder, home / "ml-100k.zip"}


def test_interrupted_download_or_extraction_leaves_nothing(
        served_archive, tmp_path, monkeypatch):
    _serve_as_ml100k(served_archive, monkeypatch)
    home = tmp_path / "cache"
    real_retrieve = download.pooch.retrieve

    def killed_retrieve(url, known_hash, fname, path, **kwargs):
        (path / "tmpk3j_x9q2").write_bytes(b"PK half")
        raise KeyboardInterrupt

    monkeypatch.setattr(download.pooch, "retrieve", killed_retrieve)
    with pytest.raises(KeyboardInterrupt):
        fetch_movielens("ml-100k", home, progress=False)
    assert list(home.iterdir()) == []
    monkeypatch.setattr(download.pooch, "retrieve", real_retrieve)

    def killed_extract(self, path, *args, **kwargs):
        (Path(path) / "ml-100k").mkdir()
        raise KeyboardInterrupt

    monkeypatch.setattr(zipfile.ZipFile, "extractall", killed_extract)
    with pytest.raises(KeyboardInterrupt):
        fetch_movielens("ml-100k", home, progress=False)
    assert [p.name for p in home.iterdir()] == ["ml-100k.zip"]


def test_data_home_follows_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPREC_DATA", str(tmp_path / "x"))
    assert dr.data.data_home() == tmp_path / "x"
    assert dataset_folder("synthetic").parent == tmp_path / "x"


def test_real_archives_have_pinned_hashes():
    for name, archive in ARCHIVES.items():
        kind, value = archive.known_hash.split(":")
        assert len(value) == {"sha256": 64, "md5": 32}[kind], name
        assert archive.url.startswith("https://files.grouplens.org/")
