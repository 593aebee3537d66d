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
