"""Command line: ``python -m deeprec {train,study,stats,fetch,book,bench}``.

Examples::

    python -m deeprec train --model i-autorec --dataset ml-100k --split u1
    python -m deeprec train --model deep-ae --lr 0.005 --refeed 1 \\
        --device cuda --save models/
    python -m deeprec train --model biased-mf --quick --show-config
    python -m deeprec study autorec-hidden --split u2 --out results/hid

Every run starts from a recipe (``deeprec.studies.recipes``); options set
its config fields (``--num-epochs 50``, ``--set lr=0.01``). A bad value
gets one line and exit code 2; a library error (missing data, no CUDA)
one line and exit code 1 (``--debug`` shows the traceback); a diverged
run exit code 3.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from dataclasses import replace
from pathlib import Path

import deeprec as dr
from deeprec.config import ConfigError, as_dict
from deeprec.options import (DataConfig, add_config_options, apply, option,
                             overrides)
from deeprec.scale import QUICK_ENV, current_scale
from deeprec.studies import recipes

STUDIES = ["autorec-orientation", "autorec-activations", "autorec-hidden",
           "activations", "overfitting", "depth", "dropout", "refeeding",
           "comparison"]


class UsageError(Exception):
    """A command-line mistake: one line, exit code 2."""


def load_data(args: argparse.Namespace, values: dict, used: set
              ) -> dr.RatingData:
    """The data the options ask for, at the current scale."""
    config = apply(DataConfig(seed=args.seed), values, used)
    config = replace(config, dataset=current_scale().dataset(config.dataset))
    split = dr.load_split(config.dataset, config.split, config.seed,
                          config.valid_fraction)
    data = dr.RatingData(split)
    print(data, file=sys.stderr)
    return data


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
    if target is not None and (args.save_diverged or not row["diverged"]):
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


def stats(args: argparse.Namespace) -> int:
    """Table 1 statistics of a split."""
    values, used = overrides(args), set()
    data = DataConfig(seed=args.seed)
    data = apply(data, values, used)
    split = dr.load_split(current_scale().dataset(data.dataset), data.split,
                          data.seed, data.valid_fraction)
    print(split.name)
    print(dr.dataset_stats(split).to_string())
    return 0


def fetch(args: argparse.Namespace) -> int:
    print(dr.data.dataset_folder(args.dataset))
    return 0


def book(args: argparse.Namespace) -> int:
    """``run``: execute chapters in place at full scale; ``check``:
    re-execute into a temporary folder and compare headline numbers;
    ``student``: write student versions; ``time``: time them; ``lint``:
    list each executed chapter's truth-rule problems."""
    from deeprec.book import lint, student, tools as booktools
    paths = args.chapters or booktools.chapter_paths()
    if args.action == "student":
        for target in student.write_student_versions(paths, args.out):
            print(f"wrote {target}")
    elif args.action == "lint":
        return 0 if lint.lint_chapters(paths) else 1
    elif args.action == "time":
        booktools.time_chapters(paths, current_scale(args.fraction).fraction)
    elif args.action == "run":
        if (name := current_scale().name) != "full":
            raise UsageError(f"book run writes the published outputs: full "
                             f"scale only, not {name} (unset --quick, DEEPREC_"
                             f"QUICK, DEEPREC_FRACTION; `book time` times one)")
        booktools.run_chapters(paths)
    else:
        tolerance = (booktools.TOLERANCE if args.tolerance is None
                     else args.tolerance)
        return 0 if booktools.check_chapters(paths, tolerance) else 1
    return 0


def bench(args: argparse.Namespace) -> int:
    from deeprec import benchmark
    benchmark.main(args)
    return 0


def global_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """Options accepted before or after the subcommand."""
    default = argparse.SUPPRESS if suppress else False
    parser.add_argument("--quick", action="store_true", default=default,
                        help=f"synthetic data and tiny runs (sets "
                             f"{QUICK_ENV}=1)")
    parser.add_argument("--debug", action="store_true", default=default,
                        help="show the traceback of an error")


