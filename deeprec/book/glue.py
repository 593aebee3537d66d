"""Bind a chapter's prose to its own outputs (myst-nb glue).

A code cell glues every number, comparison word, figure and table that
the text states; the Markdown pastes them with ``{glue:text}`name```,
``{glue:figure}`` and a ``{table}`` around ``{glue:md}``. The build fails
(``-W``) on a name no cell glued, and ``tests/test_book.py`` fails on a
number typed into the prose, so the text cannot drift from the run.
"""

from __future__ import annotations

import math
import numbers

import pandas as pd

from deeprec.book.figures import check_figure

#: The mime prefix myst-nb reads glued values from (hidden on the page).
GLUE_PREFIX = "application/papermill.record/"


def _display(name: str, value) -> None:
    """myst-nb's ``glue(name, value, display=False)``; the same record
    without myst-nb installed (Colab), so every chapter runs anywhere."""
    try:
        from myst_nb import glue
    except ImportError:
        from IPython.core.formatters import format_display_data
        from IPython.display import display
        bundle, metadata = format_display_data(value)
        metadata["scrapbook"] = {"name": name, "mime_prefix": GLUE_PREFIX}
        display({GLUE_PREFIX + k: v for k, v in bundle.items()}, raw=True,
                metadata=metadata)
    else:
        glue(name, value, display=False)


def text(value, fmt: str | None = None) -> str:
    """``value`` as the prose shows it: floats with ``fmt`` (default 4
    decimals), integers with thousands separators, NaN as "diverged"."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return format(int(value), fmt or ",")
    if isinstance(value, numbers.Real):
        if not math.isfinite(float(value)):
            return "diverged"
        return format(float(value), fmt or ".4f")
    raise TypeError(f"glue: cannot show a {type(value).__name__} in prose")


def glue(name: str, value, fmt: str | None = None) -> None:
    """Glue ``value`` (a number or a word) under ``name`` for
    ``{glue:text}`name``` (as :func:`text` shows it). Returns None, so a
    glue call that ends a cell leaves no stray output on the page."""
    _display(name, text(value, fmt))


def glue_many(values: dict, fmt: str | None = None, prefix: str = "") -> None:
    """:func:`glue` every item of ``values`` (names ``prefix + key``)."""
    for k, v in values.items():
        glue(prefix + k, v, fmt)


def compare(a: float, b: float, lower: str = "lower",
            higher: str = "higher", tie: str = "the same",
            decimals: int = 4) -> str:
    """The word that compares ``a`` with ``b`` at the shown precision."""
    a, b = round(float(a), decimals), round(float(b), decimals)
    return tie if a == b else (lower if a < b else higher)


def words(items) -> str:
    """A list in words: 'a', 'a and b', 'a, b and c' (or 'none')."""
    items = [str(i) for i in items]
    if not items:
        return "none"
    return items[0] if len(items) == 1 else (
        ", ".join(items[:-1]) + " and " + items[-1])


def share(n: int, total: int, unit: str) -> str:
    """How many of ``total`` (folds, seeds) a finding holds on, in words:
    "on all 5 folds", "on 3 of 5 folds", "on none of the 5 folds"."""
    units = unit if total == 1 else unit + "s"
    if n == total:
        return f"on all {total} {units}" if total > 1 else f"on the {unit}"
    if n == 0:
        return f"on none of the {total} {units}" if total > 1 else \
            f"not on the {unit}"
    return f"on {n} of {total} {units}"


def figure(name: str, fig) -> None:
    """Check ``fig`` against the book's figure rules
    (:func:`~deeprec.book.figures.check_figure`), glue it for
    ``{glue:figure}`` and close it (it shows only where the text places
    it, with its number and caption)."""
    import matplotlib.pyplot as plt
    check_figure(fig)
    _display(name, fig)
    plt.close(fig)


def table(name: str, frame: pd.DataFrame, fmt: str = ".4f",
          index: bool = True) -> None:
    """Glue ``frame`` as a Markdown table for a numbered ``{table}``
    around ``{glue:md}``; floats with ``fmt``, missing values as a dash.
    Returns None (the table shows only where the text places it)."""
    from IPython.display import Markdown
    shown = frame.copy()
    if index:  # an unnamed index gets an empty header, not "index"
        shown = shown.rename_axis(
            shown.index.names if any(shown.index.names) else [""] *
            shown.index.nlevels).reset_index()
    shown = shown.astype(object).apply(lambda column: column.map(
        lambda v: _cell(v, fmt)))
    header = "| " + " | ".join(str(c) for c in shown.columns) + " |"
    rule = "|" + "|".join("---" for _ in shown.columns) + "|"
    rows = ["| " + " | ".join(r) + " |" for r in shown.to_numpy().tolist()]
    _display(name, Markdown("\n".join([header, rule, *rows])))


def _cell(value, fmt: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    shown = text(value, fmt) if isinstance(value, float) else str(value)
    return shown.replace("|", "\\|")
