"""GLocal-K's trainer: two stages of full-batch L-BFGS on the whole
matrix (Han et al., 2021)."""

from __future__ import annotations

import math
import time

import torch
from torch import nn
from tqdm.auto import tqdm

from deeprec.data.matrix import RatingData
from deeprec.evaluate import (WHOLE_MATRIX_OPTION, model_device,
                              predict_ratings, rmse)
from deeprec.memory import check_dense
from deeprec.losses import masked_sse, observed
from deeprec.train.configs import GLocalKTrainConfig
from deeprec.train.result import Checkpoint, FitResult
from deeprec.utils import get_device, set_seed, show_progress

#: Dense copies of the whole matrix training holds at once: the matrix,
#: its mask, the forward pass's activations, their gradients and L-BFGS's
#: line-search evaluation (an upper bound: 3.2 GB peak measured on ML-1M's
#: 22.6 million entries is about 35 bytes, nine float32 copies, an entry).
TRAIN_COPIES = 12


def fit_glocal_k(model: nn.Module, data: RatingData,
                 config: GLocalKTrainConfig = GLocalKTrainConfig()
                 ) -> FitResult:
    """Pre-train, then fine-tune, a :class:`~deeprec.models.GLocalK` on the
    whole item x user training matrix with full-batch L-BFGS on
    ``sum of squared errors / 2 + model.penalty()``; evaluate every epoch
    and keep the best-on-validation weights (of either stage). The history
    has a ``stage`` column (``"pre-train"``, ``"fine-tune"``)."""
    set_seed(config.seed)
    model.to(get_device(config.device))
    inputs = data.matrix(model.orientation, model_device(model))
    check_dense(*inputs.shape, inputs.device, "fit_glocal_k",
                WHOLE_MATRIX_OPTION, copies=TRAIN_COPIES)
    r = inputs.to_dense()
    mask = observed(r)
    stages = (["pre-train"] * config.pretrain_epochs
              + ["fine-tune"] * config.finetune_epochs)
    kept = Checkpoint(model, config.keep, len(data.valid) > 0)
    bar = tqdm(stages, disable=not show_progress(config.progress),
               desc="GLocalK",
               leave=False)
    for epoch, stage in enumerate(bar, start=1):
        tick = time.perf_counter()
        model.use_global.fill_(stage == "fine-tune")
        optimizer = torch.optim.LBFGS(
            model.parameters(), max_iter=config.lbfgs_iters,
            max_eval=config.max_evals, history_size=10,
            line_search_fn="strong_wolfe")

        def closure() -> torch.Tensor:
            optimizer.zero_grad()
            loss = 0.5 * masked_sse(model(r), r, mask) + model.penalty()
            loss.backward()
            return loss

        model.train()
        optimizer.step(closure)
        with torch.no_grad():  # one pass serves all three RMSEs
            recon = model(r)
        sse = masked_sse(recon, r, mask).item()
        row = {"epoch": epoch, "stage": stage,
               "train_rmse": math.sqrt(sse / mask.sum().item()),
               "valid_rmse": float("nan"), "test_rmse": float("nan")}
        for part in ("valid", "test"):
            held = data.part(part)
            if len(held) and math.isfinite(row["train_rmse"]):
                row[part + "_rmse"] = rmse(held.ratings, predict_ratings(
                    model, data, held, clip=config.clip,
                    reconstruction=recon))
        row["seconds"] = time.perf_counter() - tick
        if not kept.offer(row):
            break
        bar.set_postfix(stage=stage, valid=f"{row['valid_rmse']:.4f}")
    bar.close()
    return kept.result(config)
