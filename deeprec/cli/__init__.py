"""Command line: ``python -m deeprec {train,study,reproduce,stats,fetch,book,bench}``.

Examples::

    python -m deeprec train --model i-autorec --dataset ml-100k --split u1
    python -m deeprec train --model deep-ae --lr 0.005 --refeed 1 \\
        --device cuda --save models/
    python -m deeprec train --model biased-mf --quick --show-config
    python -m deeprec study autorec-hidden --split u2 --out results/hid
    python -m deeprec reproduce deep-table3-full --device cuda --out results/

Every run starts from a recipe (``deeprec.studies.recipes``); options set
its config fields (``--num-epochs 50``, ``--set lr=0.01``). A bad value
gets one line and exit code 2; a library error (missing data, no CUDA)
one line and exit code 1 (``--debug`` shows the traceback); a diverged
run exit code 3.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

import deeprec as dr
from deeprec.cli.common import STUDIES, UsageError
from deeprec.cli.runs import study, train
from deeprec.cli.tools import bench, book, fetch, reproduce, stats
from deeprec.config import ConfigError
from deeprec.options import DataConfig, add_config_options
from deeprec.scale import QUICK_ENV
from deeprec import studies
from deeprec.studies import recipes
from deeprec.train.distributed import tagged


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
    r = command("reproduce", reproduce, "train one row of a paper's table "
                "at the paper's scale and print the paper's number beside "
                "ours (resumable; a GPU job)")
    r.add_argument("row", choices=list(studies.PAPER_ROWS))
    r.add_argument("--out", required=True, help="results folder (resumes)")
    r.add_argument("--device", default=None,
                   help="auto (cuda > mps > cpu), cpu, cuda, ...")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--no-progress", action="store_true")
    b = command("bench", bench, "training speed benchmark")
    b.add_argument("--out", default=None, help="write results as JSON")
    b.add_argument("--netflix", type=float, default=None, metavar="SCALE",
                   help="also time the streaming Netflix pipeline on a "
                        "synthetic set of this scale (1: full size, 2.1 GB "
                        "of text written once to the data cache)")
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
        print(f"error: {tagged(str(error))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a library error: one line unless --debug
        if debug:
            traceback.print_exc()
        text = tagged(" ".join(line.strip()
                               for line in str(error).splitlines()))
        print(f"error: {text} ({type(error).__name__}; --debug shows the "
              f"traceback)", file=sys.stderr)
        return 1
