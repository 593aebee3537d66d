"""Student versions of the chapters: solutions replaced by checked stubs
(``python -m deeprec book student``)."""

from __future__ import annotations

def _directive(cell, name: str) -> bool:
    return (cell.get("cell_type") == "markdown"
            and "".join(cell.get("source", "")).lstrip().startswith(
                "```{" + name))


def student_version(notebook: dict) -> dict:
    """A copy of a chapter for students: every solution block (from its
    ``solution-start`` cell to its ``solution-end`` cell) is replaced by one
    code cell that fails clearly until the student writes an answer — and,
    where the block declares its answers (see :mod:`deeprec.book.exercises`),
    checks them against the hidden solution. All outputs are cleared (the
    student runs the chapter)."""
    import copy

    import nbformat

    from deeprec.book.exercises import stub_source
    nb = copy.deepcopy(notebook)
    cells, block = [], None
    for cell in nb["cells"]:
        if _directive(cell, "solution-start"):
            label = "".join(cell["source"]).split("}", 1)[1].split("\n")[0]
            answers = cell.get("metadata", {}).get("deeprec", {}).get(
                "check", [])
            block = (label.strip(), answers, [])
            continue
        if block is not None:
            if _directive(cell, "solution-end"):
                label, answers, code = block
                cells.append(nbformat.v4.new_code_cell(
                    stub_source(label, "\n\n".join(code), answers),
                    metadata={"tags": ["raises-exception"]}))
                block = None
            elif cell.get("cell_type") == "code":
                block[2].append("".join(cell["source"]))
            continue
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
    if block is not None:
        raise ValueError(f"solution {block[0]!r} has no solution-end cell")
    nb["cells"] = cells
    nb.get("metadata", {}).pop("widgets", None)
    return nb


def write_student_versions(paths, out_dir) -> list:
    """Write the student version of each chapter in ``paths`` into
    ``out_dir`` (same file names); returns the written paths."""
    from pathlib import Path

    import nbformat

    from deeprec.utils import atomic_path
    written = []
    for path in map(Path, paths):
        nb = student_version(nbformat.read(path, as_version=4))
        target = Path(out_dir) / path.name
        with atomic_path(target) as tmp:
            nbformat.write(nbformat.from_dict(nb), str(tmp))
        written.append(target)
    return written
