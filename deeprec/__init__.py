"""deeprec: autoencoders for collaborative filtering, rebuilt for a book.

The library behind the book that rebuilds AutoRec (Sedhain et al., 2015) and
"Training Deep AutoEncoders for Collaborative Filtering" (Kuchaiev & Ginsburg,
2017). A chapter needs a handful of calls::

    import deeprec as dr
    data = dr.RatingData(dr.load_split("ml-100k", "u1", valid_fraction=0.05))
    run = dr.Run({"model": "I-AutoRec"}, dr.recipes.I_AUTOREC,
                 dr.recipes.AUTOREC_TRAIN)             # a recipe
    study = dr.run_study([run], data, path="results/i-autorec")
    study.summary, study.history                     # pandas DataFrames
"""

__version__ = "0.2.0"

from dataclasses import replace  # noqa: F401  (override configs)

from deeprec.utils import get_device, set_seed  # noqa: F401
from deeprec.scale import Scale, current_scale  # noqa: F401
from deeprec.data import (  # noqa: F401
    RatingData, Split, dataset_stats, load_ratings, load_split, rating_data,
    random_split, synthetic_split, time_split, train_valid_split,
    write_synthetic_movielens,
)
from deeprec.models import (  # noqa: F401
    AutoRec, AutoRecConfig, BiasBaseline, BiasedMF, DeepAEConfig,
    DeepAutoEncoder, GlobalMean, Blend, fit_blend, GLocalK, GLocalKConfig,
    MFConfig, ConvMF, ConvMFConfig, build_model,
)
from deeprec.losses import autorec_loss, masked_mse  # noqa: F401
from deeprec.train import (  # noqa: F401
    ClosedFormConfig, ConvMFTrainConfig, FitResult, GLocalKTrainConfig,
    MFTrainConfig, TrainConfig, fit, fit_convmf, fit_glocal_k, fit_mf,
)
from deeprec.evaluate import evaluate_rmse, predict_ratings, rmse  # noqa: F401
from deeprec.checkpoint import load_model, save_model  # noqa: F401
from deeprec.book import chapter_params, setup  # noqa: F401
from deeprec.studies import Run, StudyResult, run_study  # noqa: F401
from deeprec.studies import recipes  # noqa: F401
from deeprec import (book, data, paper, plots,  # noqa: F401,E402
                     recommend, studies, widgets)
from deeprec.book import exercises  # noqa: F401,E402
