"""Training: one protocol for every model.

Every trainer is called as ``trainer(model, data, config)`` and returns a
:class:`FitResult`; the config's type picks the trainer
(:func:`trainer_for`): the autoencoder loop (:mod:`.loop`), GLocal-K's
L-BFGS stages (:mod:`.glocal_k`), biased MF's SGD (:mod:`.mf`), ConvMF's
alternating updates (:mod:`.convmf`), the
closed-form models and the blend (:mod:`.closed_form`). Several devices
under ``torchrun``: :mod:`.distributed`.
"""

from __future__ import annotations

from typing import Callable

from torch import nn

from deeprec.data.matrix import RatingData
from deeprec.train.closed_form import fit_blend_model, fit_closed_form
from deeprec.train.configs import (EPOCH_FIELDS, LATER_FIELDS,  # noqa
                                   PLACEMENT_FIELDS, BlendConfig,
                                   ClosedFormConfig, ConvMFTrainConfig,
                                   GLocalKTrainConfig, MFTrainConfig,
                                   TrainConfig)
from deeprec.train import distributed  # noqa: F401
from deeprec.train.distributed import (Share, Sharding,  # noqa: F401
                                       is_writer)
from deeprec.train.convmf import fit_convmf, solve_rows  # noqa: F401
from deeprec.train.glocal_k import fit_glocal_k
from deeprec.train.loop import (DENSE_LIMIT, autocast, compiled,  # noqa
                                fit, make_optimizer, reconstruction_loss,
                                row_source, run_epoch, train_step)
from deeprec.train.mf import fit_mf
from deeprec.train.result import Checkpoint, FitResult  # noqa: F401

#: Train config type -> its trainer.
TRAINERS: dict[type, Callable[..., FitResult]] = {
    TrainConfig: fit, GLocalKTrainConfig: fit_glocal_k,
    MFTrainConfig: fit_mf, ConvMFTrainConfig: fit_convmf,
    ClosedFormConfig: fit_closed_form,
    BlendConfig: fit_blend_model}


def trainer_for(config) -> Callable[..., FitResult]:
    """The trainer of a train config (by its type)."""
    try:
        return TRAINERS[type(config)]
    except KeyError:
        raise TypeError(f"no trainer for a {type(config).__name__}; "
                        f"known: {', '.join(c.__name__ for c in TRAINERS)}"
                        ) from None


def train(model: nn.Module, data: RatingData, config) -> FitResult:
    """Train ``model`` on ``data`` with the trainer of ``config``'s type."""
    return trainer_for(config)(model, data, config)
