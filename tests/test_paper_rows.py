"""The papers' rows at their own scale: definitions and the quick path."""

import pytest

import deeprec as dr
from deeprec.studies import PAPER_ROWS, paper_row, reproduce


def test_each_table3_row_has_the_authors_model_for_its_split():
    hidden = {name: (row.runs[0].model.hidden_dims, row.runs[0].model.dropout)
              for name, row in PAPER_ROWS.items() if name.startswith("deep")}
    assert hidden == {
        "deep-table3-3months": ((128, 256, 256), 0.65),
        "deep-table3-6months": ((256, 256, 512), 0.8),
        "deep-table3-1year": ((256, 256, 512), 0.8),
        "deep-table3-full": ((512, 512, 1024), 0.8)}
    full = paper_row("deep-table3-full")
    train = full.runs[0].train
    assert (train.lr, train.refeed, train.batch_size, train.momentum,
            train.num_epochs) == (0.005, 1, 128, 0.9, 102)
    assert full.paper == {"Deep AE (user)": 0.9099}
    assert (full.dataset, full.split) == ("netflix", "full")
    assert full.runs[0].model.orientation == "user"


def test_table_c_rows_quote_the_papers_numbers():
    row = paper_row("autorec-table-c-ml-10m")
    assert row.paper == {"I-AutoRec": 0.782, "BiasedMF": 0.803}
    assert (row.dataset, row.split, row.valid_fraction) == (
        "ml-10m", "random", 0.05)
    assert "Table (c)" in row.source


def test_an_unknown_row_names_the_choices():
    with pytest.raises(ValueError, match="deep-table3-full"):
        paper_row("deep-table3-2years")


def test_a_row_runs_quick_prints_the_paper_beside_ours_and_resumes(
        tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPREC_QUICK", "1")
    result, table = reproduce("autorec-table-c-ml-1m", str(tmp_path),
                              progress=False)
    assert list(table.index) == ["I-AutoRec", "BiasedMF"]
    assert table.paper.tolist() == [0.831, 0.845]
    assert (table["ours - paper"] == table.ours - table.paper).all()
    assert len(result.trained) == 2
    again, _ = reproduce("autorec-table-c-ml-1m", str(tmp_path),
                         progress=False)
    assert len(again.trained) == 0 and len(again.reused) == 2


def test_the_command_prints_the_source_and_the_paper_beside_ours(
        tmp_path, capsys, monkeypatch):
    from deeprec.cli import main
    monkeypatch.setenv("DEEPREC_QUICK", "1")
    code = main(["reproduce", "deep-table3-3months", "--out", str(tmp_path),
                 "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Kuchaiev & Ginsburg (2017), Table 3, Netflix 3 months" in out
    assert "0.9373" in out and "ours - paper" in out
    assert main(["reproduce", "deep-table3-full"]) == 2  # --out is required
