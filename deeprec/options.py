"""Command-line options made from the config dataclasses.

One option per config field (``num_epochs`` -> ``--num-epochs``, with the
field's doc as help) and ``--set field=value``. Options have no defaults
of their own: an unset option leaves the recipe's value, so no default is
written twice. Values are parsed by the field's type and then validated by
the config itself (:class:`~deeprec.config.ConfigError`).
"""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass, replace

from deeprec.config import ConfigError, field_docs, integer, number, validate
from deeprec.data import DATASETS
from deeprec.models import (AutoRecConfig, BiasConfig, DeepAEConfig,
                            GLocalKConfig, KNNConfig, MFConfig)
from deeprec.train import (ClosedFormConfig, GLocalKTrainConfig,
                           MFTrainConfig, TrainConfig)

SPLITS = ("u1", "u2", "u3", "u4", "u5", "random", "time", "full", "3months",
          "6months", "1year")


@dataclass
class DataConfig:
    """Which data a run trains and is evaluated on.

    Attributes:
        dataset: a data set name (quick mode uses the synthetic one).
        split: u1..u5 (ML-100K folds), random (90/10), time (last 30
            days), or a Netflix split: full, 3months, 6months, 1year.
        valid_fraction: share of the training ratings carved out for
            validation (it chooses the kept epoch), in [0, 1).
        seed: seed of the split's random parts and of the run.
    """

    dataset: str = "ml-100k"
    split: str = "u1"
    valid_fraction: float = 0.05
    seed: int = 0

    def __post_init__(self):
        validate(self, dataset=(lambda v: v in DATASETS,
                                "one of " + ", ".join(DATASETS)),
                 split=(lambda v: v in SPLITS, "one of " + ", ".join(SPLITS)),
                 valid_fraction=number(0, 1), seed=integer(0))


#: Every config class whose fields become options.
CONFIGS = (DataConfig, TrainConfig, GLocalKTrainConfig, MFTrainConfig,
           ClosedFormConfig, AutoRecConfig, DeepAEConfig, GLocalKConfig,
           MFConfig, BiasConfig, KNNConfig)
#: Fields set from the data, by the seed option, or by global options.
NOT_OPTIONS = {"num_inputs", "num_rows", "num_users", "num_items",
               "global_mean", "seed", "progress", "device"}
#: Short names kept from earlier versions of the command line.
ALIASES = {"num_epochs": ["--epochs"], "hidden_dims": ["--layers"],
           "hidden_dim": ["--hidden"]}


def option(name: str) -> str:
    """The option of field ``name``: ``--num-epochs``."""
    return "--" + name.replace("_", "-")


def _fields() -> dict[str, tuple[type, str, str]]:
    """field name -> (the first config class that has it, its type, its
    doc; where configs document it differently, each doc with its
    class)."""
    found, docs = {}, {}
    for cls in CONFIGS:
        cls_docs = field_docs(cls)
        for f in dataclasses.fields(cls):
            if f.name in NOT_OPTIONS:
                continue
            found.setdefault(f.name, (cls, str(f.type)))
            doc = cls_docs.get(f.name, "")
            if doc and not doc.startswith("as in"):
                docs.setdefault(f.name, {}).setdefault(doc, cls.__name__)
    out = {}
    for name, (cls, kind) in found.items():
        texts = docs.get(name, {})
        doc = (next(iter(texts)) if len(texts) == 1 else "; ".join(
            f"{c}: {d.rstrip('.')}" for d, c in texts.items()))
        out[name] = (cls, kind, doc)
    return out


def add_config_options(parser: argparse.ArgumentParser,
                       runs: bool = True) -> None:
    """Add one option per config field (only the data's without ``runs``)
    and ``--set`` to ``parser``."""
    group = parser.add_argument_group(
        "run settings (unset: the recipe's value; see --show-config)"
        if runs else "data")
    for name, (cls, kind, doc) in _fields().items():
        if not runs and cls is not DataConfig:
            continue
        meta = "N,N,..." if kind.startswith("tuple") else kind.split(" ")[0]
        group.add_argument(option(name), *ALIASES.get(name, []),
                           dest=f"field_{name}", default=None,
                           metavar=meta.upper(), help=doc or None)
    if runs:
        group.add_argument(
            "--set", action="append", default=[], metavar="[RECIPE.]FIELD=V",
            help="set any config field by its name; RECIPE. sets it in that "
                 "recipe's run only (e.g. deep-ae-user.num_epochs=100)")


def parse_value(name: str, text: str, kind: str):
    """``text`` as a value of field ``name`` of type ``kind``; a
    :class:`ConfigError` names the option when it is not one."""
    text = text.strip()
    base = kind.split(" | ")[0]
    try:
        if base == "bool":
            flag = text.lower()
            if flag not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            return flag in ("true", "1", "yes")
        if base == "int":
            return int(text)
        if base == "float":
            return float(text)
        if base.startswith("tuple"):
            item = int if "int" in base else float
            return tuple(item(t) for t in text.split(",")) if text else ()
        return text
    except ValueError:
        allowed = {"bool": "true or false", "int": "an integer",
                   "float": "a number"}.get(base, f"a value of type {base}")
        if base.startswith("tuple"):
            allowed = "comma-separated numbers, e.g. 512,512,1024"
        raise ConfigError(option(name), text, allowed) from None


def overrides(args: argparse.Namespace) -> dict[str, object]:
    """The fields the command line sets: ``{name: value}``, where a name
    ``recipe.field`` (from ``--set``) is meant for that recipe only."""
    known = _fields()
    found = {name: getattr(args, f"field_{name}") for name in known
             if getattr(args, f"field_{name}", None) is not None}
    for item in getattr(args, "set", []):
        name, sep, value = item.partition("=")
        name = name.strip().replace("_", "-")
        recipe, dot, field = name.rpartition(".")
        field = field.replace("-", "_")
        if not sep or field not in known:
            raise ConfigError("--set", item, "[RECIPE.]FIELD=VALUE with a "
                              "field of the configs (see --show-config)")
        found[f"{recipe}.{field}" if dot else field] = value
    return {name: parse_value(name.rpartition(".")[2], str(value),
                              known[name.rpartition(".")[2]][1])
            for name, value in found.items()}


def apply(config, values: dict[str, object], used: set[str]):
    """``config`` with the fields it has from ``values`` (their names are
    added to ``used``); a bad value raises a :class:`ConfigError` naming
    the option."""
    names = {f.name for f in dataclasses.fields(config)}
    mine = {k: v for k, v in values.items() if k in names}
    used.update(mine)
    try:
        return replace(config, **mine)
    except ConfigError as error:
        raise ConfigError(option(error.field), error.value,
                          error.allowed) from None
