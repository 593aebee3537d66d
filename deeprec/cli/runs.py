"""The commands that train: ``train`` (one recipe) and ``study`` (a paper
study, resumable)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

import deeprec as dr
from deeprec.cli.common import UsageError, load_data
from deeprec.config import ConfigError, as_dict
from deeprec.options import DataConfig, apply, option, overrides
from deeprec.studies import recipes
from deeprec.train import is_writer


def recipe_name(run: dr.Run) -> str | None:
    """The name of the recipe ``run`` is, if it is one unchanged."""
    for name, r in recipes.RECIPES.items():
        if (r.label, r.model, r.train) == (run.label, run.model, run.train):
            return name
    return None


def configure(runs: list[dr.Run], values: dict, used: set,
              args: argparse.Namespace) -> list[dr.Run]:
    """The runs with the options' fields (``recipe.field`` ones for that
    recipe's run only), device and progress applied."""
    plain = {k: v for k, v in values.items() if "." not in k}
    out = []
    for run in runs:
        name = recipe_name(run)
        mine = {k.split(".", 1)[1]: v for k, v in values.items()
                if "." in k and k.split(".", 1)[0] == name}
        own = set()
        train = apply(run.train, {**plain, **mine}, own)
        model = apply(run.model, {**plain, **mine}, own)
        used.update(f"{name}.{k}" if k in mine else k for k in own)
        train = replace(train, progress=not args.no_progress,
                        **({"device": args.device} if args.device else {}))
        out.append(dr.Run(run.label, model, train))
    return out


def check_used(values: dict, used: set, what: str) -> None:
    unused = sorted(set(values) - used - set(DataConfig.__dataclass_fields__))
    if unused:
        names = [f"--set {n}" if "." in n else option(n) for n in unused]
        raise UsageError(f"{', '.join(names)} does not apply to {what}")


def show_config(runs: list[dr.Run]) -> None:
    for run in runs:
        print(json.dumps({"label": run.label, "model": as_dict(run.model),
                          "train": as_dict(run.train)}, default=list))


def check_save(target: str, run: dr.Run, name: str) -> None:
    """Refuse a ``--save`` that cannot be written, before training."""
    from deeprec.studies import is_closed_form
    if is_closed_form(run.model):
        raise UsageError(f"--save: {name} is fitted in closed form from "
                         f"the data; there is nothing to save")
    path = Path(target)  # a file, or a (new) folder: its parent must exist
    if not path.is_dir() and not path.parent.is_dir():
        raise UsageError(f"--save {target}: folder {path.parent} does not "
                         f"exist")


def save_path(target: str, name: str, data: dr.RatingData) -> Path:
    """Where ``--save`` writes: a file, or a file named after the run and
    the data in a folder (an existing one, or one given with a trailing
    slash, made now)."""
    path = Path(target)
    if path.is_dir() or target.endswith(("/", os.sep)):
        path.mkdir(exist_ok=True)
        return path / f"{name}-{data.name.replace('/', '-')}.pt"
    return path


def train(args: argparse.Namespace) -> int:
    """Train one recipe and print its result row."""
    from deeprec import studies
    values, used = overrides(args), set()
    runs = configure([recipes.recipe(args.model)], values, used, args)
    check_used(values, used, f"--model {args.model} ("
               f"{type(runs[0].model).__name__}, "
               f"{type(runs[0].train).__name__})")
    apply(DataConfig(seed=args.seed), values, set())  # validate it first
    if args.show_config:
        show_config(runs)
        return 0
    run = runs[0]
    if args.save:
        check_save(args.save, run, args.model)
    data = load_data(args, values, used)
    target = save_path(args.save, args.model, data) if args.save else None
    key = studies.run_key(run, data, args.seed)
    model, record = studies.train_run(run.resolved(data, args.seed), data,
                                      key, progress=not args.no_progress)
    row = record["summary"]
    keep = ("model", "dataset", "device", "best_epoch", "valid_rmse",
            "test_rmse", "diverged", "seconds", "key")
    print(json.dumps({k: _json_value(row[k]) for k in keep if k in row},
                     default=str))
    if row["diverged"]:
        saved = "" if args.save_diverged else "; nothing saved"
        print(f"error: the run diverged (a loss became NaN/inf at epoch "
              f"{row['epochs_run']}){saved}", file=sys.stderr)
    else:
        print(f"test RMSE: {row['test_rmse']:.4f}")
    if target is not None and is_writer() and (
            args.save_diverged or not row["diverged"]):
        dr.save_model(model, target, {"key": key,
                                      "test_rmse": row["test_rmse"]})
        print(f"saved to {target}")
    return 3 if row["diverged"] else 0


