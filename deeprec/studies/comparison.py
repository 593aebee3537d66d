"""The comparison (Table 3 of the deep-AE paper): every model of the book,
several seeds, and a validation-fitted blend of them."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from deeprec.data.matrix import RatingData
from deeprec.evaluate import evaluate_rmse
from deeprec.memory import DeviceMemoryError, check_dense
from deeprec.models import count_parameters, knn
from deeprec.scale import Scale
from deeprec.studies.engine import (Run, StudyResult, load_trained,
                                    read_run, run_key, run_study,
                                    with_seeds)
from deeprec.studies.recipes import SEEDS, recipe
from deeprec.utils import get_device

#: Largest users x items matrix on which the comparison trains GLocal-K: it
#: holds several dense copies of the whole matrix at once (ML-1M's 22
#: million entries fit: 3.2 GB peak, 48 s an epoch on 2 CPU cores;
#: ML-10M's 746 million and Netflix's 8.5 billion do not). The GLocal-K
#: paper itself stops at ML-1M and Douban.
GLOCAL_K_MAX_ENTRIES = 50_000_000

#: The comparison's models, as recipe names (see ``recipes.RECIPES``).
COMPARISON = ("global-mean", "biases", "biased-mf", "item-knn", "user-knn",
              "i-autorec", "u-autorec", "deep-ae-user", "deep-ae-item",
              "glocal-k")


def size_problem(name: str, data: RatingData, device: str | None = None
                 ) -> str | None:
    """Why the dense model ``name`` does not fit ``data`` on ``device``
    (default: the best available; None: it fits)."""
    if name in ("item-knn", "user-knn"):
        return knn.size_problem(data, name.split("-")[0])
    entries = data.num_users * data.num_items
    if name == "glocal-k" and entries > GLOCAL_K_MAX_ENTRIES:
        return (f"its {data.num_users:,} x {data.num_items:,} dense matrix "
                f"exceeds GLOCAL_K_MAX_ENTRIES = {GLOCAL_K_MAX_ENTRIES:,}")
    train = recipe(name).train
    orientation = getattr(recipe(name).model, "orientation", None)
    if orientation and hasattr(train, "batch_size"):  # an autoencoder
        rows, cols = ((data.num_users, data.num_items) if orientation == "user"
                      else (data.num_items, data.num_users))
        try:  # its dense batches: input, output and gradients
            check_dense(min(train.batch_size, rows), cols,
                        get_device(device or "auto"), f"{name}'s batch",
                        "set a smaller batch_size", copies=3)
        except DeviceMemoryError as err:
            return str(err)
    return None


def comparison_runs(data: RatingData, names=COMPARISON,
                    device: str | None = None) -> list[Run]:
    """Every model of the book, one run each, from the recipes (wrap in
    :func:`with_seeds`). Models whose dense matrices or batches would not
    fit ``data`` on ``device`` are left out with a warning that says why;
    the blend uses the members that remain."""
    runs = []
    for name in names:
        run = recipe(name)
        problem = size_problem(name, data, device)
        if problem:
            warnings.warn(f"{run.label['model']} left out: {problem}",
                          stacklevel=2)
            continue
        runs.append(run)
    return runs


#: The members of the comparison's blend (model names of comparison_runs).
BLEND_MEMBERS = ("BiasedMF", "Item kNN", "User kNN", "I-AutoRec",
                 "U-AutoRec", "Deep AE (user)", "Deep AE (item)", "GLocal-K")


def _diverged(run: Run, data: RatingData, path, scale, device) -> bool:
    record = read_run(path, run_key(run, data, scale=scale, device=device))
    return bool(record and record["summary"].get("diverged"))


def blend_rows(runs: list[Run], data: RatingData, path: str | Path,
               members=BLEND_MEMBERS, name: str = "Blend",
               pool_seeds: bool = False, ridge: float | None = None,
               scale: Scale | None = None, device: str | None = None
               ) -> pd.DataFrame:
    """For each seed of ``runs``: a validation-fitted :class:`Blend` of the
    saved trained ``members`` of that seed; one summary row each, with the
    fitted weights (``w_<member>`` columns). ``pool_seeds`` fits one blend
    of the members of every seed instead (seed ``"all"``); a closed-form
    member (the same for every seed) joins it once. ``ridge``: as in
    :func:`~deeprec.models.fit_blend` (default: chosen by
    cross-validation on the validation ratings). ``scale`` and ``device``
    as given to :func:`comparison_study`; a member whose run diverged is
    left out with a warning."""
    from deeprec.models import fit_blend
    from deeprec.models.registry import is_closed_form
    seeds = sorted({r.seed() for r in runs})
    groups = [("all", seeds)] if pool_seeds else [(s, [s]) for s in seeds]
    rows = []
    for tag, group in groups:
        chosen = [r for r in runs if r.seed() in group
                  and r.label["model"] in members]
        failed = [r for r in chosen
                  if _diverged(r, data, path, scale, device)]
        for r in failed:
            warnings.warn(f"{r.label}: the run diverged; left out of the "
                          f"blend", stacklevel=2)
        chosen = [r for r in chosen if r not in failed]
        if pool_seeds:  # closed-form members: the first seed's copy only
            chosen = [r for r in chosen if not is_closed_form(r.model)
                      or r.seed() == group[0]]
        names = [r.label["model"] + (f" #{r.seed()}" if pool_seeds else "")
                 for r in chosen]
        blend = fit_blend([load_trained(r, path, data, scale=scale,
                                        device=device)
                           for r in chosen], data, names, ridge=ridge)
        row = {"model": name, "seed": tag, "dataset": data.name,
               "parameters": sum(count_parameters(m)
                                 for m in blend.members),
               "valid_rmse": evaluate_rmse(blend, data, "valid"),
               "test_rmse": evaluate_rmse(blend, data, "test"),
               "diverged": False, "bias": blend.bias.item(),
               "ridge": blend.ridge}
        row.update({f"w_{n}": w for n, w in zip(names,
                                                blend.weights.tolist())})
        rows.append(row)
    return pd.DataFrame(rows)


def comparison_study(data: RatingData, runs: list[Run], path: str | Path,
                     seeds=SEEDS, members=BLEND_MEMBERS,
                     progress: bool = True, scale: Scale | None = None,
                     device: str | None = None) -> StudyResult:
    """Train every run once per seed (saving the models), then add one
    validation-fitted blend of ``members`` per seed. The summary has one
    row per model and seed (saved with the blends into ``path``);
    :func:`seed_summary` aggregates it."""
    seeded = with_seeds(runs, seeds)
    result = run_study(seeded, data, path=path, progress=progress,
                       save_models=True, scale=scale, device=device)
    blends = blend_rows(seeded, data, path, members, scale=scale,
                        device=device)
    summary = pd.concat([result.summary, blends], ignore_index=True)
    result = StudyResult(summary, result.history, result.trained,
                         result.reused)
    result.save(path)  # with the blend rows, for StudyResult.load
    return result
