"""The papers' published numbers, quoted with their sources.

Sedhain et al. (2015) "AutoRec: Autoencoders Meet Collaborative Filtering"
and Kuchaiev & Ginsburg (2017) "Training Deep AutoEncoders for
Collaborative Filtering", plus public re-runs cited in the book.
"""

from __future__ import annotations

import pandas as pd

#: AutoRec Table (a): RMSE of RBMs and AutoRec, random 90/10 splits.
AUTOREC_TABLE_A = pd.DataFrame(
    {"ML-1M": [0.881, 0.854, 0.874, 0.831],
     "ML-10M": [0.823, 0.825, 0.867, 0.782]},
    index=pd.Index(["U-RBM", "I-RBM", "U-AutoRec", "I-AutoRec"],
                   name="model"))

#: AutoRec Table (b): I-AutoRec on ML-1M by output f and hidden g.
AUTOREC_TABLE_B = pd.DataFrame(
    {"f": ["identity", "sigmoid", "identity", "sigmoid"],
     "g": ["identity", "identity", "sigmoid", "sigmoid"],
     "ML-1M": [0.872, 0.852, 0.831, 0.836]})

#: AutoRec Table (c): comparison with baselines.
AUTOREC_TABLE_C = pd.DataFrame(
    {"ML-1M": [0.845, 0.854, 0.881, 0.833, 0.831],
     "ML-10M": [0.803, 0.825, 0.823, 0.782, 0.782],
     "Netflix": [0.844, None, 0.845, 0.834, 0.823]},
    index=pd.Index(["BiasedMF", "I-RBM", "U-RBM", "LLORMA", "I-AutoRec"],
                   name="model"))

#: Published results on ML-100K (fold u1 unless noted) and scikit-surprise.
ML100K_REFERENCE = pd.DataFrame(
    {"RMSE": [0.910, 0.905, 0.8889, 0.90, 0.934, 0.919, 0.944, 0.931,
              0.951, 0.933, 0.960],
     "protocol": ["u1", "u1", "u1 (best test epoch)", "random 90/10",
                  "5-fold CV", "5-fold CV", "5-fold CV", "5-fold CV", "u1",
                  "u1", "u1"],
     "source": ["GC-MC (Berg et al. 2017)", "IGMC (Zhang & Chen 2020)",
                "GLocal-K (Han et al. 2021)", "d2l I-AutoRec",
                "surprise SVD", "surprise SVD++", "surprise BaselineOnly",
                "surprise KNNBaseline", "surprise SVD", "surprise SVD++",
                "surprise BaselineOnly"]})

#: AutoRec Figure 2 (described): I-AutoRec on ML-1M keeps improving with
#: hidden units k, with diminishing returns; 3 hidden layers of 500:
#: 0.831 -> 0.827.
AUTOREC_DEEPER = {"I-AutoRec k=500": 0.831, "3 x 500 hidden layers": 0.827}

#: Kuchaiev & Ginsburg (2017) Table 1: the Netflix time splits
#: (ratings / users / items of the training and test intervals).
NETFLIX_TABLE1 = pd.DataFrame(
    [["3 months", "train", 13_675_402, 311_315, 17_736],
     ["3 months", "test", 2_082_559, 160_906, 17_261],
     ["6 months", "train", 29_179_009, 390_795, 17_757],
     ["6 months", "test", 2_175_535, 169_541, 17_290],
     ["1 year", "train", 41_451_832, 345_855, 16_907],
     ["1 year", "test", 3_888_684, 197_951, 16_506],
     ["Full", "train", 98_074_901, 477_412, 17_768],
     ["Full", "test", 2_250_481, 173_482, 17_305]],
    columns=["split", "part", "ratings", "users", "items"])

#: Kuchaiev & Ginsburg (2017) Table 2 (Netflix Full, hidden layers of 128):
#: the numbers the text quotes. One 256-unit layer: 9,115,240 parameters
#: and evaluation RMSE above 1.0.
DEEP_TABLE2 = {"128": 1.146, "128x128x128": 0.9378}
DEEP_SINGLE_256_PARAMETERS = 9_115_240