class Parser(argparse.ArgumentParser):
    """Argparse whose errors are one line and exit code 2."""

    def error(self, message: str):
        raise UsageError(f"{self.prog}: {message}")


def parser() -> argparse.ArgumentParser:
    p = Parser(prog="python -m deeprec", description=__doc__.split("\n")[0])
    global_options(p, suppress=False)
    sub = p.add_subparsers(dest="command", required=True,
                           parser_class=Parser)

    def command(name: str, func, help: str, runs: bool = False):
        q = sub.add_parser(name, help=help, description=help)
        global_options(q, suppress=True)
        q.set_defaults(func=func)
        if runs:
            q.add_argument("--device", default=None,
                           help="auto (cuda > mps > cpu), cpu, cuda, ... "
                                "(unset: the recipe's)")
            q.add_argument("--no-progress", action="store_true")
            q.add_argument("--show-config", action="store_true",
                           help="print the runs' configs and stop")
        return q

    t = command("train", train, "train one recipe and print its RMSE",
                runs=True)
    t.add_argument("--model", default="i-autorec",
                   choices=list(recipes.RECIPES), help="the recipe")
    t.add_argument("--save", default=None,
                   help="checkpoint file (or folder) for the trained model")
    t.add_argument("--save-diverged", action="store_true",
                   help="save the model even if the run diverged")
    y = command("study", study, "run a paper study, save its tables",
                runs=True)
    y.add_argument("name", choices=STUDIES)
    y.add_argument("--seeds", type=int, nargs="+", default=None,
                   help="seeds of the comparison (default: the recipes' "
                        f"{' '.join(map(str, recipes.SEEDS))})")
    y.add_argument("--out", default=None, help="results folder (resumes)")
    s = command("stats", stats, "Table 1 statistics of a split")
    for q in (t, y, s):
        q.add_argument("--seed", type=int, default=DataConfig.seed,
                       help="seed of the split and the runs (default "
                            "DataConfig's)")
        add_config_options(q, runs=q is not s)
    f = command("fetch", fetch, "download a data set into the cache")
    f.add_argument("dataset", choices=dr.data.DATASETS)
    k = command("book", book, "execute chapters at full scale (run), check "
                "their headline numbers (check), write student versions "
                "(student), or time them at a fraction of their epochs "
                "(time)")
    k.add_argument("action", choices=["run", "check", "student", "time",
                                       "lint"])
    k.add_argument("chapters", nargs="*", help="default: every chapter")
    k.add_argument("--fraction", type=float, default=None,
                   help="time: fraction of each run's epochs (default: "
                        "$DEEPREC_FRACTION, else 1)")
    k.add_argument("--out", default="student",
                   help="student: folder for the notebooks")
    k.add_argument("--tolerance", type=float, default=None,
                   help="check: relative tolerance of the headline numbers "
                        "(default: book.tools.TOLERANCE)")
    b = command("bench", bench, "training speed benchmark")
    b.add_argument("--out", default=None, help="write results as JSON")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns (and, as a script, exits with) the
    exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv
    try:
        args, extra = parser().parse_known_args(argv)
        if extra and args.command == "book" and all(
                e.endswith(".ipynb") for e in extra):
            args.chapters = [*args.chapters, *extra]
        elif extra:
            raise UsageError(f"unrecognized arguments: {' '.join(extra)}")
        if getattr(args, "seed", 0) < 0:
            raise ConfigError("--seed", args.seed, "an integer >= 0")
        if args.quick:
            os.environ[QUICK_ENV] = "1"
        return args.func(args)
    except (UsageError, ConfigError) as error:
        if debug:
            traceback.print_exc()
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a library error: one line unless --debug
        if debug:
            traceback.print_exc()
        text = " ".join(line.strip() for line in str(error).splitlines())
        print(f"error: {text} ({type(error).__name__}; --debug shows the "
              f"traceback)", file=sys.stderr)
        return 1
