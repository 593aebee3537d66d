"""AutoRec's studies (Sedhain et al., 2015): Tables (a) and (b), Figure 2."""

from __future__ import annotations

from dataclasses import replace

from deeprec.data.matrix import RatingData
from deeprec.studies.engine import Run, StudyResult, run_study
from deeprec.studies.recipes import AUTOREC_TRAIN, I_AUTOREC, U_AUTOREC
from deeprec.train import TrainConfig


def orientation_runs(train: TrainConfig = AUTOREC_TRAIN) -> list[Run]:
    """Table (a): I-AutoRec against U-AutoRec."""
    return [Run({"model": "I-AutoRec"}, I_AUTOREC, train),
            Run({"model": "U-AutoRec"}, U_AUTOREC, train)]


def autorec_activation_runs(train: TrainConfig = AUTOREC_TRAIN
                            ) -> list[Run]:
    """Table (b): output f and hidden g in {identity, sigmoid}."""
    return [Run({"f": f, "g": g}, replace(
        I_AUTOREC, output_activation=f, hidden_activation=g), train)
        for f in ("identity", "sigmoid") for g in ("identity", "sigmoid")]


def hidden_units_runs(train: TrainConfig = AUTOREC_TRAIN,
                      hidden_dims=(10, 20, 40, 80, 100, 200, 300, 400, 500,
                                   1000)) -> list[Run]:
    """Figure 2: I-AutoRec's RMSE against the hidden units k."""
    return [Run({"hidden_dim": k}, replace(I_AUTOREC, hidden_dim=k), train)
            for k in hidden_dims]


#: Study name (command line) -> its runs.
AUTOREC_STUDIES = {"autorec-orientation": orientation_runs,
                   "autorec-activations": autorec_activation_runs,
                   "autorec-hidden": hidden_units_runs}


def autorec_study(name: str, data: RatingData, **kw) -> StudyResult:
    """Run the AutoRec study ``name`` (:data:`AUTOREC_STUDIES`) on
    ``data``; ``kw`` as in :func:`run_study`."""
    return run_study(AUTOREC_STUDIES[name](), data, **kw)
