"""Which numbers a chapter's prose may type: the reviewed allow-list.

Every result a chapter states is glued from its own outputs
(:mod:`deeprec.book.glue`). The prose may type only the fixed facts
below; :func:`unbound_numbers` lists every other number in a chapter's
Markdown, and ``tests/test_book.py`` fails on any.
"""

from __future__ import annotations

import re

#: Numbers the prose may type, each a fixed fact (never a result).
FACTS: dict[str, str] = {
    # the data sets (MovieLens and Netflix as published)
    "100,000": "ML-100K ratings", "943": "ML-100K users",
    "1,682": "ML-100K movies", "80,000": "ML-100K u1..u5 training ratings",
    "20,000": "ML-100K u1..u5 test ratings", "1,000,209": "ML-1M ratings",
    "6,040": "ML-1M users", "3,706": "ML-1M rated movies",
    "17,770": "Netflix movies", "480,189": "Netflix users",
    "100,480,507": "Netflix ratings",
    # the papers' settings (deeprec.paper, deeprec.studies.recipes)
    "500": "AutoRec's hidden units", "200": "AutoRec's epochs here",
    "600": "the deep AE studies' epochs", "300": "the comparison's epochs",
    "128": "deep AE layer width", "256": "deep AE layer width",
    "512": "deep AE layer width", "1024": "deep AE layer width",
    "1,000": "largest AutoRec hidden layer", "0.001": "a paper learning rate",
    "0.005": "a paper learning rate", "0.05": "a paper learning rate",
    "0.8": "the deep AE paper's drop probability", "0.9": "momentum",
    "0.02": "scikit-surprise's SVD penalty", "100": "scikit-surprise's factors",
    "15": "scikit-surprise's user shrinkage", "50": "min ratings for a list",
    "20": "scikit-surprise SVD's epochs",
    "32": "batch size", "90": "AutoRec's 90/10 random split",
    "30": "days the time split holds out", "60": "days in an exercise",
    "40": "rows drawn in chapter 1's corner", "80": "columns drawn there",
    "95": "95% confidence intervals (the conventional level)",
}
#: Integers 0..10 count things in words ("two layers", ratings 1 to 5).
SMALL = 10
#: A number right after one of these words names something: the papers'
#: own figures, tables and sections, a year.
NAMING = re.compile(r"(?:Figure|Fig\.|Table|Section|Eq\.|Algorithm|"
                    r"Exercise|fold|version|v)\s*$")
YEAR = re.compile(r"(?:19|20)\d\d")

_CODE_FENCE = re.compile(r"^(```+|~~~+)(.*)$")
_NUMBER = re.compile(r"(?<![\w@.\-/+^_])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?%?"
                     r"(?![\w\-/@]|\.\d)")


def prose_text(markdown: str) -> str:
    """The words of a Markdown cell a reader reads as prose: code, math,
    roles (glue, cite, ref), link targets, labels and directive options
    removed; directive arguments (captions) and bodies kept."""
    text = re.sub(r"<!--.*?-->", " ", markdown, flags=re.S)
    out, fence = [], None
    for line in text.splitlines():
        m = _CODE_FENCE.match(line.strip())
        if fence:
            if m and m.group(1) == fence[0] and not m.group(2).strip():
                fence = None
            elif fence[1]:
                out.append(line)
            continue
        if m:
            info = m.group(2).strip()
            kind = info.split("}")[0].lstrip("{") if info.startswith("{") \
                else None
            prose = kind is not None and kind not in (
                "literalinclude", "code-block", "code", "code-cell", "math")
            fence = (m.group(1), prose)
            if prose:  # the directive's argument: a caption or title
                out.append(info.split("}", 1)[1] if "}" in info else "")
            continue
        out.append(line)
    text = "\n".join(l for l in out if not re.match(r"\s*:[\w-]+:", l))
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"(?<!\\)\$[^$\n]+\$", " ", text)
    text = re.sub(r"\{[\w:-]+\}`[^`]*`", " ", text)
    text = re.sub(r"`[^`\n]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"https?://\S+", " ", text)
    return re.sub(r"^\([\w-]+\)=\s*$", " ", text, flags=re.M)


def unbound_numbers(markdown: str) -> list[str]:
    """Numbers in the prose of ``markdown`` that are neither glued nor a
    fixed fact (:data:`FACTS`, small counts, years, named figures)."""
    text = prose_text(markdown)
    found = []
    for m in _NUMBER.finditer(text):
        token = m.group(0).rstrip("%")
        if token in FACTS or YEAR.fullmatch(token):
            continue
        if not m.group(2) and int(m.group(1).replace(",", "")) <= SMALL:
            continue
        if NAMING.search(text[max(0, m.start() - 12):m.start()]):
            continue
        found.append(m.group(0))
    return found
