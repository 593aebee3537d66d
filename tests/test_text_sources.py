"""The chapters' MyST text copies agree with the executed notebooks."""

import json
import os
import shutil
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext")

from deeprec.book import text_sources as ts  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ts.chapter_pairs(ROOT)


def test_every_chapter_has_both_copies():
    assert len(PAIRS) >= 12
    lonely = [str((md or nb).relative_to(ROOT)) for md, nb in PAIRS
              if md is None or nb is None]
    assert not lonely, f"chapters without their pair: {lonely}"


def test_config_pairs_across_folders():
    try:
        import tomllib
    except ImportError:  # Python < 3.11: jupytext depends on tomli there
        import tomli as tomllib
    config = tomllib.loads((ROOT / "jupytext.toml").read_text())
    assert config["formats"] == "book///ipynb,chapters///md:myst"
    # the notebook metadata stays in the .ipynb, where a sync leaves it be
    assert config["notebook_metadata_filter"] == "-all"


def test_sphinx_reads_only_the_notebooks():
    yaml = pytest.importorskip("yaml")
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert "chapters/*" in config["exclude_patterns"]
    toc = (ROOT / "_toc.yml").read_text()
    assert "chapters/" not in toc and "file: book/01_" in toc


def test_notebooks_carry_no_jupytext_metadata():
    touched = [nb.name for _, nb in PAIRS if nb is not None
               and "jupytext" in json.loads(nb.read_text())["metadata"]]
    assert not touched, f"jupytext wrote its metadata into {touched}"


@pytest.mark.parametrize(
    "md, nb", [p for p in PAIRS if None not in p],
    ids=[nb.stem for md, nb in PAIRS if None not in (md, nb)])
def test_pair_agrees(md, nb):
    problems = ts.pair_problems(md, nb)
    assert not problems, (
        "\n".join(problems)
        + f"\nrun: jupytext --sync {md.relative_to(ROOT)}")


# -- pair_problems on a planted mismatch ------------------------------------

@pytest.fixture
def pair(tmp_path):
    """A copy of chapter 3 and its text copy, in tmp_path."""
    md, nb = next((m, n) for m, n in PAIRS
                  if n is not None and n.stem.startswith("03"))
    return (Path(shutil.copy(md, tmp_path / md.name)),
            Path(shutil.copy(nb, tmp_path / nb.name)))


def test_copied_pair_agrees(pair):
    assert ts.pair_problems(*pair) == []


def test_pair_problems_finds_changed_source_tag_and_missing_cell(pair):
    md, nb = pair
    text = md.read_text()
    # one changed source line (in a markdown cell)
    old = "One detail matters in practice."
    assert text.count(old) == 1
    text = text.replace(old, "One detail matters a lot in practice.")
    # one changed tag (on a code cell)
    assert text.count(":tags: [parameters]") == 1
    text = text.replace(":tags: [parameters]", ":tags: [hide-input]")
    md.write_text(text)
    # one cell missing from the text copy: drop it from a notebook that
    # otherwise matches, rather than hand-edit the MyST
    nbj = json.loads(nb.read_text())
    dropped = next(i for i, c in enumerate(nbj["cells"])
                   if c["cell_type"] == "code" and i > 20)
    short = md.with_name("short.md")
    nb_short = jupytext.read(md, fmt=ts.TEXT_FORMAT)
    del nb_short.cells[dropped]
    jupytext.write(nb_short, short, fmt=ts.TEXT_FORMAT)

    problems = ts.pair_problems(short, nb)
    assert len(problems) == 3, "\n".join(problems)
    source = [p for p in problems if "source differs" in p]
    tag = [p for p in problems if "metadata 'tags'" in p]
    missing = [p for p in problems if "missing" in p]
    assert len(source) == len(tag) == len(missing) == 1, problems
    assert "matters a lo" in source[0] and "matters in practice" in source[0]
    assert "hide-input" in tag[0] and "parameters" in tag[0]
    assert (f"cell {dropped + 1} of the .ipynb is missing from the .md"
            in missing[0])

