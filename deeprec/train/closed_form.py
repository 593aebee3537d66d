"""The "trainers" of models fitted in closed form: the baselines and k-NN
(fitted when built) and the blend (weights fitted on validation); they
return the same :class:`FitResult` as every trainer."""

from __future__ import annotations

from torch import nn

from deeprec.data.matrix import RatingData
from deeprec.evaluate import evaluate_rmse
from deeprec.train.configs import BlendConfig, ClosedFormConfig
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


def fit_blend_model(model: nn.Module, data: RatingData,
                    config: BlendConfig = BlendConfig()) -> FitResult:
    """Fit a :class:`~deeprec.models.Blend`'s weights on the validation
    ratings (:meth:`~deeprec.models.Blend.fit_weights`) and evaluate it."""
    model.fit_weights(data, "valid", config.ridge)
    result = fit_closed_form(model, data, ClosedFormConfig(
        clip=config.clip, seed=config.seed, device=config.device))
    result.config = config
    return result