#: Kuchaiev & Ginsburg (2017) Figure 5 (Netflix Full): evaluation RMSE of
#: the baseline n,512,512,1024,dp(0.8),512,512,n without re-feeding and
#: with re-feeding at lr 0.005 (lr 0.005 *without* re-feeding diverged;
#: re-feeding alone at the baseline lr gave no significant gain).
DEEP_FIG5 = {"baseline, no re-feeding": 0.9167,
             "re-feeding, lr 0.005": 0.9100}

#: Kuchaiev & Ginsburg (2017) Table 3: test RMSE of their deep autoencoder
#: on the four Netflix time splits (it beat RRN, which beat PMF, T-SVD and
#: I/U-AutoRec on these splits), with the model used on each.
DEEP_TABLE3 = pd.DataFrame(
    {"split": ["3 months", "6 months", "1 year", "Full"],
     "test_rmse": [0.9373, 0.9207, 0.9225, 0.9099],
     "model": ["n,128,256,256,dp(0.65),256,128,n",
               "n,256,256,512,dp(0.8),256,256,n",
               "n,256,256,512,dp(0.8),256,256,n",
               "n,512,512,1024,dp(0.8),512,512,n + re-feeding"]})

#: Kuchaiev & Ginsburg (2017), Sections 2-3 and Figure 5 (Netflix Full):
#: the baseline model n,512,512,1024,dp(0.8),512,512,n (SELU, dropout on
#: the code only) and its training setup (batch 128, SGD with momentum 0.9,
#: lr 0.001, Xavier initialisation).
DEEP05_BASELINE_SETUP = {"hidden_dims": (512, 512, 1024), "activation": "selu",
                         "dropout": 0.8, "batch_size": 128, "optimizer": "sgd",
                         "momentum": 0.9, "lr": 0.001}

#: Kuchaiev & Ginsburg (2017) Figure 2 (activation types): a 4-layer
#: autoencoder n,128,128,128,n on Netflix (time split), training RMSE per
#: mini-batch and evaluation RMSE per epoch, last layer linear for sigmoid
#: and tanh and activated for the others. The figure draws curves and
#: prints no numbers; its finding per activation: ELU, SELU and LRELU train
#: far better than sigmoid, RELU, RELU6 and TANH (a non-zero negative part
#: and an unbounded positive part matter).
DEEP_FIG2_FINDING = {"sigmoid": "trains worse", "relu": "trains worse",
                     "relu6": "trains worse", "tanh": "trains worse",
                     "elu": "trains far better", "lrelu": "trains far better",
                     "selu": "trains far better"}
#: Kuchaiev & Ginsburg (2017) Figure 2: the activations that train best.
DEEP_FIG2_BEST = ("elu", "selu", "lrelu")

#: AutoRec (Sedhain et al. 2015), Section 4 (experimental setup), all its
#: data sets (ML-1M, ML-10M, Netflix): random 90/10 train/test splits,
#: results averaged over 5 such splits, lambda tuned on part of the
#: training set. AUTOREC_TRAIN_FRACTION is the paper's training share.
AUTOREC_PROTOCOL = "random 90/10 splits, mean of 5"
AUTOREC_TRAIN_FRACTION = 0.9

#: Kuchaiev & Ginsburg (2017) Table 2 text (Netflix Full): the single
#: d = 256 layer model's evaluation RMSE stayed above this bound.
DEEP_TABLE2_SINGLE_256_ABOVE = 1.0
#: Kuchaiev & Ginsburg (2017) Table 2 text (Netflix Full): the single
#: d = 256 layer model has about this many times the deep models' parameters.
DEEP_TABLE2_WIDE_TO_DEEP_RATIO = 2

#: Kuchaiev & Ginsburg (2017) Figure 4 (Netflix Full time split,
#: evaluation RMSE over epochs; model n,512,512,1024,512,512,n, SELU):
#: the drop probabilities tried on the code layer (the encoder's output).
DEEP_FIG4_CODE_RATES = (0.0, 0.5, 0.65, 0.8)
#: Kuchaiev & Ginsburg (2017) Figure 4: the drop probability on the code
#: that worked best (also the baseline of Figure 5 and Table 3).
DEEP_FIG4_BEST_RATE = 0.8
#: Kuchaiev & Ginsburg (2017) Figure 4 and its text, in words (the paper
#: gives no RMSE values for these): without regularisation the model
#: over-fits; dropout after every layer hurt convergence.
DEEP_FIG4_FINDINGS = {
    "no dropout": "over-fits without regularisation",
    "best code rate": "0.8 worked best of 0, 0.5, 0.65, 0.8",
    "every layer": "dropout after every layer hurt convergence"}

