import json

import pandas as pd
import pytest

import deeprec as dr
from deeprec.book import compare_headlines, read_headline

FAST = dr.TrainConfig(num_epochs=2, batch_size=64, progress=False,
                      device="cpu")


def runs(data=None, ks=(4, 8), train=FAST):
    return [dr.Run({"hidden_dim": k},
                   dr.replace(dr.recipes.I_AUTOREC, hidden_dim=k), train)
            for k in ks]


def test_study_tables_are_tidy(data):
    result = dr.run_study(runs(data), data, progress=False)
    s, h = result.summary, result.history
    assert s.hidden_dim.tolist() == [4, 8]
    assert {"test_rmse", "valid_rmse", "parameters", "best_epoch"} <= set(s)
    assert len(h) == 4 and set(h.hidden_dim) == {4, 8}
    assert s.parameters.tolist() == [2 * data.num_users * k + data.num_users
                                     + k for k in (4, 8)]


def test_rows_record_both_configs_the_data_seed_and_version(data):
    row = dr.run_study(runs(data, (4,)), data, seed=3,
                       progress=False).summary.iloc[0]
    assert row["model.type"] == "AutoRecConfig"
    assert row["model.hidden_dim"] == 4
    assert row["model.num_inputs"] == data.num_users  # sized from the data
    assert row["train.type"] == "TrainConfig"
    assert row["train.num_epochs"] == 2 and row["train.seed"] == 3
    assert (row.seed, row.dataset, row.version) == (3, data.name,
                                                   dr.__version__)


def test_study_saves_reloads_and_resumes(data, tmp_path):
    first = dr.run_study(runs(data, (4,)), data, path=tmp_path,
                         progress=False)
    again = dr.run_study(runs(data, (4, 8)), data, path=tmp_path,
                         progress=False)
    assert first.trained == [again.reused[0]] and len(again.trained) == 1
    # the k=4 run was not retrained: identical row, same recorded seconds
    pd.testing.assert_series_equal(first.summary.iloc[0],
                                   again.summary.iloc[0], check_names=False)
    loaded = dr.StudyResult.load(tmp_path)
    assert loaded.summary.hidden_dim.tolist() == [4, 8]
    assert len(loaded.history) == 4
    assert "1 runs trained here" in again.record()
    assert "1 read from saved results" in again.record()
    assert "read from" not in first.record()  # nothing loaded: not said


@pytest.mark.parametrize("change", ["epochs", "lr", "model", "seed", "data",
                                    "scale"])
def test_any_change_of_the_definition_retrains(data, tmp_path, change):
    """The cache is keyed on the whole definition: nothing is reused that
    was made by another configuration, seed, data set or scale."""
    full = dr.Scale()  # pytest may run in quick mode (book/conftest.py)
    base = dict(runs=runs(data, (4,)), data=data, seed=0, scale=full)
    dr.run_study(base["runs"], data, path=tmp_path, progress=False,
                 scale=full)
    other = dict(base)
    if change == "epochs":
        other["runs"] = runs(data, (4,), dr.replace(FAST, num_epochs=3))
    elif change == "lr":
        other["runs"] = runs(data, (4,), dr.replace(FAST, lr=0.01))
    elif change == "model":
        other["runs"] = [dr.Run({"hidden_dim": 4}, dr.replace(
            dr.recipes.I_AUTOREC, hidden_dim=4, dropout=0.1), FAST)]
    elif change == "seed":
        other["seed"] = 1
    elif change == "data":
        other["data"] = dr.RatingData(dr.synthetic_split(
            "u2", valid_fraction=0.1))
    else:
        other["scale"] = dr.Scale(fraction=0.5)
    result = dr.run_study(other["runs"], other["data"], path=tmp_path,
                          seed=other["seed"], scale=other["scale"],
                          progress=False)
    assert len(result.trained) == 1 and not result.reused
    assert len(list((tmp_path / "runs").glob("*.json"))) == 2


def test_where_and_how_visibly_a_run_trains_is_not_its_identity(data):
    a = dr.studies.run_key(runs(data, (4,))[0], data)
    b = dr.studies.run_key(runs(data, (4,), dr.replace(
        FAST, device="auto", progress=True))[0], data)
    assert a == b


