"""The training loop of the autoencoders (AutoRec, DeepAutoEncoder).

:func:`fit` trains any autoencoder with an ``orientation`` attribute on
rows of the training matrix. The matrix lives on the device once; a batch
is built by indexing. Dense re-feeding, the learning-rate schedule and
divergence detection are in this file; the kept checkpoint is
:class:`~deeprec.train.result.Checkpoint`'s.
"""

from __future__ import annotations

import math
import time
from typing import Callable, Sequence

import torch
from torch import nn
from tqdm.auto import tqdm

from deeprec.data.matrix import CSR, RatingData
from deeprec.evaluate import evaluate_rmse
from deeprec.losses import (autorec_loss, l2_penalty, masked_mse,
                             masked_sse, observed)
from deeprec.train.configs import TrainConfig
from deeprec.train.result import Checkpoint, FitResult
from deeprec.utils import get_device, set_seed, show_progress

#: Largest training matrix (in entries) kept dense on the device; larger
#: ones stay CSR and batches are densified row by row.
DENSE_LIMIT = 2 ** 28


def make_optimizer(model: nn.Module, config: TrainConfig
                   ) -> torch.optim.Optimizer:
    """The optimizer named by ``config.optimizer``."""
    params, c = model.parameters(), config
    if c.optimizer == "sgd":
        return torch.optim.SGD(params, lr=c.lr, momentum=c.momentum,
                               weight_decay=c.weight_decay)
    if c.optimizer == "adam":
        return torch.optim.Adam(params, lr=c.lr, weight_decay=c.weight_decay)
    if c.optimizer == "rprop":
        return torch.optim.Rprop(params, lr=c.lr)
    if c.optimizer == "lbfgs":
        return torch.optim.LBFGS(params, lr=c.lr, max_iter=c.lbfgs_iters,
                                 history_size=10,
                                 line_search_fn="strong_wolfe")
    raise ValueError(f"unknown optimizer {c.optimizer!r}; use sgd, adam, "
                     "rprop or lbfgs")


def reconstruction_loss(model: nn.Module, pred: torch.Tensor,
                        target: torch.Tensor, mask: torch.Tensor,
                        config: TrainConfig, scale: float) -> torch.Tensor:
    """The training objective of ``config.loss`` for one batch."""
    if config.loss == "sse":
        return autorec_loss(pred, target, mask, model.weight_matrices(),
                            config.l2, scale)
    if config.loss != "mmse":
        raise ValueError(f"unknown loss {config.loss!r}; use mmse or sse")
    loss = masked_mse(pred, target, mask)
    if config.l2:  # AutoRec's objective divided by the number of ratings
        loss = loss + 0.5 * config.l2 * scale * l2_penalty(
            model.weight_matrices()) / mask.sum()
    return loss


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer,
               x: torch.Tensor, config: TrainConfig, scale: float
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """One update on a batch, then ``config.refeed`` dense re-feeding
    updates, each with an optimizer step of its own.

    Returns:
        (loss, sse) of the first, sparse pass; ``sse`` is the sum of
        squared errors over observed ratings (for the training RMSE).
    """
    mask = observed(x)

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = reconstruction_loss(model, model(x), x, mask, config, scale)
        loss.backward()
        return loss

    if config.optimizer == "lbfgs":
        optimizer.step(closure)
        with torch.no_grad():
            y = model(x)
            loss = reconstruction_loss(model, y, x, mask, config, scale)
    else:
        optimizer.zero_grad()
        y = model(x)
        loss = reconstruction_loss(model, y, x, mask, config, scale)
        loss.backward()
        optimizer.step()
    sse = masked_sse(y.detach(), x, mask)
    for _ in range(config.refeed):
        x = y.detach()  # f(x) is a new, dense example: all entries observed
        dense = torch.ones_like(x, dtype=torch.bool)
        optimizer.zero_grad()
        y = model(x)
        refeed_loss = reconstruction_loss(model, y, x, dense, config, scale)
        refeed_loss.backward()
        optimizer.step()
        loss = torch.where(torch.isfinite(refeed_loss), loss, refeed_loss)
    return loss.detach(), sse


