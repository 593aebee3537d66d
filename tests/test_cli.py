import json

import pytest

from deeprec.cli import main


@pytest.fixture(autouse=True)
def _quick(monkeypatch):
    """``--quick`` sets DEEPREC_QUICK; monkeypatch restores it afterwards."""
    monkeypatch.setenv("DEEPREC_QUICK", "1")


@pytest.mark.parametrize("model", ["i-autorec", "deep-ae", "biases"])
def test_train_prints_rmse(model, capsys, tmp_path):
    main(["--quick", "train", "--model", model, "--no-progress",
          "--valid-fraction", "0.1", "--save", str(tmp_path / "m.pt")
          if model != "biases" else ""])
    out = capsys.readouterr().out.strip().splitlines()
    row = json.loads(out[-2])
    assert row["dataset"] == "synthetic" and row["model"] == model
    assert out[-1].startswith("test RMSE: ")
    assert 0.3 < row["test_rmse"] < 2.0
    if model != "biases":
        assert (tmp_path / "m.pt").is_file()


def test_stats_prints_table1(capsys):
    main(["--quick", "stats", "--split", "u1"])
    out = capsys.readouterr().out
    assert "synthetic/u1" in out and "ratings" in out and "train" in out


def test_unknown_model_is_refused():
    with pytest.raises(SystemExit):
        main(["train", "--model", "rbm"])


@pytest.mark.parametrize("name", ["refeeding", "autorec-orientation"])
def test_study_runs_and_saves(name, capsys, tmp_path):
    main(["--quick", "study", name, "--valid-fraction", "0.1", "--out",
          str(tmp_path / name), "--device", "cpu"])
    out = capsys.readouterr().out
    assert "test_rmse" in out
    assert (tmp_path / name / "summary.csv").is_file()


def test_comparison_study_saves_models_and_blends(capsys, tmp_path):
    main(["--quick", "study", "comparison", "--seeds", "0", "1", "--out",
          str(tmp_path), "--device", "cpu"])
    out = capsys.readouterr().out
    assert "Blend" in out and "test_rmse_mean" in out
    assert "blend pooled over seeds [0, 1]: valid" in out
    assert len(list((tmp_path / "models").glob("*.pt"))) == 10 * 2


def test_comparison_study_needs_a_results_folder():
    with pytest.raises(SystemExit, match="--out"):
        main(["--quick", "study", "comparison"])


def test_book_time_runs_a_chapter_at_a_fraction(capsys, tmp_path):
    import os

    import nbformat
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import deeprec as dr\nP = dr.chapter_params()\n"
        "assert P.fraction == 0.5 and P.epochs(10) == 5, P")]
    path = tmp_path / "01_tiny.ipynb"
    nbformat.write(nb, str(path))
    before = dict(os.environ)
    main(["book", "time", "--fraction", "0.5", str(path)])
    out = capsys.readouterr().out
    assert "01_tiny.ipynb: " in out and " min at fraction 0.5" in out
    assert dict(os.environ) == before  # nothing leaks into the caller


def test_unknown_arguments_are_refused():
    with pytest.raises(SystemExit):
        main(["stats", "--no-such-option"])
