"""Recipes: every named run of the book, defined once.

A recipe is a model config and a train config. Chapters, the command line,
the comparison and the benchmark start from these and change fields with
``dataclasses.replace``; size fields stay unset (they come from the data
when a run is built). The scale (quick, a fraction of the epochs) is
applied by :func:`~deeprec.studies.run_study`, never written here.
"""

from __future__ import annotations

from dataclasses import replace

from deeprec.models import (AutoRecConfig, ConvMFConfig, DeepAEConfig,
                            GLocalKConfig)
from deeprec.models.baselines import BiasConfig, GlobalMeanConfig, MFConfig
from deeprec.models.knn import KNNConfig
from deeprec.studies.engine import Run
from deeprec.train import (ConvMFTrainConfig, GLocalKTrainConfig,
                           MFTrainConfig, TrainConfig)

# --- AutoRec (Sedhain et al., 2015) -----------------------------------------
#: I-AutoRec with the paper's k = 500, sigmoid hidden, identity output.
I_AUTOREC = AutoRecConfig()
U_AUTOREC = replace(I_AUTOREC, orientation="user")
#: How this book trains AutoRec on ML-100K: AutoRec's objective (sum of
#: squares + lambda/2 ||W||^2, lambda = 100) minimised full-batch with Adam
#: (lr 0.01) for 200 epochs, the checkpoint picked on validation.
AUTOREC_TRAIN = TrainConfig(num_epochs=200, batch_size=100_000,
                            optimizer="adam", lr=0.01, loss="sse", l2=100.0)

# --- The deep autoencoder (Kuchaiev & Ginsburg, 2017) -----------------------
#: The architecture of the paper's figure studies before a study varies it.
DEEP_AE = DeepAEConfig()
#: The paper's baseline n,512,512,1024,512,512,n, SELU, dropout 0.8 on the
#: code.
DEEP_AE_BASELINE = replace(DEEP_AE, dropout=0.8)
#: The paper's training setup: SGD with momentum 0.9, lr 0.001, batch 128,
#: masked MSE; 600 epochs on ML-100K (the figure studies).
DEEP_AE_TRAIN = TrainConfig(num_epochs=600, batch_size=128, optimizer="sgd",
                            lr=0.001, momentum=0.9, loss="mmse")
#: The comparison's deep models (Table 3): lr 0.005 with one dense
#: re-feed per batch, 300 epochs.
COMPARISON_DEEP_TRAIN = replace(DEEP_AE_TRAIN, num_epochs=300, lr=0.005,
                                refeed=1)

# --- GLocal-K (Han et al., 2021) and the classic models ---------------------
GLOCAL_K = GLocalKConfig()
GLOCAL_K_TRAIN = GLocalKTrainConfig()
BIASED_MF = MFConfig()
MF_TRAIN = MFTrainConfig()

# --- ConvMF (Kim et al., 2016) ---------------------------------------------
#: ConvMF with the paper's CNN (p = 200, windows 3, 4, 5 x 100 filters,
#: k = 50) over the items' documents (default: titles and genres).
CONVMF = ConvMFConfig()
#: PMF: the same model with the CNN switched off.
PMF = replace(CONVMF, use_text=False)
#: The paper's ML-1M settings (Table 2): ConvMF lambda_U 100, lambda_V 10;
#: PMF lambda_U 0.01, lambda_V 10000; up to 50 iterations, patience 5.
CONVMF_TRAIN = ConvMFTrainConfig(lambda_u=100.0, lambda_v=10.0)
PMF_TRAIN = ConvMFTrainConfig(lambda_u=0.01, lambda_v=10_000.0)

#: The seeds of every multi-seed result in the book and the command line.
SEEDS = (0, 1, 2, 3, 4)

#: Named single runs (the command line's ``--model``; the comparison's
#: members), each labelled with the name the tables show.
RECIPES = {
    "global-mean": Run({"model": "Global mean"}, GlobalMeanConfig()),
    "biases": Run({"model": "User + item biases"}, BiasConfig()),
    "biased-mf": Run({"model": "BiasedMF"}, BIASED_MF, MF_TRAIN),
    "item-knn": Run({"model": "Item kNN"}, KNNConfig("item")),
    "user-knn": Run({"model": "User kNN"}, KNNConfig("user")),
    "i-autorec": Run({"model": "I-AutoRec"}, I_AUTOREC, AUTOREC_TRAIN),
    "u-autorec": Run({"model": "U-AutoRec"}, U_AUTOREC, AUTOREC_TRAIN),
    "deep-ae": Run({"model": "Deep AE (user)"}, DEEP_AE_BASELINE,
                   DEEP_AE_TRAIN),
    "deep-ae-user": Run({"model": "Deep AE (user)"}, DEEP_AE_BASELINE,
                        COMPARISON_DEEP_TRAIN),
    "deep-ae-item": Run({"model": "Deep AE (item)"},
                        replace(DEEP_AE_BASELINE, orientation="item"),
                        COMPARISON_DEEP_TRAIN),
    "glocal-k": Run({"model": "GLocal-K"}, GLOCAL_K, GLOCAL_K_TRAIN),
    "pmf": Run({"model": "PMF"}, PMF, PMF_TRAIN),
    "convmf": Run({"model": "ConvMF"}, CONVMF, CONVMF_TRAIN),
}


#: The speed benchmark's cases (``python -m deeprec bench``): the runs
#: whose training step it times, the deep one with one dense re-feed.
BENCHMARK = {
    "autorec": RECIPES["i-autorec"],
    "deep-ae": Run({"model": "Deep AE (user), re-feeding"},
                   DEEP_AE_BASELINE, replace(DEEP_AE_TRAIN, refeed=1)),
}


def recipe(name: str) -> Run:
    """A copy of the named recipe (see :data:`RECIPES`)."""
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; choose from "
                         f"{', '.join(RECIPES)}")
    r = RECIPES[name]
    return Run(dict(r.label), r.model, r.train)
