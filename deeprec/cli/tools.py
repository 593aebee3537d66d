"""The other commands: ``reproduce`` (a paper's row), ``stats``, ``fetch``,
``book``, ``bench``."""

from __future__ import annotations

import argparse

import deeprec as dr
from deeprec.cli.common import UsageError
from deeprec.options import DataConfig, apply, overrides
from deeprec.scale import current_scale


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


def reproduce(args: argparse.Namespace) -> int:
    """Train one paper row (or read it back from ``--out``) and print our
    test RMSE beside the paper's."""
    from deeprec.studies import paper_row, reproduce as run_row
    row = paper_row(args.row)
    result, table = run_row(args.row, args.out, args.seed, args.device,
                            progress=not args.no_progress)
    print(f"{args.row}: {row.source}")
    print(table.round(4).to_string())
    print(result.record())
    return 3 if result.summary["diverged"].fillna(False).any() else 0
