"""Exercise checks: stubs fail until answered, right answers pass, wrong
ones fail without showing the reference; every chapter's checks work."""

import ast
import builtins
import re
from pathlib import Path

import matplotlib
import nbformat
import pandas as pd
import pytest
import torch

from deeprec import exercises
from deeprec.book.student import _directive, student_version

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book").glob("[0-9]*.ipynb"))


def toy_notebook(answers):
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    start = md("```{solution-start} ex-toy\n:class: dropdown\n```")
    start.metadata["deeprec"] = {"check": answers}
    nb = nbformat.v4.new_notebook()
    nb.cells = [code("x = 3"),
                md("```{exercise-start}\n:label: ex-toy\n```"),
                md("Double x."), md("```{exercise-end}\n```"), start,
                code("import matplotlib.pyplot as plt\n"
                     "plt.plot([1, 2])\nplt.show()\n"
                     "y = x * 2\nprint('the answer is', y)"),
                md("```{solution-end}\n```")]
    return nb


def run_student(nb, answer=None):
    """Run the student version's code cells; ``answer`` replaces the
    stub's ``double = ...`` line."""
    ns = {}
    for cell in student_version(nb)["cells"]:
        if cell["cell_type"] == "code":
            src = cell["source"]
            if answer is not None:
                src = src.replace("double = ...", f"double = {answer}")
            exec(src, ns)
    return ns


ANSWER = [{"name": "double", "expect": "y", "about": "twice x"}]


def test_a_stub_fails_until_answered():
    with pytest.raises(NotImplementedError, match="ex-toy.*double"):
        run_student(toy_notebook(ANSWER))


def test_a_right_answer_passes_quietly(capsys):
    import matplotlib.pyplot as plt
    run_student(toy_notebook(ANSWER), "6")
    out = capsys.readouterr().out
    assert "right: double (twice x)" in out and "solved" in out
    assert "the answer is" not in out  # the reference ran silently
    assert plt.get_fignums() == []  # and its figure was closed


def test_a_wrong_answer_fails_without_revealing_the_reference(capsys):
    with pytest.raises(AssertionError, match="double is not right") as err:
        run_student(toy_notebook(ANSWER), "7")
    assert "6" not in str(err.value) + capsys.readouterr().out


def test_a_discussion_exercise_keeps_a_plain_stub():
    stub = [c for c in student_version(toy_notebook([]))["cells"]
            if c["source"].startswith("# Exercise ex-toy")][0]
    assert "discussion" in stub["source"]
    assert "NotImplementedError" in stub["source"]


@pytest.mark.parametrize("got, expected, ok", [
    (0.1234, 0.12345, True), (0.13, 0.12, False), ("relu", "relu", True),
    ({"a": 1.0, "b": 2.0}, {"b": 2.0, "a": 1.0}, True),
    ({"a": 1.0}, {"a": 1.0, "b": 2.0}, False),
    (torch.tensor([1.0, 2.0]), [1.0, 2.0], True),
    (torch.tensor([1.0, 2.0]), [1.0, 2.0, 3.0], False),
    (pd.Series([2.0, 1.0], index=["b", "a"]),
     pd.Series([1.0, 2.0], index=["a", "b"]), True),
    (pd.Series([1.0, 2.0], index=["b", "a"]),
     pd.Series([1.0, 2.0], index=["a", "b"]), False),
    (pd.DataFrame({"y": [2.0], "x": [1.0]}),
     pd.DataFrame({"x": [1.0], "y": [2.0]}), True),
    ("not a number", 1.0, False),
    (pd.DataFrame({"model": ["a", "b"], "k": [5.0, 10.0]}),
     pd.DataFrame({"model": ["a", "b"], "k": [5.0, 10.0]}), True),
    (pd.DataFrame({"model": ["a", "c"], "k": [5.0, 10.0]}),
     pd.DataFrame({"model": ["a", "b"], "k": [5.0, 10.0]}), False),
])
def test_answers_are_compared_by_value_and_label(got, expected, ok):
    assert exercises.close(got, expected) is ok


def assigned_names(code: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0]
                         for a in node.names)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_solution_declares_checkable_answers(path):
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code"
                     and not c.source.lstrip().startswith("%"))
    known = assigned_names(code) | set(dir(builtins))
    starts = [c for c in nb.cells if _directive(c, "solution-start")]
    checked = 0
    for cell in starts:
        answers = cell.metadata["deeprec"]["check"]  # [] = a discussion
        for a in answers:
            assert {"name", "expect", "about"} <= set(a)
            tree = ast.parse(a["expect"], mode="eval")
            used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
                    and isinstance(n.ctx, ast.Load)} - assigned_names(
                        a["expect"])
            assert used <= known, f"{a['expect']!r} uses {used - known}"
        checked += bool(answers)
    assert checked >= 2, "most exercises should be checkable"


def filled(nb):
    """The student version with every checked stub answered by the
    reference itself: solution code, then ``name = expect``."""
    student = student_version(nb)
    for cell in student["cells"]:
        src = cell["source"]
        if cell["cell_type"] != "code" or "dr.exercises.check(" not in src:
            continue
        key = re.search(r"globals\(\),\s*'([^']+)'\)", src).group(1)
        payload = exercises.decode(key)
        lines = [payload["code"]] + [f"{a['name']} = {a['expect']}"
                                     for a in payload["answers"]]
        cell["source"] = "\n".join(lines) + "\n" + src.split(
            "import deeprec as dr", 1)[1]
        cell["metadata"]["tags"] = []  # must not raise now
    return nbformat.from_dict(student)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_reference_answers_pass_every_check(path, tmp_path, monkeypatch):
    from nbclient import NotebookClient
    monkeypatch.setenv("DEEPREC_QUICK", "1")
    nb = filled(nbformat.read(path, as_version=4))
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}
                   ).execute()
    text = "".join(o.get("text", "") for c in nb.cells
                   if c.cell_type == "code" for o in c.get("outputs", []))
    expected = sum("dr.exercises.check(" in c.source for c in
                   student_version(nbformat.read(path, as_version=4))["cells"])
    assert text.count(": solved") == expected