def run_epoch(model: nn.Module, optimizer: torch.optim.Optimizer,
              rows_of: Callable[[torch.Tensor], torch.Tensor],
              order: torch.Tensor, batch_size: int, config: TrainConfig
              ) -> tuple[torch.Tensor, bool]:
    """One pass over the rows in ``order``; ``rows_of(index)`` returns the
    dense (batch, num_inputs) input rows.

    Returns:
        (sum of squared training errors, diverged?)
    """
    model.train()
    sse = torch.zeros((), device=order.device)
    for batch in order.split(batch_size):
        loss, batch_sse = train_step(model, optimizer, rows_of(batch),
                                     config, len(batch) / len(order))
        sse += batch_sse
        if not torch.isfinite(loss):
            return sse, True
    return sse, False


def row_source(inputs: CSR) -> Callable[[torch.Tensor], torch.Tensor]:
    """Batch builder: index a dense copy of the matrix when it fits on the
    device (:data:`DENSE_LIMIT`), else densify CSR rows per batch."""
    if inputs.shape[0] * inputs.shape[1] <= DENSE_LIMIT:
        return inputs.to_dense().__getitem__
    return inputs.dense_rows


Callback = Callable[[dict, nn.Module], None]


def fit(model: nn.Module, data: RatingData,
        config: TrainConfig = TrainConfig(),
        callbacks: Sequence[Callback] = ()) -> FitResult:
    """Train an autoencoder on ``data`` and evaluate it every epoch.

    Args:
        model: an AutoRec or DeepAutoEncoder (anything with
            ``orientation`` and ``weight_matrices()``).
        data: the split in index space.
        config: the training settings.
        callbacks: called as ``callback(history_row, model)`` after every
            epoch (live plots, logging).

    Returns:
        A :class:`FitResult`; the model holds the kept weights.
    """
    set_seed(config.seed)
    device = get_device(config.device)
    model.to(device)
    inputs = data.matrix(model.orientation, device)
    rows_of = row_source(inputs)
    optimizer = make_optimizer(model, config)
    milestones = sorted({max(1, round(f * config.num_epochs))
                         for f in config.lr_milestones})
    scheduler = torch.optim.lr_scheduler.MultiStepLR(
        optimizer, milestones, gamma=config.lr_gamma)
    full_batch = config.optimizer in ("lbfgs", "rprop")
    batch_size = inputs.shape[0] if full_batch else config.batch_size
    order_gen = torch.Generator().manual_seed(config.seed)
    kept = Checkpoint(model, config.keep, len(data.valid) > 0)
    show = show_progress(config.progress)
    bar = tqdm(range(1, config.num_epochs + 1), disable=not show,
               desc=type(model).__name__, leave=False)
    for epoch in bar:
        tick = time.perf_counter()
        order = torch.randperm(inputs.shape[0], generator=order_gen)
        sse, diverged = run_epoch(model, optimizer, rows_of,
                                  order.to(device), batch_size, config)
        scheduler.step()
        train = math.sqrt(sse.item() / inputs.nnz)
        row = {"epoch": epoch,
               "train_rmse": float("nan") if diverged else train}
        for part in ("valid", "test"):
            row[part + "_rmse"] = float("nan") if not math.isfinite(
                row["train_rmse"]) else evaluate_rmse(
                model, data, part, config.eval_batch_size, config.clip)
        row.update(lr=optimizer.param_groups[0]["lr"],
                   seconds=time.perf_counter() - tick)
        going = kept.offer(row)
        for callback in callbacks:
            callback(row, model)
        if not going:
            break
        bar.set_postfix(train=f"{row['train_rmse']:.4f}",
                        valid=f"{row['valid_rmse']:.4f}")
    bar.close()
    return kept.result(config)
