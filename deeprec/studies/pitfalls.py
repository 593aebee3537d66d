"""The pitfalls study: each mistake of public re-implementations of these
papers, made on purpose, against the correct run, over several seeds.

:data:`CATALOGUE` names every pitfall, where it acts and where it was
seen; :func:`pitfall_run` switches one on in a run; :func:`pitfall_study`
trains the correct run and every pitfall and returns one row per pitfall
and seed with its effect (pitfall RMSE minus correct RMSE).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from deeprec.data.matrix import RatingData
from deeprec.data.splits import Split, random_like
from deeprec.evaluate import evaluate_rmse
from deeprec.scale import Scale
from deeprec.studies.engine import (Run, StudyResult, load_trained,
                                    run_study, with_seeds)
from deeprec.studies.recipes import DEEP_AE_BASELINE, DEEP_AE_TRAIN
from deeprec.train.pitfalls import PITFALLS


@dataclass(frozen=True)
class Pitfall:
    """One mistake: its switch name, where it acts (training, evaluation,
    model or data), what it does wrong and where it was seen."""

    name: str
    kind: str
    what: str
    seen: str


_NVIDIA = "NVIDIA's DeepRecommender"
_FIELD = "a protocol mistake, not tied to these papers' code"
#: Every pitfall of the study, in the order the chapter shows them.
CATALOGUE = (
    Pitfall("no_zero_grad", "training", PITFALLS["no_zero_grad"],
            "a public PyTorch I-AutoRec (RecLab)"),
    Pitfall("fixed_lr_halvings", "training", PITFALLS["fixed_lr_halvings"],
            _NVIDIA),
    Pitfall("drop_last", "training", PITFALLS["drop_last"], _NVIDIA),
    Pitfall("selu_output", "model", "SELU on the output layer and the "
            "predictions never clipped to the rating range", _NVIDIA),
    Pitfall("user_batches", "evaluation", PITFALLS["user_batches"],
            _FIELD),
    Pitfall("epoch_on_test", "evaluation", PITFALLS["epoch_on_test"],
            _FIELD),
    Pitfall("per_user_rmse", "evaluation", PITFALLS["per_user_rmse"],
            _FIELD),
    Pitfall("ids_from_all", "data", "user and item ids mapped with the "
            "test ratings too, so unseen ones get untrained rows and "
            "columns instead of the fallback", _FIELD),
    Pitfall("drop_unseen", "data", "test ratings of users or items unseen "
            "in training silently dropped", _FIELD),
    Pitfall("random_split", "data", "a random split where the paper split "
            "by time (same training size)", _FIELD),
)
NAMES = tuple(p.name for p in CATALOGUE)
#: NVIDIA DeepRecommender's three pitfalls together (what its own code
#: does on ML-100K), a run of its own in the study.
NVIDIA_CODE = "fixed_lr_halvings+drop_last+selu_output"
#: Pitfalls scored on the correct run's saved models (nothing else
#: differs in their training).
SCORED = {"user_batches": {"weighting": "user"},
          "per_user_rmse": {"weighting": "user-rmse"},
          "drop_unseen": {"seen_only": True}}

#: The study's correct run: the deep-AE paper's baseline model
#: (n,512,512,1024,512,512,n, SELU, dropout 0.8 on the code) trained as
#: in the paper (SGD, momentum 0.9, batch 128, masked MSE) at the
#: comparison's lr 0.005, for 120 epochs (past the last hard-coded halving
#: at 72; chapter 10's run at this lr kept epoch 135 of 600, on a curve
#: nearly flat there), keeping the epoch best on validation.
CORRECT = Run({"pitfall": "none"}, DEEP_AE_BASELINE,
              replace(DEEP_AE_TRAIN, num_epochs=120, lr=0.005))


def pitfall_run(base: Run, name: str) -> Run:
    """``base`` with pitfall ``name`` switched on (a data pitfall leaves
    the run as it is: its data differ); ``"a+b"`` switches on several."""
    if "+" in name:
        run = base
        for part in name.split("+"):
            run = pitfall_run(run, part)
        return Run({**base.label, "pitfall": name}, run.model, run.train)
    if name not in NAMES:
        raise ValueError(f"unknown pitfall {name!r}; choose from "
                         f"{', '.join(NAMES)}")
    label = {**base.label, "pitfall": name}
    if name in PITFALLS:
        train = replace(base.train, pitfalls=(*base.train.pitfalls, name))
        return Run(label, base.model, train)
    if name == "selu_output":
        return Run(label, replace(base.model, activation="selu",
                                  last_activation=True),
                   replace(base.train, clip=False))
    return Run(label, base.model, base.train)


@dataclass
class PitfallStudy:
    """The study's result: ``effects`` (one row per pitfall and seed:
    pitfall, kind, seed, rmse, correct_rmse, effect) and the run studies
    behind it by name (for a chapter's run record)."""

    effects: pd.DataFrame
    studies: dict = field(default_factory=dict)


def _scored(run: Run, data: RatingData, path: Path, seed: int,
            scale: Scale | None, device: str | None, weighting="rating",
            seen_only=False) -> float:
    """Test RMSE of a saved correct model, scored as an evaluation or data
    pitfall scores it."""
    model = load_trained(run, path, data, scale=scale, device=device)
    entries = data.test.seen() if seen_only else data.test
    return evaluate_rmse(model, data, entries, weighting=weighting)


def pitfall_study(split: Split, time_split: Split, ratings: pd.DataFrame,
                  path: str | Path, seeds=(0, 1, 2), base: Run = CORRECT,
                  names=NAMES, combined=(NVIDIA_CODE,),
                  progress: bool = True,
                  scale: Scale | None = None, device: str | None = None
                  ) -> PitfallStudy:
    """Train ``base`` and every pitfall of ``names`` on ``split`` once per
    seed, saving into ``path``; the ``random_split`` pitfall compares
    ``time_split`` with a random split of the same sizes drawn from
    ``ratings``; each of ``combined`` (``"a+b"``: training or model
    pitfalls together) is one more run."""
    path, kw = Path(path), {"progress": progress, "scale": scale,
                            "device": device}
    data = RatingData(split)
    trained = [n for n in names if n not in SCORED and (
        n in PITFALLS or n == "selu_output")] + list(combined)
    runs = with_seeds([base] + [pitfall_run(base, n) for n in trained],
                      seeds)
    studies = {"pitfalls": run_study(runs, data, path / "runs",
                                     save_models=True, **kw)}
    table = studies["pitfalls"].summary.set_index(["pitfall", "seed"])
    rows = []

    def add(name, seed, value, correct, diverged=False):
        kind = next((p.kind for p in CATALOGUE if p.name == name),
                    "combined")
        rows.append({"pitfall": name, "kind": kind, "seed": seed,
                     "rmse": value, "correct_rmse": correct,
                     "effect": value - correct, "diverged": bool(diverged)})

    for seed in seeds:
        correct = float(table.test_rmse[("none", seed)])
        for name in trained:
            add(name, seed, float(table.test_rmse[(name, seed)]), correct,
                table.diverged[(name, seed)])
        seeded = with_seeds([base], [seed])[0]
        for name in (n for n in names if n in SCORED):
            add(name, seed, _scored(seeded, data, path / "runs", seed,
                                    scale, device, **SCORED[name]), correct)
    if "ids_from_all" in names:
        runs = with_seeds([pitfall_run(base, "ids_from_all")], seeds)
        result = run_study(runs, RatingData(split, ids="all"),
                           path / "ids-from-all", **kw)
        studies["ids-from-all"] = result
        for seed, value, failed in zip(result.summary.seed,
                                       result.summary.test_rmse,
                                       result.summary.diverged):
            add("ids_from_all", seed, value,
                float(table.test_rmse[("none", seed)]), failed)
    if "random_split" in names:
        timed = run_study(with_seeds([base], seeds), RatingData(time_split),
                          path / "time-split", **kw)
        studies["time-split"] = timed
        for seed, correct in zip(timed.summary.seed, timed.summary.test_rmse):
            like = RatingData(random_like(time_split, ratings, seed))
            result = run_study(with_seeds([pitfall_run(base, "random_split")],
                                          [seed]), like,
                               path / f"random-split-{seed}", **kw)
            studies[f"random-split-{seed}"] = result
            add("random_split", seed, float(result.summary.test_rmse.iloc[0]),
                correct, result.summary.diverged.iloc[0])
    order = {n: i for i, n in enumerate((*NAMES, *combined))}
    effects = pd.DataFrame(rows).sort_values(
        ["pitfall", "seed"], key=lambda c: c.map(order) if c.name ==
        "pitfall" else c, kind="stable").reset_index(drop=True)
    return PitfallStudy(effects, studies)


def effect_summary(effects: pd.DataFrame) -> pd.DataFrame:
    """Per pitfall: the mean RMSE with it, the correct run's, and the
    effect's mean, standard deviation, min and max over seeds, in
    :data:`CATALOGUE` order."""
    table = effects.groupby("pitfall", sort=False).agg(
        kind=("kind", "first"), seeds=("seed", "size"),
        rmse=("rmse", "mean"), correct_rmse=("correct_rmse", "mean"),
        effect=("effect", "mean"), effect_std=("effect", "std"),
        effect_min=("effect", "min"), effect_max=("effect", "max"),
        diverged=("diverged", "sum"))
    return table


#: What a pitfall does to the test RMSE over the seeds (:func:`classify`).
VERDICTS = ("diverges", "nothing", "raises", "lowers", "small", "mixed")


def classify(summary: pd.DataFrame, spread: float) -> pd.Series:
    """Per pitfall of an :func:`effect_summary`, one of :data:`VERDICTS`:
    ``diverges`` (training diverged on some seed), ``nothing`` (no seed's
    RMSE moved), ``raises``/``lowers`` (clearly: the same sign on every
    seed and a mean beyond both ``spread``, the correct run's standard
    deviation over seeds, and twice the effect's standard error),
    ``small`` (the same sign on every seed, not clearly) or ``mixed``
    (the sign changes between seeds)."""
    lo, hi, mean = summary.effect_min, summary.effect_max, summary.effect
    error = 2 * summary.effect_std.fillna(0) / np.sqrt(summary.seeds)
    one_sign = (np.sign(lo) == np.sign(hi)) & (lo != 0)
    clear = one_sign & (mean.abs() > spread) & (mean.abs() > error)
    verdict = np.select(
        [summary.diverged > 0, (lo.abs() < 1e-12) & (hi.abs() < 1e-12),
         clear & (mean > 0), clear & (mean < 0), one_sign],
        list(VERDICTS[:5]), VERDICTS[5])
    return pd.Series(verdict, index=summary.index, name="verdict")
