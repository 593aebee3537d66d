import pandas as pd
import pytest

import deeprec as dr
from deeprec.book import compare_headlines, read_headline

FAST = dr.TrainConfig(num_epochs=2, batch_size=64, progress=False,
                      device="cpu")


def runs(data, ks=(4, 8)):
    return [dr.Run({"hidden_dim": k},
                   dr.studies.autorec_builder(data, "item", hidden_dim=k),
                   FAST) for k in ks]


def test_study_tables_are_tidy(data):
    result = dr.run_study(runs(data), data, progress=False)
    s, h = result.summary, result.history
    assert s.hidden_dim.tolist() == [4, 8]
    assert {"test_rmse", "valid_rmse", "parameters", "best_epoch"} <= set(s)
    assert len(h) == 4 and set(h.hidden_dim) == {4, 8}
    assert s.parameters.tolist() == [2 * data.num_users * k + data.num_users
                                     + k for k in (4, 8)]


def test_study_saves_reloads_and_resumes(data, tmp_path):
    first = dr.run_study(runs(data, (4,)), data, path=tmp_path,
                         progress=False)
    again = dr.run_study(runs(data, (4, 8)), data, path=tmp_path,
                         progress=False)
    # the k=4 run was not retrained: identical row, same recorded seconds
    pd.testing.assert_series_equal(first.summary.iloc[0],
                                   again.summary.iloc[0], check_names=False)
    loaded = dr.StudyResult.load(tmp_path)
    assert loaded.summary.hidden_dim.tolist() == [4, 8]
    assert len(loaded.history) == 4


def test_baseline_runs_need_no_epochs(data):
    result = dr.run_study(dr.studies.baseline_runs(data, mf_epochs=1), data,
                          progress=False)
    rmse = result.summary.set_index("model").test_rmse
    assert rmse["User + item biases"] < rmse["Global mean"]


def test_duplicate_labels_are_refused(data):
    with pytest.raises(ValueError, match="unique"):
        dr.run_study(runs(data, (4, 4)), data)


def test_headlines_round_trip_and_compare(capsys):
    dr.book.headline(rmse=0.912345, n=100)
    line = capsys.readouterr().out
    nb = {"cells": [{"outputs": [{"text": ["x\n", line]}]}]}
    assert read_headline(nb) == {"n": 100.0, "rmse": 0.9123}
    assert compare_headlines({"rmse": 0.9}, {"rmse": 0.91}) == []
    assert compare_headlines({"rmse": 0.9}, {"rmse": 0.95})
    assert compare_headlines({"rmse": 0.9}, {})


def test_chapter_params_follow_the_quick_switch(monkeypatch):
    monkeypatch.setenv("DEEPREC_QUICK", "1")
    p = dr.chapter_params(dataset="ml-1m")
    assert (p.dataset, p.scale, p.epochs(200)) == ("synthetic", "quick", 3)
    monkeypatch.setenv("DEEPREC_QUICK", "0")
    p = dr.chapter_params(dataset="ml-1m")
    assert (p.dataset, p.scale, p.epochs(200)) == ("ml-1m", "full", 200)