def test_each_run_is_one_file_with_summary_and_history(data, tmp_path):
    """A kill between writes loses nothing: a finished run is one file
    holding its summary row and its history, written atomically; the csv
    tables are rebuilt from those files."""
    result = dr.run_study(runs(data, (4, 8)), data, path=tmp_path,
                          progress=False)
    files = sorted((tmp_path / "runs").glob("*.json"))
    assert [f.stem for f in files] == sorted(result.summary.key)
    record = json.loads(files[0].read_text())
    assert set(record) == {"summary", "history"}
    assert len(record["history"]) == 2
    (tmp_path / "history.csv").unlink()  # as if killed after summary.csv
    again = dr.run_study(runs(data, (4, 8)), data, path=tmp_path,
                         progress=False)
    assert not again.trained and len(again.history) == 4
    assert len(dr.StudyResult.load(tmp_path).history) == 4
    # a run file cut short (a kill mid-write cannot make one; a disk can):
    # that run is trained again, not read as finished
    files[0].write_text(files[0].read_text()[:20])
    third = dr.run_study(runs(data, (4, 8)), data, path=tmp_path,
                         progress=False)
    assert third.trained == [files[0].stem]
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.parametrize("text,message", [
    ("", "no 'key' column"), ("a,b\n1,2\n", "no 'key' column")])
def test_loading_a_broken_summary_names_the_file(tmp_path, text, message):
    (tmp_path / "summary.csv").write_text(text)
    with pytest.raises(ValueError, match=message):
        dr.StudyResult.load(tmp_path)
    with pytest.raises(FileNotFoundError, match="no saved study"):
        dr.StudyResult.load(tmp_path / "elsewhere")


def test_closed_form_runs_need_no_train_config(data):
    result = dr.run_study([dr.studies.recipe(n) for n in
                           ("global-mean", "biases", "item-knn")], data,
                          progress=False)
    rmse = result.summary.set_index("model").test_rmse
    assert rmse["User + item biases"] < rmse["Global mean"]
    assert result.summary.best_epoch.tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="give its train config"):
        dr.Run({"model": "x"}, dr.recipes.I_AUTOREC)


def test_the_trainer_follows_the_config_type(data):
    from deeprec.train import TRAINERS, trainer_for
    assert trainer_for(dr.recipes.AUTOREC_TRAIN) is dr.fit
    assert trainer_for(dr.recipes.GLOCAL_K_TRAIN) is dr.fit_glocal_k
    assert trainer_for(dr.recipes.MF_TRAIN) is dr.fit_mf
    assert trainer_for(dr.recipes.CONVMF_TRAIN) is dr.fit_convmf
    assert len(TRAINERS) == 6
    with pytest.raises(TypeError, match="no trainer for a dict"):
        trainer_for({})
    mf = dr.run_study([dr.Run({"model": "BiasedMF"}, dr.recipes.BIASED_MF,
                              dr.replace(dr.recipes.MF_TRAIN, num_epochs=2,
                                         progress=False))], data)
    assert mf.summary.epochs_run.tolist() == [2]
    assert mf.history.epoch.tolist() == [1, 2]


def test_duplicate_labels_are_refused(data):
    with pytest.raises(ValueError, match="unique"):
        dr.run_study(runs(data, (4, 4)), data)


def test_headlines_round_trip_and_compare(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display",
                        lambda bundle, raw=False: shown.append(bundle))
    dr.book.headline(rmse=0.912345, n=100)
    # a hidden output (a mime type the book does not render), not a line
    assert list(shown[0]) == [dr.book.HEADLINE_MIME]
    nb = {"cells": [{"outputs": [{"output_type": "display_data",
                                  "data": shown[0]}]}]}
    assert read_headline(nb) == {"n": 100.0, "rmse": 0.9123}
    old = {"cells": [{"outputs": [{"text": ["x\n", 'HEADLINE {"a": 1.0}\n']}]}]}
    assert read_headline(old) == {"a": 1.0}
    assert compare_headlines({"rmse": 0.9}, {"rmse": 0.91}) == []
    assert compare_headlines({"rmse": 0.9}, {"rmse": 0.95})
    assert compare_headlines({"rmse": 0.9}, {})


def test_chapter_params_follow_the_quick_switch(monkeypatch):
    monkeypatch.setenv("DEEPREC_QUICK", "1")
    p = dr.chapter_params(dataset="ml-1m")
    assert (p.dataset, p.scale.name, p.epochs(200)) == ("synthetic",
                                                        "quick", 2)
    assert p.scaled(dr.recipes.AUTOREC_TRAIN).num_epochs == 2
    monkeypatch.setenv("DEEPREC_QUICK", "0")
    p = dr.chapter_params(dataset="ml-1m")
    assert (p.dataset, p.scale.name, p.epochs(200)) == ("ml-1m", "full",
                                                        200)
    assert p.scaled(dr.recipes.AUTOREC_TRAIN) == dr.replace(
        dr.recipes.AUTOREC_TRAIN, device=str(p.device))


