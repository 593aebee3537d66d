"""Gluing: what the prose pastes, and the allow-list of typed numbers."""

import math

import nbformat
import pandas as pd
import pytest

import deeprec as dr
import importlib

glue_module = importlib.import_module("deeprec.book.glue")
from deeprec.book.lint import glued_names, lint, pasted_names
from deeprec.book.prose import unbound_numbers


@pytest.fixture
def glued(monkeypatch):
    store = {}
    monkeypatch.setattr(glue_module, "_display",
                        lambda name, value: store.__setitem__(name, value))
    return store


def test_numbers_are_shown_as_the_prose_shows_them(glued):
    assert dr.book.glue("rmse", 0.901934) is None  # no stray cell output
    dr.book.glue("users", 1650)
    dr.book.glue("share", 0.347, ".1%")
    dr.book.glue_many({"lost": math.nan})
    assert glued == {"rmse": "0.9019", "users": "1,650", "share": "34.7%",
                     "lost": "diverged"}


def test_comparison_words_follow_the_numbers_at_the_shown_precision():
    assert dr.book.compare(0.90, 0.91) == "lower"
    assert dr.book.compare(0.91, 0.90, "better", "worse") == "worse"
    assert dr.book.compare(0.90001, 0.90004) == "the same"


def test_how_many_folds_a_finding_holds_on_is_said_in_words():
    assert dr.book.share(5, 5, "fold") == "on all 5 folds"
    assert dr.book.share(3, 5, "fold") == "on 3 of 5 folds"
    assert dr.book.share(0, 5, "seed") == "on none of the 5 seeds"
    assert dr.book.share(1, 1, "fold") == "on the fold"
    assert dr.book.share(0, 1, "fold") == "not on the fold"


def test_a_list_in_words():
    assert dr.book.words([]) == "none"
    assert dr.book.words(["a"]) == "a"
    assert dr.book.words(["a", "b", "c"]) == "a, b and c"


def test_a_table_is_glued_as_markdown_with_dashes_for_missing(glued):
    frame = pd.DataFrame({"ML-1M": [0.831, None]},
                         index=pd.Index(["I-AutoRec", "a|b"], name="model"))
    dr.book.table("tab", frame, fmt=".3f")
    text = glued["tab"].data
    assert "| model | ML-1M |" in text and "| I-AutoRec | 0.831 |" in text
    assert "| a\\|b | – |" in text and "nan" not in text.lower()


def test_a_typed_result_in_the_prose_is_caught():
    text = ("The test RMSE is 0.9019 after 579 epochs, {glue:text}`rmse` "
            "glued; ML-100K has 943 users (2017, Figure 3, two layers).")
    assert unbound_numbers(text) == ["0.9019", "579"]


def test_code_math_roles_and_directive_options_are_not_prose():
    text = ("Use `lr=0.005` and $\\lambda = 0.02$ {cite:p}`x2015`.\n"
            "```python\nx = 0.123\n```\n"
            "```{glue:figure} fig-a\n:name: fig-a\n:width: 90%\n\n"
            "Caption with 0.456 typed.\n```\n")
    assert unbound_numbers(text) == ["0.456"]


def _notebook(markdown, glued_name=None):
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell(markdown))
    code = nbformat.v4.new_code_cell("")
    if glued_name:
        code.outputs.append(nbformat.v4.new_output(
            "display_data", data={glue_module.GLUE_PREFIX + "text/plain":
                                  "'0.9'"},
            metadata={"scrapbook": {"name": glued_name, "mime_prefix":
                                    glue_module.GLUE_PREFIX}}))
    code.outputs.append(nbformat.v4.new_output("stream", text="HEADLINE {}"))
    nb.cells.append(code)
    return nb


def test_lint_names_each_broken_rule():
    nb = _notebook("RMSE {glue:text}`rmse` and {glue:text}`missing`, "
                   "typed 0.95.\n\n```{glue:figure} fig-x\n```\n", "rmse")
    assert pasted_names(nb.cells[0].source) == {"rmse", "missing", "fig-x"}
    assert glued_names(nb) == {"rmse"}
    problems = lint(nb)
    assert any("0.95" in p for p in problems)
    assert any("'missing'" in p for p in problems)
    assert any("no :name:" in p for p in problems)
    assert any("no caption" in p for p in problems)
    assert any("HEADLINE" in p for p in problems)
    assert not any("'rmse'" in p for p in problems)
    twice = nbformat.from_dict(nb)
    twice.cells.append(nbformat.from_dict(nb.cells[1]))  # glues 'rmse' again
    assert any("'rmse' is glued more than once" in p for p in lint(twice))


def test_the_headline_is_a_hidden_output():
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("", outputs=[
        nbformat.v4.new_output("display_data", data={
            dr.book.HEADLINE_MIME: {"rmse": 0.9}})]))
    assert dr.book.read_headline(nb) == {"rmse": 0.9}
