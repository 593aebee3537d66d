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


def test_the_fraction_knob_shortens_runs_and_keeps_results_apart(
        monkeypatch):
    monkeypatch.delenv("DEEPREC_QUICK", raising=False)
    full = dr.chapter_params()
    p = dr.chapter_params(fraction=0.25)
    assert (p.scale, p.epochs(200), p.epochs(2)) == ("fraction-0.25", 50, 1)
    assert p.results("x") != full.results("x")
    assert "scale fraction-0.25" in p.run_info()
    monkeypatch.setenv("DEEPREC_FRACTION", "0.5")
    assert dr.chapter_params().epochs(200) == 100  # a class-wide default
    for bad in (0, 1.5, -1):
        with pytest.raises(ValueError, match=f"got {bad!r}"):
            dr.chapter_params(fraction=bad)
    monkeypatch.setenv("DEEPREC_FRACTION", "half")
    with pytest.raises(ValueError, match="DEEPREC_FRACTION.*'half'"):
        dr.chapter_params()
    monkeypatch.setenv("DEEPREC_FRACTION", "0.25")
    monkeypatch.setenv("DEEPREC_QUICK", "1")  # quick mode still wins
    assert dr.chapter_params(fraction=0.25).epochs(200) == 3


def test_with_seeds_repeats_runs_and_seeds_them(data):
    adam = dr.replace(FAST, optimizer="adam", lr=0.01)
    seeded = dr.studies.with_seeds(
        [dr.Run({"hidden_dim": 4},
                dr.studies.autorec_builder(data, "item", hidden_dim=4), adam)],
        seeds=(0, 1, 2))
    assert [r.label for r in seeded] == [{"hidden_dim": 4, "seed": s}
                                         for s in (0, 1, 2)]
    result = dr.run_study(seeded, data, progress=False)
    rmse = result.summary.test_rmse
    assert rmse.nunique() == 3  # different initialisations
    again = dr.run_study(seeded[1:2], data, progress=False)
    assert again.summary.test_rmse.iloc[0] == pytest.approx(rmse.iloc[1])
    table = dr.studies.seed_summary(result.summary, by="hidden_dim")
    assert table.loc[4, "seeds"] == 3
    assert table.loc[4, "test_rmse_mean"] == pytest.approx(rmse.mean())
    assert table.loc[4, "test_rmse_min"] == pytest.approx(rmse.min())


def test_comparison_saves_models_and_blends_on_validation(data, tmp_path):
    glocal = dr.studies.glocal_k_config(quick=True, progress=False)
    runs = dr.studies.comparison_runs(data, autorec_epochs=3, deep_epochs=2,
                                      mf_epochs=1, deep_hidden=(32, 16),
                                      glocal=glocal)
    result = dr.studies.comparison_study(data, runs, tmp_path, seeds=(0, 1),
                                         progress=False)
    s = result.summary
    assert s.groupby("model").size().to_dict() == {
        m: 2 for m in [r.label["model"] for r in runs] + ["Blend"]}
    # a saved model gives back exactly the RMSE of its summary row
    run = dr.studies.with_seeds(runs, (1,))[3]
    model = dr.studies.load_trained(run, tmp_path)
    row = s[(s.model == run.label["model"]) & (s.seed == 1)].iloc[0]
    assert dr.evaluate_rmse(model, data, "test") == pytest.approx(
        row.test_rmse, abs=1e-5)
    # weights fitted on validation: the blend is at least as good there as
    # its best member, seed by seed
    for seed, part in s.groupby("seed"):
        members = part[part.model.isin(dr.studies.BLEND_MEMBERS)]
        blend = part[part.model == "Blend"].iloc[0]
        assert blend.valid_rmse <= members.valid_rmse.min() + 1e-6
        assert {f"w_{m}" for m in dr.studies.BLEND_MEMBERS} <= set(part)
    table = dr.studies.seed_summary(s)
    assert table.seeds.tolist() == [2] * 11
    saved = dr.StudyResult.load(tmp_path).summary
    assert (saved.model == "Blend").sum() == 2
    again = dr.studies.comparison_study(data, runs, tmp_path, seeds=(0, 1),
                                        progress=False)  # nothing retrained
    pd.testing.assert_frame_equal(again.summary, s)
    pooled = dr.studies.blend_rows(dr.studies.with_seeds(runs, (0, 1)), data,
                                   tmp_path, pool_seeds=True)
    assert pooled.seed.tolist() == ["all"]
    # the six trained members once per seed, the two k-NN models once
    weights = pooled.filter(like="w_").columns
    assert len(weights) == 2 * 6 + 2
    assert {"w_Item kNN #0", "w_User kNN #0"} <= set(weights)
    assert pooled.valid_rmse.iloc[0] <= s.query(
        "model == 'Blend'").valid_rmse.min() + 1e-6


def test_load_trained_explains_a_missing_model(data, tmp_path):
    run = runs(data, (4,))[0]
    with pytest.raises(FileNotFoundError, match="save_models=True"):
        dr.studies.load_trained(run, tmp_path)


def test_resumed_tables_come_back_in_run_order(data, tmp_path):
    dr.run_study(runs(data, (8,)), data, path=tmp_path, progress=False)
    result = dr.run_study(runs(data, (4, 8)), data, path=tmp_path,
                          progress=False)
    saved = dr.StudyResult.load(tmp_path)
    for table in (result, saved):
        assert table.summary.hidden_dim.tolist() == [4, 8]
        assert table.history.hidden_dim.tolist() == [4, 4, 8, 8]


def test_comparison_leaves_out_what_does_not_fit(data, monkeypatch):
    """At paper scale (users of ML-10M/Netflix) the dense models that cannot
    fit are left out with a warning that names them, not a crash."""
    every = [r.label["model"] for r in dr.studies.comparison_runs(data)]
    assert {"Item kNN", "User kNN", "GLocal-K"} <= set(every)
    assert data.num_users < data.num_items  # the item side is the larger
    monkeypatch.setattr(dr.models.knn, "MAX_NEIGHBOURS", data.num_items - 1)
    monkeypatch.setattr(dr.studies, "GLOCAL_K_MAX_ENTRIES",
                        data.num_users * data.num_items - 1)
    with pytest.warns(UserWarning) as caught:
        runs = dr.studies.comparison_runs(data)
    said = " ".join(str(w.message) for w in caught)
    assert f"Item kNN left out: {data.num_items:,} items" in said
    assert "GLocal-K left out" in said
    names = [r.label["model"] for r in runs]
    assert names == [m for m in every if m not in ("Item kNN", "GLocal-K")]