def test_pair_problems_metadata_of_solution_cell(pair):
    md, nb = pair
    text = md.read_text()
    assert '"rtol": 0.01}' in text
    md.write_text(text.replace('"rtol": 0.01}', '"rtol": 0.5}', 1))
    problems = ts.pair_problems(md, nb)
    assert len(problems) == 1 and "'deeprec'" in problems[0], problems


def test_timestamps_are_not_a_disagreement(pair):
    md, nb = pair
    nbj = json.loads(nb.read_text())
    nbj = ts.strip_timestamps(nbj)
    nb.write_text(json.dumps(nbj))
    assert ts.pair_problems(md, nb) == []


# -- sync ------------------------------------------------------------------

def test_sync_carries_an_edit_to_the_notebook_and_keeps_outputs(tmp_path):
    md0, nb0 = next((m, n) for m, n in PAIRS
                    if n is not None and n.stem.startswith("03"))
    shutil.copy(ROOT / "jupytext.toml", tmp_path)
    (tmp_path / ts.BOOK_DIR).mkdir()
    (tmp_path / ts.TEXT_DIR).mkdir()
    nb = Path(shutil.copy(nb0, tmp_path / ts.BOOK_DIR / nb0.name))
    md = Path(shutil.copy(md0, tmp_path / ts.TEXT_DIR / md0.name))
    before = json.loads(nb.read_text())
    md.write_text(md.read_text().replace("One detail matters in practice.",
                                         "One detail goes up in practice."))
    mtime = md.stat().st_mtime  # the text copy is the newer one
    os.utime(nb, (mtime - 10, mtime - 10))
    ts.sync([md])
    after = json.loads(nb.read_text())
    assert after["metadata"] == before["metadata"]
    assert len(after["cells"]) == len(before["cells"])
    changed = [i for i, (a, b) in enumerate(zip(before["cells"],
                                                after["cells"]))
               if a != b]
    assert len(changed) == 1
    cell = after["cells"][changed[0]]
    assert "goes up" in "".join(cell["source"])
    for a, b in zip(before["cells"], after["cells"]):
        assert a.get("outputs") == b.get("outputs")
        assert a.get("execution_count") == b.get("execution_count")
        assert a["metadata"] == b["metadata"]
    assert ts.pair_problems(md, nb) == []


# -- strip_timestamps ------------------------------------------------------

def test_strip_timestamps():
    nb = {"cells": [
        {"cell_type": "code", "source": "1", "outputs": [],
         "execution_count": 1,
         "metadata": {"tags": ["x"], "execution": {
             "iopub.execute_input": "2026-11-23T16:07:22.662961Z",
             "iopub.status.busy": "2026-11-23T16:07:22.662777Z",
             "iopub.status.idle": "2026-11-23T16:07:24.375441Z",
             "shell.execute_reply": "2026-11-23T16:07:24.374280Z"}}},
        {"cell_type": "code", "source": "2", "outputs": [],
         "execution_count": 2,
         "metadata": {"ExecuteTime": {"end_time": "x"},
                      "execution": {"iopub.status.busy": "t",
                                    "other": 1}}},
        {"cell_type": "markdown", "source": "m", "metadata": {}},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    out = ts.strip_timestamps(nb)
    assert [c["metadata"] for c in out["cells"]] == [
        {"tags": ["x"]}, {"execution": {"other": 1}}, {}]
    assert "iopub.status.busy" in nb["cells"][0]["metadata"]["execution"]


def test_strip_timestamps_on_a_chapter():
    nbformat = pytest.importorskip("nbformat")
    _, path = PAIRS[0]
    nb = nbformat.read(path, as_version=4)
    out = ts.strip_timestamps(nb)
    for a, b in zip(nb.cells, out.cells):
        assert "execution" not in b.metadata
        assert a.source == b.source
        assert a.get("outputs") == b.get("outputs")
    nbformat.validate(out)
