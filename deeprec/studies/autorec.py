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


#: Table (b)'s output functions: a sigmoid stretched to the rating scale
#: (0, 5) stands for f = sigmoid (the paper does not say how it matched).
OUTPUTS = {"identity": "identity", "sigmoid": "sigmoid5"}
#: The lambdas Table (b) tunes over, per activation pair, on validation.
TABLE_B_LAMBDAS = (10.0, 100.0, 1000.0, 10000.0)


def autorec_activation_runs(train: TrainConfig = AUTOREC_TRAIN,
                            lambdas=TABLE_B_LAMBDAS) -> list[Run]:
    """Table (b): output f and hidden g in {identity, sigmoid}, each pair
    at every lambda (the pair's lambda is then chosen on validation)."""
    return [Run({"f": f, "g": g, "lambda": lam}, replace(
        I_AUTOREC, output_activation=OUTPUTS[f], hidden_activation=g),
        replace(train, l2=lam))
        for f in ("identity", "sigmoid") for g in ("identity", "sigmoid")
        for lam in lambdas]


def hidden_units_runs(train: TrainConfig = AUTOREC_TRAIN,
                      hidden_dims=(10, 20, 40, 80, 160, 320, 500, 1000)
                      ) -> list[Run]:
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