#: Kuchaiev & Ginsburg (2017) Figure 3 (over-fitting of one wide layer,
#: Netflix Full time split, training and evaluation RMSE): a single
#: encoder/decoder layer of 512 units or more over-fits quickly; a
#: constrained (tied) decoder reduces the over-fitting but does not
#: remove it. (The figure gives curves, not a table of numbers.)
DEEP_FIG3_OVERFITTING = {"wide_from": 512, "tied_reduces": True,
                         "tied_removes": False}

#: Kuchaiev & Ginsburg (2017) Section 3 and Figure 5 (Netflix Full): the
#: learning rates of the re-feeding experiment. The baseline trains at
#: 0.001 (the paper's setup); re-feeding was run at 0.005, the rate at
#: which training *without* re-feeding diverged.
DEEP10_FIG5_BASE_LR = 0.001
DEEP10_FIG5_HIGH_LR = 0.005
#: Kuchaiev & Ginsburg (2017) Figure 5: the data set and the metric of
#: DEEP_FIG5 (evaluation RMSE on half of the December 2005 test interval).
DEEP10_FIG5_PROTOCOL = "Netflix Full time split, evaluation RMSE"
#: Kuchaiev & Ginsburg (2017) Figure 5 text, in words (no number given):
#: lr 0.005 without re-feeding diverged; re-feeding alone at the baseline
#: lr 0.001 gave no significant gain.
DEEP10_FIG5_FINDINGS = {"lr 0.005, no re-feeding": "diverged",
                        "re-feeding, lr 0.001": "no significant gain"}


# --- ConvMF (Kim, Park, Oh, Lee & Yu, RecSys 2016) --------------------------
#: Table 2: the chosen (lambda_U, lambda_V) per model and data set.
CONVMF_TABLE2 = pd.DataFrame(
    [("ML-1M", "PMF", 0.01, 10000), ("ML-1M", "CTR", 100, 1),
     ("ML-1M", "CDL", 10, 100), ("ML-1M", "ConvMF", 100, 10),
     ("ML-10M", "ConvMF", 10, 100), ("Amazon AIV", "ConvMF", 1, 100)],
    columns=["dataset", "model", "lambda_u", "lambda_v"])
#: Table 3: test RMSE, 80% of the ratings for training.
CONVMF_TABLE3 = pd.DataFrame(
    {"ML-1M": [0.8971, 0.8969, 0.8879, 0.8531, 0.8549],
     "ML-10M": [0.8311, 0.8275, 0.8186, 0.7958, 0.7930],
     "Amazon AIV": [1.4118, 1.5496, 1.3594, 1.1337, 1.1279]},
    index=pd.Index(["PMF", "CTR", "CDL", "ConvMF", "ConvMF+"],
                   name="model"))
#: Table 4: ML-1M test RMSE by the share of ratings used for training.
CONVMF_TABLE4 = pd.DataFrame(
    {"PMF": [1.0168, 0.9711, 0.9497, 0.9354, 0.9197, 0.9083, 0.8971],
     "ConvMF": [0.9745, 0.9330, 0.9063, 0.8897, 0.8726, 0.8676, 0.8531]},
    index=pd.Index([0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], name="train_ratio"))

#: Public code of these papers with its pitfalls, on ML-100K fold u1 as
#: measured for this project (docs: papers.md, section 5), and GLocal-K's
#: own ML-100K number, the best test RMSE over epochs. NVIDIA's code was
#: not run without its pitfalls (the user + item bias baseline scored
#: 0.960 there); "public effect" = with - without.
PITFALL_REFERENCE = pd.DataFrame(
    {"code": ["RecLab's PyTorch I-AutoRec",
              "NVIDIA DeepRecommender, paper config, 102 epochs",
              "GLocal-K (Han et al. 2021), paper's ML-100K result"],
     "pitfalls": ["no_zero_grad",
                  "fixed_lr_halvings+drop_last+selu_output",
                  "epoch_on_test"],
     "with the pitfalls": [0.979, 1.006, 0.8889],
     "without": [0.908, float("nan"), float("nan")],
     "public effect": [0.979 - 0.908, float("nan"), float("nan")]})