def test_the_fraction_knob_shortens_runs_and_keeps_results_apart(
        monkeypatch):
    monkeypatch.delenv("DEEPREC_QUICK", raising=False)
    full = dr.chapter_params()
    p = dr.chapter_params(fraction=0.25)
    assert (p.scale.name, p.epochs(200), p.epochs(2)) == (
        "fraction-0.25", 50, 1)
    glk = p.scaled(dr.recipes.GLOCAL_K_TRAIN)
    assert (glk.pretrain_epochs, glk.finetune_epochs) == (8, 15)
    assert p.results("x") != full.results("x")
    assert "scale fraction-0.25" in p.run_info()
    monkeypatch.setenv("DEEPREC_FRACTION", "0.5")
    assert dr.chapter_params().epochs(200) == 100  # a class-wide default
    for bad in (0, 1.5, -1):
        with pytest.raises(ValueError, match=f"fraction = {bad!r}"):
            dr.chapter_params(fraction=bad)
    monkeypatch.setenv("DEEPREC_FRACTION", "half")
    with pytest.raises(ValueError, match="DEEPREC_FRACTION = 'half'"):
        dr.chapter_params()
    monkeypatch.setenv("DEEPREC_FRACTION", "0.25")
    monkeypatch.setenv("DEEPREC_QUICK", "1")  # quick mode still wins
    assert dr.chapter_params(fraction=0.25).epochs(200) == 2


def test_with_seeds_repeats_runs_and_seeds_them(data):
    adam = dr.replace(FAST, optimizer="adam", lr=0.01)
    seeded = dr.studies.with_seeds(
        [dr.Run({"hidden_dim": 4},
                dr.replace(dr.recipes.I_AUTOREC, hidden_dim=4), adam)],
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
    runs = dr.studies.comparison_runs(data)
    quick = dr.Scale(quick=True)
    result = dr.studies.comparison_study(data, runs, tmp_path, seeds=(0, 1),
                                         progress=False, scale=quick)
    s = result.summary
    assert s.groupby("model").size().to_dict() == {
        m: 2 for m in [r.label["model"] for r in runs] + ["Blend"]}
    # a saved model gives back exactly the RMSE of its summary row
    run = dr.studies.with_seeds(runs, (1,))[5]
    assert run.label["model"] == "I-AutoRec"
    model = dr.studies.load_trained(run, tmp_path, data, scale=quick)
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
                                        progress=False, scale=quick)
    assert not again.trained  # nothing retrained
    pd.testing.assert_frame_equal(again.summary, s)
    pooled = dr.studies.blend_rows(dr.studies.with_seeds(runs, (0, 1)), data,
                                   tmp_path, pool_seeds=True, scale=quick)
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
        dr.studies.load_trained(run, tmp_path, data)


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
    monkeypatch.setattr(dr.studies.comparison, "GLOCAL_K_MAX_ENTRIES",
                        data.num_users * data.num_items - 1)
    with pytest.warns(UserWarning) as caught:
        runs = dr.studies.comparison_runs(data)
    said = " ".join(str(w.message) for w in caught)
    assert f"Item kNN left out: {data.num_items:,} items" in said
    assert "GLocal-K left out" in said
    names = [r.label["model"] for r in runs]
    assert names == [m for m in every if m not in ("Item kNN", "GLocal-K")]


def test_another_folds_results_are_saved_apart_and_tracked_studies_are_recorded(
        capsys):
    p = dr.chapter_params()
    assert p.results("comparison", split="u2") != p.results("comparison")
    assert f"-u2-{p.scale.name}" in str(p.results("comparison", split="u2"))
    summary = pd.DataFrame({"key": ["abc12345"], "seconds": [12.0]})
    result = dr.StudyResult(summary, pd.DataFrame(), trained=[],
                            reused=["abc12345"])
    assert p.track("comparison u2", result) is result
    p.record()
    out = capsys.readouterr().out
    assert "study comparison u2" in out and "abc12345" in out


def test_comparison_leaves_out_full_batch_autoencoders_that_do_not_fit(
        data, monkeypatch):
    """I-AutoRec's recipe takes the whole matrix as one batch: on a device
    without room for it the run is left out, saying the size and the
    option, instead of failing minutes in."""
    entries = data.num_users * data.num_items
    monkeypatch.setenv("DEEPREC_FREE_MEMORY", str(entries * 4 * 2))
    with pytest.warns(UserWarning) as caught:
        runs = dr.studies.comparison_runs(data)
    said = " ".join(str(w.message) for w in caught)
    assert "I-AutoRec left out: i-autorec's batch: a dense" in said
    assert "set a smaller batch_size" in said
    assert "I-AutoRec" not in [r.label["model"] for r in runs]
