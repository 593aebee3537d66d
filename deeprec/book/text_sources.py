"""The chapters' text sources, paired with the executed notebooks.

Each chapter is edited as a MyST Markdown notebook, ``chapters/NN_name.md``,
which jupytext pairs (see ``jupytext.toml`` at the repository root) with the
executed ``book/NN_name.ipynb`` that the book renders. The text copy holds
the cells (types, sources, tags and other cell metadata); only the notebook
holds the outputs, execution counts, notebook metadata and the per-cell
execution timestamps.

- :func:`pair_problems` lists how a text copy and its notebook disagree;
- :func:`sync` runs ``jupytext --sync`` on chapter files, in this process;
- :func:`strip_timestamps` drops the volatile per-cell metadata that a run
  records, so that re-executing a chapter only changes what it computes.

jupytext is a tool of the book's authors (``requirements.txt``), not a
dependency of the library: it is imported only where it is needed.
"""

from __future__ import annotations

import copy
import difflib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

#: The folders of the pair, relative to the repository root.
BOOK_DIR, TEXT_DIR = "book", "chapters"

#: The jupytext format of the text copies (as in ``jupytext.toml``).
TEXT_FORMAT = "md:myst"

#: Cell metadata that jupytext keeps out of the text copy by default (UI
#: state and run timestamps), so that a pair never disagrees on it.
UNPAIRED_CELL_METADATA = frozenset(
    {"autoscroll", "collapsed", "scrolled", "trusted", "execution",
     "ExecuteTime"})

#: Cell metadata that jupytext itself writes to steer its own format.
JUPYTEXT_CELL_METADATA = frozenset(
    {"skipline", "noskipline", "cell_marker", "lines_to_next_cell",
     "lines_to_end_of_cell_marker"})

#: Prefixes of the keys of ``cell.metadata.execution`` recorded by nbclient
#: (``iopub.status.busy``, ``shell.execute_reply``, ...).
TIMESTAMP_PREFIXES = ("iopub.", "shell.")


def chapter_pairs(root: str | Path) -> list[tuple[Path | None, Path | None]]:
    """The chapters under ``root``, as ``(md_path, ipynb_path)`` pairs.

    A chapter is a file ``NN_name`` (a number first) in ``chapters/`` as
    ``.md`` or in ``book/`` as ``.ipynb``; the side that lacks the file is
    ``None``. Pairs are sorted by name.
    """
    root = Path(root)
    text = {p.stem: p for p in (root / TEXT_DIR).glob("[0-9]*.md")}
    book = {p.stem: p for p in (root / BOOK_DIR).glob("[0-9]*.ipynb")}
    return [(text.get(stem), book.get(stem))
            for stem in sorted(set(text) | set(book))]


def _paired_metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a cell's metadata that both copies of a pair hold."""
    skip = UNPAIRED_CELL_METADATA | JUPYTEXT_CELL_METADATA
    return {key: value for key, value in metadata.items()
            if key not in skip}


def _signature(cell: Mapping[str, Any]) -> str:
    """One string for all that a pair must agree on in a cell."""
    return json.dumps([cell["cell_type"], cell["source"],
                       _paired_metadata(cell["metadata"])],
                      sort_keys=True)


def _describe(cell: Mapping[str, Any]) -> str:
    """A short name of a cell for messages: type and first line."""
    first = cell["source"].split("\n", 1)[0]
    if len(first) > 50:
        first = first[:47] + "..."
    return f"{cell['cell_type']} cell {first!r}"