def _json_value(value):
    """A JSON-safe value (NaN and inf become null)."""
    if isinstance(value, float) and (value != value or abs(value) == float(
            "inf")):
        return None
    return value


def check_seeds(args: argparse.Namespace) -> tuple[int, ...]:
    """The comparison's seeds: distinct integers >= 0 (default: the
    recipes' SEEDS); refused for other studies."""
    if args.seeds is None:
        return recipes.SEEDS
    if args.name != "comparison":
        raise UsageError(f"--seeds applies to study comparison only (study "
                         f"{args.name} trains with --seed)")
    if len(set(args.seeds)) != len(args.seeds) or min(args.seeds) < 0:
        raise ConfigError("--seeds", " ".join(map(str, args.seeds)),
                          "distinct integers >= 0")
    return tuple(args.seeds)


def study(args: argparse.Namespace) -> int:
    """Run a paper study at any scale and save its tables (resumable)."""
    from deeprec import studies
    values, used = overrides(args), set()
    seeds = check_seeds(args)
    apply(DataConfig(seed=args.seed), values, set())  # validate it first
    if args.name == "comparison" and not args.out and not args.show_config:
        raise UsageError("study comparison saves its trained models: give "
                         "a results folder with --out DIR")
    if args.name == "comparison" and any(
            "." not in k and k not in DataConfig.__dataclass_fields__
            for k in values):
        raise UsageError("study comparison trains different models: an "
                         "option would change that field in all of them; "
                         "name the recipe, e.g. --set "
                         "deep-ae-user.num_epochs=100")
    if args.name in studies.AUTOREC_STUDIES:
        runs = studies.AUTOREC_STUDIES[args.name]()
    elif args.name in studies.DEEP_STUDIES:
        runs = studies.DEEP_STUDIES[args.name]()
    else:
        runs = None
    data = None if runs is not None and args.show_config else load_data(
        args, values, used)
    if runs is None:
        runs = studies.comparison_runs(data)
    runs = configure(runs, values, used, args)
    check_used(values, used, f"any run of study {args.name}")
    if args.show_config:
        show_config(runs)
        return 0
    if args.name == "comparison":
        result = studies.comparison_study(data, runs, args.out, seeds,
                                          progress=not args.no_progress,
                                          device=args.device)
        print(studies.seed_summary(result.summary).round(4).to_string())
        pooled = studies.blend_rows(studies.with_seeds(runs, seeds),
                                    data, args.out, pool_seeds=True,
                                    device=args.device)
        print(f"blend pooled over seeds {list(seeds)}: valid "
              f"{pooled.valid_rmse.iloc[0]:.4f}, test "
              f"{pooled.test_rmse.iloc[0]:.4f}")
    else:
        result = dr.run_study(runs, data, args.out, args.seed,
                              progress=not args.no_progress)
    labels = [c for c in result.summary.columns if not c.startswith(
        ("model.", "train.")) and c not in ("key", "version")]
    print(result.summary[labels].to_string(index=False))
    print(result.record())
    if args.out:
        print(f"saved to {args.out}/summary.csv and history.csv")
    diverged = result.summary["diverged"].fillna(False).astype(bool)
    if diverged.any():
        print(f"error: {int(diverged.sum())} run(s) diverged (a loss became "
              f"NaN/inf; their rows are kept, their weights not saved)",
              file=sys.stderr)
        return 3
    return 0
