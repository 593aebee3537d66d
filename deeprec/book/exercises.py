"""Exercise checks for the student version of the book.

A chapter's solution block may declare what its answer is, in the metadata
of its ``solution-start`` cell::

    {"deeprec": {"check": [{"name": "share",
                            "expect": "(per_item_train < 10).mean()",
                            "about": "the fraction of training items ..."}]}}

``python -m deeprec book student`` turns each solution block into a stub
cell: ``share = ...`` followed by :func:`check`, which carries the hidden
solution (compressed). :func:`check` re-runs that solution quietly on a copy
of the student's namespace, evaluates each ``expect`` there and compares it
with the student's variable, without printing the reference value. An
answer still left as ``...`` raises :class:`NotImplementedError`; a wrong
one raises :class:`AssertionError`.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import zlib
from typing import Any

#: Tolerances used when an answer does not set its own.
RTOL, ATOL = 1e-3, 1e-6


def encode(solution: str, answers: list[dict]) -> str:
    """The hidden payload of a stub: solution code and answer specs."""
    raw = json.dumps({"code": solution, "answers": answers}).encode()
    return base64.b64encode(zlib.compress(raw, 9)).decode()


def decode(key: str) -> dict:
    """The payload written by :func:`encode`."""
    return json.loads(zlib.decompress(base64.b64decode(key)))


def stub_source(label: str, solution: str, answers: list[dict]) -> str:
    """The code a student sees in place of a solution block."""
    if not answers:
        return (f"# Exercise {label}: your answer here (this one is a "
                f"discussion: compare with the book's solution).\n"
                f"raise NotImplementedError(\"exercise {label} is not "
                f"solved yet: replace this cell with your answer\")")
    lines = [f"# Exercise {label}: compute"]
    lines += [f"#   {a['name']}: {a['about']}" for a in answers]
    lines += ["# then run this cell. check() re-runs the book's hidden "
              "solution to compare",
              "# (it takes as long as the solution does) and never prints "
              "the answer.", ""]
    lines += [f"{a['name']} = ..." for a in answers]
    lines += ["", "import deeprec as dr",
              f"dr.exercises.check({label!r}, globals(),",
              f"                   {encode(solution, answers)!r})"]
    return "\n".join(lines)


@contextlib.contextmanager
def _quietly():
    """No printed output and no figures while the reference runs."""
    import matplotlib.pyplot as plt
    before, show = set(plt.get_fignums()), plt.show
    plt.show = lambda *args, **kwargs: None
    try:
        with contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        plt.show = show
        for number in set(plt.get_fignums()) - before:
            plt.close(number)


def _numbers(value) -> Any:
    """A float array of ``value`` (numbers, tensors, arrays, lists)."""
    import numpy as np
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=float)


def close(got, expected, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """Whether an answer matches the reference: equal strings and
    booleans, numbers within tolerance, pandas objects aligned on their
    labels first, dicts key by key."""
    import numpy as np
    import pandas as pd
    if isinstance(expected, (str, bool)):
        return got == expected
    if isinstance(expected, dict):
        return (isinstance(got, dict) and set(got) == set(expected)
                and all(close(got[k], v, rtol, atol)
                        for k, v in expected.items()))
    if isinstance(expected, (pd.Series, pd.DataFrame)):
        if type(got) is not type(expected) or not got.index.sort_values(
        ).equals(expected.index.sort_values()):
            return False
        got = got.reindex(expected.index)
        if isinstance(expected, pd.Series):
            got, expected = got.to_frame("x"), expected.to_frame("x")
        if set(got.columns) != set(expected.columns):
            return False
        return all(
            close(got[c].to_numpy(), expected[c].to_numpy(), rtol, atol)
            if pd.api.types.is_numeric_dtype(expected[c])
            else got[c].tolist() == expected[c].tolist()
            for c in expected.columns)
    try:
        a, b = _numbers(got), _numbers(expected)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol,
                                                   atol=atol,
                                                   equal_nan=True))


def check(label: str, namespace: dict, key: str) -> bool:
    """Compare the student's answers in ``namespace`` with the reference
    solution hidden in ``key``; print one line per answer.

    Raises:
        NotImplementedError: an answer is still ``...``.
        AssertionError: an answer is not right (the reference is not shown).
    """
    payload = decode(key)
    answers = payload["answers"]
    missing = [a["name"] for a in answers
               if namespace.get(a["name"], ...) is ...]
    if missing:
        raise NotImplementedError(
            f"exercise {label} is not solved yet: set {', '.join(missing)}")
    reference = dict(namespace)
    with _quietly():
        exec(compile(payload["code"], f"<solution of {label}>", "exec"),
             reference)
    wrong = []
    for a in answers:
        expected = eval(a["expect"], reference)
        ok = close(namespace[a["name"]], expected, a.get("rtol", RTOL),
                   a.get("atol", ATOL))
        print(f"{'right' if ok else 'not right yet'}: {a['name']} "
              f"({a['about']})")
        if not ok:
            wrong.append(a["name"])
    if wrong:
        raise AssertionError(f"exercise {label}: {', '.join(wrong)} "
                             f"{'is' if len(wrong) == 1 else 'are'} not "
                             f"right yet; look again at what the question "
                             f"asks")
    print(f"exercise {label}: solved")
    return True
