"""The "trainer" of models fitted in closed form when built (baselines,
k-NN): it evaluates them and returns the same :class:`FitResult`."""

from __future__ import annotations

from torch import nn

from deeprec.data.matrix import RatingData
from deeprec.evaluate import evaluate_rmse
from deeprec.train.configs import ClosedFormConfig
from deeprec.train.result import Checkpoint, FitResult
from deeprec.utils import get_device


def fit_closed_form(model: nn.Module, data: RatingData,
                    config: ClosedFormConfig = ClosedFormConfig()
                    ) -> FitResult:
    """Evaluate a model that was fitted when built; no epochs (the
    history is empty, ``best_epoch`` 0)."""
    kept = Checkpoint(model.to(get_device(config.device)), "last", False)
    result = kept.result(config)
    result.valid_rmse = evaluate_rmse(model, data, "valid",
                                      clip=config.clip)
    result.test_rmse = evaluate_rmse(model, data, "test", clip=config.clip)
    return result