def _cell_problems(where: str, md_cell: Mapping[str, Any],
                   nb_cell: Mapping[str, Any]) -> list[str]:
    """How two cells at the same place of a pair differ."""
    problems = []
    if md_cell["cell_type"] != nb_cell["cell_type"]:
        problems.append(f"{where}: cell type {md_cell['cell_type']!r} in "
                        f"the .md, {nb_cell['cell_type']!r} in the .ipynb")
    if md_cell["source"] != nb_cell["source"]:
        md_lines = md_cell["source"].split("\n")
        nb_lines = nb_cell["source"].split("\n")
        line = next((i for i, (a, b) in enumerate(zip(md_lines, nb_lines))
                     if a != b), min(len(md_lines), len(nb_lines)))
        md_line = md_lines[line] if line < len(md_lines) else "<end>"
        nb_line = nb_lines[line] if line < len(nb_lines) else "<end>"
        problems.append(f"{where}: source differs at line {line + 1}: "
                        f"{md_line!r} in the .md, {nb_line!r} in the "
                        f".ipynb")
    md_meta = _paired_metadata(md_cell["metadata"])
    nb_meta = _paired_metadata(nb_cell["metadata"])
    for key in sorted(set(md_meta) | set(nb_meta)):
        if md_meta.get(key) != nb_meta.get(key):
            problems.append(f"{where}: metadata {key!r} is "
                            f"{md_meta.get(key)!r} in the .md, "
                            f"{nb_meta.get(key)!r} in the .ipynb")
    return problems


def pair_problems(md_path: str | Path, ipynb_path: str | Path) -> list[str]:
    """How the text copy ``md_path`` and the notebook ``ipynb_path`` differ.

    Both are read with jupytext and compared cell by cell, in order: cell
    types, sources, tags and all other cell metadata, except what only the
    notebook holds (outputs, execution counts, cell ids, nbclient's
    timestamps, see :data:`UNPAIRED_CELL_METADATA`) and jupytext's own
    metadata. Cells that only one side has are reported as missing, without
    shifting the comparison of the cells after them. An empty list means
    that the pair agrees.
    """
    import jupytext

    md_path, ipynb_path = Path(md_path), Path(ipynb_path)
    md_cells = jupytext.read(md_path, fmt=TEXT_FORMAT).cells
    nb_cells = jupytext.read(ipynb_path, fmt="ipynb").cells
    name = f"{md_path.name} / {ipynb_path.name}"
    matcher = difflib.SequenceMatcher(
        a=[_signature(c) for c in md_cells],
        b=[_signature(c) for c in nb_cells], autojunk=False)
    problems = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        both = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(both):
            where = (f"{name}: cell {i1 + k + 1} of the .md, "
                     f"{j1 + k + 1} of the .ipynb")
            problems += _cell_problems(where, md_cells[i1 + k],
                                       nb_cells[j1 + k])
        for i in range(i1 + both, i2):
            problems.append(f"{name}: cell {i + 1} of the .md is missing "
                            f"from the .ipynb: {_describe(md_cells[i])}")
        for j in range(j1 + both, j2):
            problems.append(f"{name}: cell {j + 1} of the .ipynb is missing "
                            f"from the .md: {_describe(nb_cells[j])}")
    return problems


def sync(paths: Iterable[str | Path]) -> None:
    """Run ``jupytext --sync`` on the given chapter files, in this process.

    Each path may be either side of a pair (``chapters/NN_name.md`` or
    ``book/NN_name.ipynb``); jupytext finds the pairing in the
    ``jupytext.toml`` above it, takes the cells from the more recently
    modified copy and the outputs from the notebook, and rewrites the other
    copy. Raises :class:`RuntimeError` if jupytext reports a failure.
    """
    from jupytext.cli import jupytext as jupytext_cli

    args = [str(Path(p)) for p in paths]
    if not args:
        return
    status = jupytext_cli(["--sync", "--quiet", *args])
    if status:
        raise RuntimeError(f"jupytext --sync failed ({status}) on {args}")


def strip_timestamps(nb: Any) -> Any:
    """A copy of notebook ``nb`` without the per-cell run timestamps.

    Removes the ``iopub.*`` and ``shell.*`` entries that nbclient records in
    ``cell.metadata.execution`` (and that key when nothing else is left in
    it), and the ``ExecuteTime`` metadata of the classic notebook's
    ExecuteTime extension. ``nb`` is a notebook as :mod:`nbformat` reads it
    (or the plain dict of its JSON); it is not modified.
    """
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        metadata = cell.get("metadata", {})
        metadata.pop("ExecuteTime", None)
        execution = metadata.get("execution")
        if isinstance(execution, dict):
            for key in [k for k in execution
                        if k.startswith(TIMESTAMP_PREFIXES)]:
                del execution[key]
            if not execution:
                del metadata["execution"]
    return nb
