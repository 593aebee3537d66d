"""Command line: ``python -m deeprec {train,stats,fetch,bench} ...``.

Examples::

    python -m deeprec train --model i-autorec --dataset ml-100k --split u1
    python -m deeprec train --model deep-ae --layers 512,512,1024 \\
        --dropout 0.8 --optimizer sgd --lr 0.005 --refeed 1 --device cuda
    python -m deeprec train --model biased-mf --quick
    python -m deeprec stats --dataset ml-1m --split random
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace

from torch import nn

import deeprec as dr
from deeprec.utils import QUICK_ENV, environment

MODELS = ["global-mean", "biases", "biased-mf", "i-autorec", "u-autorec",
          "deep-ae"]


def build_model(name: str, data: dr.RatingData,
                args: argparse.Namespace) -> nn.Module:
    """An untrained model of kind ``name`` sized for ``data``."""
    from deeprec import studies
    if name in ("i-autorec", "u-autorec"):
        return studies.autorec_builder(
            data, "item" if name == "i-autorec" else "user",
            hidden_dim=args.hidden,
            hidden_activation=args.activation or "sigmoid",
            output_activation=args.output_activation,
            dropout=args.dropout)()
    if name == "deep-ae":
        return studies.deep_ae_builder(
            data, args.orientation,
            hidden_dims=tuple(int(d) for d in args.layers.split(",")),
            activation=args.activation or "selu", dropout=args.dropout,
            constrained=args.constrained,
            last_activation=args.last_activation)()
    if name == "biased-mf":
        return dr.BiasedMF(dr.MFConfig(data.num_users, data.num_items,
                                       global_mean=data.global_mean))
    raise ValueError(f"unknown model {name!r}; choose from {MODELS}")


def train(args: argparse.Namespace) -> dict:
    """Train one model and return its result row (also printed)."""
    quick = dr.is_quick()
    dataset = "synthetic" if quick else args.dataset
    split = dr.load_split(dataset, args.split, args.seed,
                          args.valid_fraction)
    data = dr.RatingData(split)
    print(data, file=sys.stderr)
    dr.set_seed(args.seed)
    device = dr.get_device(args.device)
    row = {"model": args.model, "dataset": dataset, "split": split.name,
           "device": str(device)}
    if args.model == "global-mean":
        model = dr.GlobalMean(data)
    elif args.model == "biases":
        model = dr.BiasBaseline(data)
    elif args.model == "biased-mf":
        model = dr.fit_mf(build_model(args.model, data, args),
                          data, num_epochs=2 if quick else 20,
                          seed=args.seed, device=str(device))
    else:
        model = build_model(args.model, data, args)
        config = dr.TrainConfig(
            num_epochs=args.epochs, batch_size=args.batch_size,
            optimizer=args.optimizer, lr=args.lr,
            weight_decay=args.weight_decay,
            loss=args.loss, l2=args.l2, refeed=args.refeed, seed=args.seed,
            device=str(device), progress=not args.no_progress)
        if quick:
            config = replace(config, num_epochs=min(config.num_epochs, 3))
        result = dr.fit(model, data, config)
        row.update(result.summary())
        model = result.model
    if "test_rmse" not in row:
        model.to(device)
        row["valid_rmse"] = dr.evaluate_rmse(model, data, "valid")
        row["test_rmse"] = dr.evaluate_rmse(model, data, "test")
    if args.save:
        dr.save_model(model, args.save, {k: v for k, v in row.items()
                                         if isinstance(v, (int, float, str,
                                                           bool))})
    print(json.dumps(row, default=float))
    print(f"test RMSE: {row['test_rmse']:.4f}")
    return row


def study(args: argparse.Namespace) -> None:
    """Run a paper study at any scale and save its tables (resumable)."""
    from deeprec import studies
    dataset = "synthetic" if dr.is_quick() else args.dataset
    valid = args.valid_fraction
    if args.name == "comparison":
        if not args.out:
            raise SystemExit("study comparison saves its trained models: "
                             "give a results folder with --out DIR")
        valid = valid or 0.05  # the blend's weights are fitted on it
    split = dr.load_split(dataset, args.split, args.seed, valid)
    data = dr.RatingData(split)
    print(data, file=sys.stderr)
    if args.name == "comparison":
        runs = studies.comparison_runs(data, deep_epochs=args.epochs,
                                       mf_epochs=2 if dr.is_quick() else 20,
                                       device=args.device)
        result = studies.comparison_study(data, runs, args.out,
                                          seeds=tuple(args.seeds))
        print(studies.seed_summary(result.summary).round(4).to_string())
        pooled = studies.blend_rows(studies.with_seeds(runs, args.seeds),
                                    data, args.out, pool_seeds=True)
        print(f"blend pooled over seeds {args.seeds}: valid "
              f"{pooled.valid_rmse.iloc[0]:.4f}, test "
              f"{pooled.test_rmse.iloc[0]:.4f}")
    elif args.name in studies.DEEP_STUDIES:
        config = studies.deep_ae_config(args.epochs, device=args.device)
        runs = studies.DEEP_STUDIES[args.name](data, config)
        result = dr.run_study(runs, data, args.out, args.seed)
    else:
        config = replace(studies.autorec_config(args.epochs),
                         device=args.device)
        fn = {"autorec-orientation": studies.autorec_orientation_study,
              "autorec-activations": studies.autorec_activation_study,
              "autorec-hidden": studies.autorec_hidden_units_study
              }[args.name]
        result = fn(data, config, path=args.out, seed=args.seed)
    columns = [c for c in result.summary.columns
               if c not in ("key", "dataset")]
    print(result.summary[columns].to_string(index=False))
    if args.out:
        print(f"saved to {args.out}/summary.csv and history.csv")


def stats(args: argparse.Namespace) -> None:
    dataset = "synthetic" if dr.is_quick() else args.dataset
    split = dr.load_split(dataset, args.split, args.seed,
                          args.valid_fraction)
    print(split.name)
    print(dr.dataset_stats(split).to_string())


def fetch(args: argparse.Namespace) -> None:
    print(dr.data.dataset_folder(args.dataset))


def book(args: argparse.Namespace) -> None:
    """Execute chapters at full scale (``run``: in place, the stored outputs
    of the published book) or re-execute them into a temporary folder and
    compare their headline numbers with the committed ones (``check``)."""
    import glob
    import tempfile
    from pathlib import Path

    import nbformat

    from deeprec.book import compare_headlines, execute_notebook, read_headline
    paths = args.chapters or sorted(glob.glob("book/[0-9]*.ipynb"))
    if args.action == "student":
        from deeprec.book import write_student_versions
        for target in write_student_versions(paths, args.out):
            print(f"wrote {target}")
        return
    if args.action == "time":
        return time_chapters(paths, args.fraction)
    failed = False
    for path in paths:
        if args.action == "run":
            numbers = execute_notebook(path, quick=dr.is_quick())
            print(f"{path}: executed; headline {numbers}")
            continue
        committed = read_headline(nbformat.read(path, as_version=4))
        with tempfile.TemporaryDirectory() as tmp, environment(
                DEEPREC_RESULTS=tmp):  # retrain: no saved results
            fresh = execute_notebook(path, Path(tmp) / Path(path).name)
        problems = compare_headlines(committed, fresh, args.tolerance)
        failed |= bool(problems)
        print(f"{path}: " + ("; ".join(problems) if problems else
                             f"headline numbers agree within "
                             f"{args.tolerance:.0%}: {fresh}"))
    if failed:
        raise SystemExit(1)


def time_chapters(paths, fraction: float) -> None:
    """Execute each chapter at ``fraction`` of its epochs into a temporary
    folder, nothing reused from saved results, and print its wall time:
    how long a class would wait for it on this machine."""
    import tempfile
    import time
    from pathlib import Path

    from deeprec.book import FRACTION_ENV, execute_notebook
    for path in paths:
        with tempfile.TemporaryDirectory() as tmp, environment(
                DEEPREC_RESULTS=tmp, **{FRACTION_ENV: str(fraction)}):
            start = time.perf_counter()
            execute_notebook(path, Path(tmp) / Path(path).name)
            minutes = (time.perf_counter() - start) / 60
        print(f"{path}: {minutes:.1f} min at fraction {fraction:g}",
              flush=True)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m deeprec",
                                description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true",
                   help=f"synthetic data and tiny runs (sets {QUICK_ENV}=1)")
    sub = p.add_subparsers(dest="command", required=True)

    def data_args(q):
        q.add_argument("--dataset", default="ml-100k",
                       choices=dr.data.DATASETS)
        q.add_argument("--split", default="u1",
                       help="u1..u5, random, time, full, 3months, 6months,"
                            " 1year")
        q.add_argument("--valid-fraction", type=float, default=0.0)
        q.add_argument("--seed", type=int, default=0)

    t = sub.add_parser("train", help="train a model and print its RMSE")
    data_args(t)
    t.add_argument("--model", default="i-autorec", choices=MODELS)
    t.add_argument("--device", default="auto")
    t.add_argument("--hidden", type=int, default=500, help="AutoRec k")
    t.add_argument("--layers", default="512,512,1024",
                   help="deep-ae encoder sizes")
    t.add_argument("--activation", default=None)
    t.add_argument("--output-activation", default="identity")
    t.add_argument("--orientation", default="user", choices=["user", "item"])
    t.add_argument("--dropout", type=float, default=0.0)
    t.add_argument("--constrained", action="store_true")
    t.add_argument("--last-activation", action="store_true")
    t.add_argument("--epochs", type=int, default=50)
    t.add_argument("--batch-size", type=int, default=128)
    t.add_argument("--optimizer", default="adam",
                   choices=["sgd", "adam", "rprop", "lbfgs"])
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--weight-decay", type=float, default=0.0)
    t.add_argument("--loss", default="mmse", choices=["mmse", "sse"])
    t.add_argument("--l2", type=float, default=0.0)
    t.add_argument("--refeed", type=int, default=0)
    t.add_argument("--save", default=None, help="checkpoint path")
    t.add_argument("--no-progress", action="store_true")
    t.set_defaults(func=train)
    y = sub.add_parser("study", help="run a paper study, save its tables")
    data_args(y)
    y.add_argument("name", choices=[
        "activations", "overfitting", "depth", "dropout", "refeeding",
        "autorec-orientation", "autorec-activations", "autorec-hidden",
        "comparison"])
    y.add_argument("--epochs", type=int, default=100,
                   help="epochs (comparison: of the deep models)")
    y.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4],
                   help="seeds of the comparison (default 0 1 2 3 4)")
    y.add_argument("--device", default="auto")
    y.add_argument("--out", default=None, help="results folder (resumes)")
    y.set_defaults(func=study)
    s = sub.add_parser("stats", help="Table 1 statistics of a split")
    data_args(s)
    s.set_defaults(func=stats)
    f = sub.add_parser("fetch", help="download a data set into the cache")
    f.add_argument("dataset", choices=dr.data.DATASETS)
    f.set_defaults(func=fetch)
    k = sub.add_parser("book", help="execute chapters at full scale (run), "
                       "check their headline numbers (check), write "
                       "student versions without solutions (student), or "
                       "time them at a fraction of their epochs (time)")
    k.add_argument("action", choices=["run", "check", "student", "time"])
    k.add_argument("--fraction", type=float, default=1.0,
                   help="time: fraction of each run's epochs (default 1)")
    k.add_argument("--out", default="student",
                   help="student: folder for the notebooks without "
                        "solutions (default: student/)")
    k.add_argument("chapters", nargs="*", help="default: book/[0-9]*.ipynb")
    k.add_argument("--tolerance", type=float, default=0.02,
                   help="relative tolerance of the check (default 2%%)")
    k.set_defaults(func=book)
    b = sub.add_parser("bench", help="training speed benchmark")
    b.add_argument("--quick", action="store_true", dest="bench_quick")
    b.add_argument("--out", default=None, help="write results as JSON")
    b.set_defaults(func=lambda a: __import__(
        "deeprec.benchmark", fromlist=["main"]).main(a))
    return p


def main(argv: list[str] | None = None) -> None:
    args, extra = parser().parse_known_args(argv)
    if extra and args.command == "book" and all(
            e.endswith(".ipynb") for e in extra):
        args.chapters = [*args.chapters, *extra]  # chapters after options
    elif extra:
        parser().error(f"unrecognized arguments: {' '.join(extra)}")
    if args.quick:
        os.environ[QUICK_ENV] = "1"
    args.func(args)
