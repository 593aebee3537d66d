"""The deep autoencoder's studies (Kuchaiev & Ginsburg, 2017): Figures 2-5
and Table 2. Each returns the runs; :func:`run_study` trains them."""

from __future__ import annotations

from dataclasses import replace

from deeprec.studies.engine import Run
from deeprec.studies.recipes import DEEP_AE, DEEP_AE_BASELINE, DEEP_AE_TRAIN
from deeprec.train import TrainConfig

#: The paper's Figure 2 activations; the last layer is linear for sigmoid
#: and tanh and activated for the others.
PAPER_ACTIVATIONS = ("sigmoid", "relu", "relu6", "tanh", "elu", "lrelu",
                     "selu")


def activation_runs(train: TrainConfig = DEEP_AE_TRAIN,
                    activations=PAPER_ACTIVATIONS,
                    hidden_dims=(128, 128)) -> list[Run]:
    """Figure 2: a 4-layer autoencoder (n,128,128,128,n) per activation."""
    return [Run({"activation": a}, replace(
        DEEP_AE, hidden_dims=hidden_dims, activation=a,
        last_activation=a not in ("sigmoid", "tanh")), train)
        for a in activations]


def overfitting_runs(train: TrainConfig = DEEP_AE_TRAIN,
                     widths=(128, 256, 512, 1024)) -> list[Run]:
    """Figure 3: one hidden layer of growing width, tied or free decoder."""
    return [Run({"width": d, "constrained": c}, replace(
        DEEP_AE, hidden_dims=(d,), constrained=c), train)
        for c in (False, True) for d in widths]


def depth_runs(train: TrainConfig = DEEP_AE_TRAIN, depths=(1, 2, 3, 4),
               width: int = 128) -> list[Run]:
    """Table 2: 1..L hidden layers of 128 per side, plus one 256 layer."""
    runs = [Run({"layers": "x".join([str(width)] * k)}, replace(
        DEEP_AE, hidden_dims=(width,) * k), train) for k in depths]
    runs.append(Run({"layers": str(2 * width)}, replace(
        DEEP_AE, hidden_dims=(2 * width,)), train))
    return runs


def dropout_runs(train: TrainConfig = DEEP_AE_TRAIN,
                 rates=(0.0, 0.5, 0.65, 0.8)) -> list[Run]:
    """Figure 4: the baseline with dropout on the code layer, and after
    every layer."""
    runs = [Run({"dropout": p, "where": "code"}, replace(
        DEEP_AE_BASELINE, dropout=p), train) for p in rates]
    runs.append(Run({"dropout": 0.5, "where": "every layer"}, replace(
        DEEP_AE_BASELINE, dropout=0.0, layer_dropout=0.5), train))
    return runs


def refeeding_runs(train: TrainConfig = DEEP_AE_TRAIN,
                   lrs=(0.001, 0.005, 0.05)) -> list[Run]:
    """Figure 5: the baseline with and without dense re-feeding, at the
    paper's two learning rates and one ten times larger."""
    return [Run({"lr": lr, "refeed": k}, DEEP_AE_BASELINE,
                replace(train, lr=lr, refeed=k))
            for lr in lrs for k in (0, 1)]


#: Study name (command line) -> its runs.
DEEP_STUDIES = {"activations": activation_runs,
                "overfitting": overfitting_runs, "depth": depth_runs,
                "dropout": dropout_runs, "refeeding": refeeding_runs}
