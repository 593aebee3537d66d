import pandas as pd
import pytest

import deeprec as dr
from deeprec.data import NETFLIX_SPLITS, netflix_split, read_netflix


DATES = ["1999-11-30", "1999-12-01", "2004-05-31", "2004-06-01",
         "2005-05-31", "2005-06-01", "2005-06-30", "2005-07-01",
         "2005-08-31", "2005-09-01", "2005-11-30", "2005-12-01",
         "2005-12-31", "2006-01-01"]
MOVIES, USERS = range(1, 15), range(1, 9)


def _write_netflix(folder, layout):
    """A tiny prize data set with ratings on and around every boundary:
    user u rates movie m once, on day (u + m) % 14 of DATES, so every user
    rates on every date and no (movie, user) pair repeats."""
    rows = {m: [f"{u},{1 + (u + m) % 5},{DATES[(u + m) % 14]}"
                for u in USERS] for m in MOVIES}
    rows[3].append("99,4,2005-12-15")  # user 99 exists only in December
    if layout == "combined":
        text = "".join(f"{m}:\n" + "\n".join(r) + "\n"
                       for m, r in rows.items())
        (folder / "combined_data_1.txt").write_text(text)
    else:
        (folder / "training_set").mkdir()
        for m, r in rows.items():
            (folder / "training_set" / f"mv_{m:07d}.txt").write_text(
                f"{m}:\n" + "\n".join(r) + "\n")


@pytest.mark.parametrize("layout", ["combined", "training_set"])
def test_both_layouts_read_the_same(tmp_path, layout):
    _write_netflix(tmp_path, layout)
    ratings = read_netflix(tmp_path)
    assert len(ratings) == len(MOVIES) * len(USERS) + 1
    assert set(ratings.item_id) == set(MOVIES)


def test_paper_dates():
    assert NETFLIX_SPLITS["full"] == ("1999-12-01", "2005-11-30",
                                      "2005-12-01", "2005-12-31")
    assert NETFLIX_SPLITS["3months"][0] == "2005-09-01"
    assert NETFLIX_SPLITS["6months"][0] == "2005-06-01"
    assert NETFLIX_SPLITS["1year"] == ("2004-06-01", "2005-05-31",
                                       "2005-06-01", "2005-06-30")


@pytest.mark.parametrize("which", list(NETFLIX_SPLITS))
def test_time_splits_follow_the_paper(tmp_path, which):
    _write_netflix(tmp_path, "combined")
    ratings = read_netflix(tmp_path)
    s = netflix_split(ratings, which, seed=0)
    t_start, t_end, e_start, e_end = (pd.Timestamp(d, tz="UTC")
                                      for d in NETFLIX_SPLITS[which])
    day = pd.Timedelta(days=1)

    def when(frame):
        return pd.to_datetime(frame.timestamp, unit="s", utc=True)

    assert when(s.train).min() >= t_start and when(s.train).max() < t_end + day
    held = pd.concat([s.valid, s.test])
    assert when(held).min() >= e_start and when(held).max() < e_end + day
    # boundary days are in: the first and last training day both occur
    assert when(s.train).min() == t_start or which == "full"
    assert when(s.train).max() == t_end
    # users/items absent from training are removed from valid and test
    assert held.user_id.isin(s.train.user_id).all()
    assert 99 not in set(held.user_id)
    # the test interval is halved into validation and test, by seed
    assert abs(len(s.valid) - len(s.test)) <= 1
    again = netflix_split(ratings, which, seed=0)
    pd.testing.assert_frame_equal(s.test, again.test)


def test_load_split_reads_netflix_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPREC_DATA", str(tmp_path))
    (tmp_path / "netflix").mkdir()
    _write_netflix(tmp_path / "netflix", "training_set")
    s = dr.load_split("netflix", "3months")
    assert s.name == "netflix/netflix-3months"
    assert len(s.train) > 0 and len(s.test) > 0
