"""Check an executed chapter against the book's truth rules.

:func:`lint` lists every problem of one notebook: a number typed into the
prose (:func:`deeprec.book.prose.unbound_numbers`), a glue name the text
pastes but no cell glued, a figure shown without a number and caption, a
figure or table directive without a label or caption, and page clutter
(a printed headline, an object repr, a raw NaN, a progress-bar widget).
"""

from __future__ import annotations

import re

from deeprec.book.glue import GLUE_PREFIX
from deeprec.book.prose import unbound_numbers

_PASTE_ROLE = re.compile(r"\{glue(?::text|:md|:any|:)?\}`([^`:]+)(?::[^`]*)?`")
_PASTE_DIRECTIVE = re.compile(r"^(```+|:::+)\{glue(?::figure|:md|:math|:any|:)?"
                              r"\}\s+(\S+)", re.M)
_DIRECTIVE = re.compile(r"^(```+|:::+)\{(glue:figure|table)\}(.*)$", re.M)
_CLUTTER = {"HEADLINE {": "a printed HEADLINE line",
            " object at 0x": "an object repr",
            "Styler object": "a pandas Styler repr"}


def glued_names(nb) -> set[str]:
    """Names every code cell of ``nb`` glued."""
    names = set()
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            scrap = out.get("metadata", {}).get("scrapbook")
            if scrap:
                names.add(scrap["name"])
    return names


def pasted_names(markdown: str) -> set[str]:
    """Names the Markdown pastes with a glue role or directive."""
    return ({m.group(1) for m in _PASTE_ROLE.finditer(markdown)}
            | {m.group(2) for m in _PASTE_DIRECTIVE.finditer(markdown)})


def _directive_problems(markdown: str) -> list[str]:
    """A ``{glue:figure}`` or ``{table}`` without ``:name:`` or caption."""
    problems = []
    lines = markdown.splitlines()
    for number, line in enumerate(lines):
        m = _DIRECTIVE.match(line)
        if not m:
            continue
        fence, kind = m.group(1), m.group(2)
        body = []
        for rest in lines[number + 1:]:
            if rest.startswith(fence[:3]) and rest.strip() in (fence, "```",
                                                               ":::"):
                break
            body.append(rest)
        named = any(re.match(r"\s*:name:\s*\S", b) for b in body)
        caption = (m.group(3).strip() if kind == "table" else " ".join(
            b for b in body if b.strip() and not b.lstrip().startswith(":")
        ).strip())
        if not named:
            problems.append(f"{kind} {line.strip()!r} has no :name: label")
        if not caption:
            problems.append(f"{kind} {line.strip()!r} has no caption")
    return problems


def _output_text(out) -> str:
    text = out.get("text", "")
    data = out.get("data", {})
    parts = [text] + [data.get(k, "") for k in ("text/plain", "text/html")]
    return "".join("".join(p) if isinstance(p, list) else p for p in parts)


def _output_problems(cell) -> list[str]:
    problems = []
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if "image/png" in data and not out.get("metadata", {}).get(
                "scrapbook"):
            problems.append("a figure shown without a number and caption "
                            "(glue it: dr.book.figure)")
        if "application/vnd.jupyter.widget-view+json" in data and not (
                "widget" in cell.get("metadata", {}).get("tags", [])):
            problems.append("a widget output (a progress bar?) stored on "
                            "the page (tag the cell 'widget' if it is an app)")
        if any(k.startswith(GLUE_PREFIX) for k in data):
            continue
        text = _output_text(out)
        for needle, what in _CLUTTER.items():
            if needle in text:
                problems.append(f"{what} on the page")
        if re.search(r"(?<![\w])NaN(?![\w])", text):
            problems.append("a raw NaN on the page (show a dash or a word)")
    return problems


def lint(nb) -> list[str]:
    """Every truth-rule problem of the executed notebook ``nb``."""
    problems, pasted = [], set()
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            pasted |= pasted_names(cell.source)
            problems += [f"number typed in the prose: {n} (glue it, or add a "
                         f"fixed fact to deeprec.book.prose.FACTS)"
                         for n in unbound_numbers(cell.source)]
            problems += _directive_problems(cell.source)
        elif cell.cell_type == "code":
            problems += _output_problems(cell)
    problems += [f"the text pastes {name!r}, which no cell glued"
                 for name in sorted(pasted - glued_names(nb))]
    problems += [f"{name!r} is glued more than once (the book shows one of "
                 f"them)" for name in _glued_twice(nb)]
    return problems


def _glued_twice(nb) -> list[str]:
    """Names glued by more than one output (myst-nb warns, the page shows
    only one)."""
    seen, twice = set(), set()
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            scrap = out.get("metadata", {}).get("scrapbook")
            if scrap:
                (twice if scrap["name"] in seen else seen).add(scrap["name"])
    return sorted(twice)


def lint_chapters(paths) -> bool:
    """Print every problem of each executed chapter (``python -m deeprec
    book lint``); True if there is none."""
    import nbformat
    clean = True
    for path in paths:
        problems = lint(nbformat.read(path, as_version=4))
        clean = clean and not problems
        print(f"{path}: " + ("clean" if not problems else
                             f"{len(problems)} problems"))
        for problem in problems:
            print(f"  {problem}")
    return clean
