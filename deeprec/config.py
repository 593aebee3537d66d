"""Typed configs: validation of their fields and the docs of each field.

Every config of the library (models, training, data) is a dataclass whose
``__post_init__`` calls :func:`validate` with one rule per field. A bad
value raises :class:`ConfigError`, which names the field, the value and
what is allowed; the command line turns it into one line and exit code 2.
"""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any, Callable, Iterable


class ConfigError(ValueError):
    """A config field holds a value outside what it allows."""

    def __init__(self, field: str, value: Any, allowed: str):
        self.field, self.value, self.allowed = field, value, allowed
        shown = (f"{field} {value}" if field.startswith("-")
                 else f"{field} = {value!r}")
        super().__init__(f"{shown}: must be {allowed}")


Rule = Callable[[Any], bool]


#: A bool (not 0 or 1).
BOOL = ((lambda v: isinstance(v, bool)), "true or false")


def integer(low: int = 0) -> tuple[Rule, str]:
    """An int (not a bool) of at least ``low``."""
    return (lambda v: isinstance(v, int) and not isinstance(v, bool)
            and v >= low), f"an integer >= {low}"


def number(low: float = 0.0, high: float = math.inf, low_open=False,
           high_open=True) -> tuple[Rule, str]:
    """A finite real number in the given interval."""
    def rule(v) -> bool:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return False
        if not math.isfinite(v) and not (v == high == math.inf):
            return False
        above = v > low if low_open else v >= low
        below = v < high if high_open else v <= high
        return above and below
    left, right = "(" if low_open else "[", ")" if high_open else "]"
    text = (f"a finite number > {low:g}" if high == math.inf and low_open
            else f"a finite number >= {low:g}" if high == math.inf
            else f"a number in {left}{low:g}, {high:g}{right}")
    return rule, text


def one_of(choices: Iterable[str]) -> tuple[Rule, str]:
    """One of the given names."""
    choices = tuple(choices)
    return (lambda v: v in choices), "one of " + ", ".join(choices)


def sizes(low: int = 1) -> tuple[Rule, str]:
    """A non-empty tuple of integers >= ``low`` (layer sizes)."""
    return (lambda v: isinstance(v, tuple) and len(v) > 0 and all(
        isinstance(d, int) and not isinstance(d, bool) and d >= low
        for d in v)), f"one or more integers >= {low}, e.g. 512,512,1024"


def optional(rule: tuple[Rule, str]) -> tuple[Rule, str]:
    """None (filled in later, e.g. from the data) or ``rule``."""
    check, text = rule
    return (lambda v: v is None or check(v)), f"{text} (or unset)"


def validate(config, **rules: tuple[Rule, str]) -> None:
    """Raise :class:`ConfigError` for the first field breaking its rule.

    Lists given for tuple fields (from JSON or YAML) become tuples first.
    """
    for name, (rule, allowed) in rules.items():
        value = getattr(config, name)
        if isinstance(value, list):
            value = tuple(value)
            object.__setattr__(config, name, value)
        if not rule(value):
            raise ConfigError(name, value, allowed)


def field_docs(cls) -> dict[str, str]:
    """Each field's one-line doc from the ``Attributes:`` section of a
    Google-style class docstring (for command-line help)."""
    doc = cls.__doc__ or ""
    body = doc.split("Attributes:", 1)[1] if "Attributes:" in doc else ""
    docs, current = {}, None
    for line in body.splitlines():
        match = re.match(r"^\s{4,8}([a-z0-9_, ]+):\s*(.*)$", line)
        if match:
            current = [n.strip() for n in match.group(1).split(",")]
            for name in current:
                docs[name] = match.group(2).strip()
        elif current and line.strip():
            for name in current:
                docs[name] += " " + line.strip()
        elif not line.strip():
            current = None
    fields = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in docs.items() if k in fields}


def as_dict(config) -> dict:
    """``asdict`` of a config, with its class name under ``"type"``."""
    return {"type": type(config).__name__, **dataclasses.asdict(config)}
