"""The training loop of the autoencoders (AutoRec, DeepAutoEncoder).

:func:`fit` trains any autoencoder with an ``orientation`` attribute on
rows of the training matrix. The matrix lives on the device once; a batch
is built by indexing. Dense re-feeding, the learning-rate schedule,
divergence detection, bf16 autocast and ``torch.compile`` are in this
file; the kept checkpoint is :class:`~deeprec.train.result.Checkpoint`'s.
Under ``torchrun`` (several ranks) :func:`fit` trains with
DistributedDataParallel: see :mod:`deeprec.train.distributed`.
"""

from __future__ import annotations

import contextlib
import math
import time
import warnings
from typing import Callable, ContextManager, Sequence

import torch
from torch import nn
from tqdm.auto import tqdm

from deeprec.data.matrix import CSR, RatingData
from deeprec.evaluate import evaluate_rmse
from deeprec.losses import (autorec_loss, l2_penalty, masked_mse,
                             masked_sse, observed)
from deeprec.train import distributed, pitfalls
from deeprec.train.configs import TrainConfig
from deeprec.train.distributed import Share, Sharding
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
                        config: TrainConfig, scale: float,
                        share: Share | None = None) -> torch.Tensor:
    """The training objective of ``config.loss`` for one batch.

    ``share``: under DDP, this rank's part of a global batch. The data
    term is then multiplied by the number of ranks and divided by the
    *global* batch's observed entries, so that the ranks' mean gradient
    (DDP's all-reduce) is the gradient of the global batch's loss.
    """
    if config.loss not in ("sse", "mmse"):
        raise ValueError(f"unknown loss {config.loss!r}; use mmse or sse")
    if share is not None:
        return _shared_loss(model, pred, target, mask, config, scale, share)
    if config.loss == "sse":
        return autorec_loss(pred, target, mask, model.weight_matrices(),
                            config.l2, scale)
    loss = masked_mse(pred, target, mask)
    if config.l2:  # AutoRec's objective divided by the number of ratings
        loss = loss + 0.5 * config.l2 * scale * l2_penalty(
            model.weight_matrices()) / mask.sum()
    return loss


def _shared_loss(model: nn.Module, pred: torch.Tensor, target: torch.Tensor,
                 mask: torch.Tensor, config: TrainConfig, scale: float,
                 share: Share) -> torch.Tensor:
    """A rank's scaled part of :func:`reconstruction_loss` (the penalty,
    the same on every rank, is not multiplied)."""
    data = share.world * masked_sse(pred, target, mask)
    penalty = (0.5 * config.l2 * scale * l2_penalty(model.weight_matrices())
               if config.l2 or config.loss == "sse" else None)
    if config.loss == "sse":
        return data + penalty
    loss = data / share.count.clamp(min=1)
    return loss if penalty is None else loss + penalty / share.count


def autocast(config: TrainConfig, device: torch.device) -> ContextManager:
    """The forward passes' precision: bf16 autocast, or nothing (fp32)."""
    if config.precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer,
               x: torch.Tensor, config: TrainConfig, scale: float,
               net: nn.Module | None = None, share: Share | None = None
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """One update on a batch, then ``config.refeed`` dense re-feeding
    updates, each with an optimizer step of its own.

    Args:
        net: what the training passes run through (the DDP or compiled
            wrapper of ``model``; default ``model``).
        share: under DDP, this rank's part of the global batch (``x`` holds
            this rank's rows only); see :func:`reconstruction_loss`.

    Returns:
        (loss, sse) of the first, sparse pass; ``sse`` is the sum of
        squared errors over observed ratings (for the training RMSE); under
        DDP the loss is the global batch's and ``sse`` this rank's.
    """
    net = model if net is None else net
    mask = observed(x)

    def forward(module: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
        with autocast(config, inputs.device):
            return module(inputs).float()

    def objective(y, target, m, part):
        return reconstruction_loss(model, y, target, m, config, scale, part)

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = objective(forward(net, x), x, mask, share)
        loss.backward()
        return loss if share is None else distributed.mean_loss(
            [loss], share.world)[0]

    if config.optimizer == "lbfgs":
        optimizer.step(closure)
        with torch.no_grad():
            y = forward(model, x)
            loss = objective(y, x, mask, share)
    else:
        pitfalls.clear_gradients(optimizer, config)
        y = forward(net, x)
        loss = objective(y, x, mask, share)
        loss.backward()
        optimizer.step()
    sse = masked_sse(y.detach(), x, mask)
    losses = [loss.detach()]
    for _ in range(config.refeed):
        x = y.detach()  # f(x) is a new, dense example: all entries observed
        dense = torch.ones_like(x, dtype=torch.bool)
        pitfalls.clear_gradients(optimizer, config)
        y = forward(net, x)
        refeed_loss = objective(y, x, dense, share and share.dense(
            x.shape[1]))
        refeed_loss.backward()
        optimizer.step()
        losses.append(refeed_loss.detach())
    if share is not None:  # the global values, the same on every rank
        losses = distributed.mean_loss(losses, share.world)
    loss = losses[0]
    for refeed_loss in losses[1:]:
        loss = torch.where(torch.isfinite(refeed_loss), loss, refeed_loss)
    return loss.detach(), sse


def run_epoch(model: nn.Module, optimizer: torch.optim.Optimizer,
              rows_of: Callable[[torch.Tensor], torch.Tensor],
              order: torch.Tensor, batch_size: int, config: TrainConfig,
              net: nn.Module | None = None,
              sharding: Sharding | None = None
              ) -> tuple[torch.Tensor, bool]:
    """One pass over the rows in ``order``; ``rows_of(index)`` returns the
    dense (batch, num_inputs) input rows. With ``sharding`` (DDP) each
    global batch of ``batch_size`` rows is split across the ranks.

    Returns:
        (sum of squared training errors (of all ranks), diverged?)
    """
    model.train()
    sse = torch.zeros((), device=order.device)
    diverged = False
    for batch in pitfalls.batches(order, batch_size, config):
        rows, share = (batch, None) if sharding is None else sharding.split(
            batch)
        loss, batch_sse = train_step(model, optimizer, rows_of(rows),
                                     config, len(batch) / len(order), net,
                                     share)
        sse += batch_sse
        if not torch.isfinite(loss):
            diverged = True
            break
    if sharding is not None:
        distributed.all_sum(sse)
    return sse, diverged


def row_source(inputs: CSR) -> Callable[[torch.Tensor], torch.Tensor]:
    """Batch builder: index a dense copy of the matrix when it fits on the
    device (:data:`DENSE_LIMIT`), else densify CSR rows per batch."""
    if inputs.shape[0] * inputs.shape[1] <= DENSE_LIMIT:
        return inputs.to_dense().__getitem__
    return inputs.dense_rows


Callback = Callable[[dict, nn.Module], None]


def compiled(net: nn.Module, sample: torch.Tensor, config: TrainConfig
             ) -> nn.Module:
    """``torch.compile(net)`` when ``config.compile``, tried on ``sample``
    (forward and backward; the RNG state is restored and the gradients
    cleared); where compiling fails, a warning and ``net`` itself."""
    if not config.compile:
        return net
    devices = [sample.device] if sample.device.type == "cuda" else []
    try:
        candidate = torch.compile(net)
        with torch.random.fork_rng(devices=devices), autocast(
                config, sample.device):
            candidate(sample).float().sum().backward()
    except Exception as error:  # no compiler, unsupported platform, ...
        reason = (str(error).strip().splitlines() or [""])[0][:200]
        warnings.warn(f"compile=True: torch.compile is unavailable here "
                      f"({type(error).__name__}: {reason}); training "
                      f"without it", RuntimeWarning, stacklevel=3)
        return net
    finally:
        for param in net.parameters():
            param.grad = None
    return candidate


def _evaluate(model: nn.Module, data: RatingData, row: dict,
              config: TrainConfig) -> None:
    """Add the validation and test RMSE to an epoch's ``row`` (NaN once
    training diverged), weighted as an evaluation pitfall says (then
    computed whole on every rank)."""
    weighting = pitfalls.weighting(config)
    for part in ("valid", "test"):
        row[part + "_rmse"] = float("nan") if not math.isfinite(
            row["train_rmse"]) else distributed.evaluate(
            model, data, part, config.eval_batch_size, config.clip
        ) if weighting == "rating" else evaluate_rmse(
            model, data, part, config.eval_batch_size, config.clip,
            weighting)


def fit(model: nn.Module, data: RatingData,
        config: TrainConfig = TrainConfig(),
        callbacks: Sequence[Callback] = ()) -> FitResult:
    """Train an autoencoder on ``data`` and evaluate it every epoch.

    Under ``torchrun`` with several ranks the model trains with
    DistributedDataParallel (:mod:`deeprec.train.distributed`); every rank
    returns the same result, and only rank 0 shows a progress bar.

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
    several = distributed.setup()
    device = distributed.device_for(get_device(config.device))
    model.to(device)
    distributed.seed_rank(config.seed)
    inputs = data.matrix(model.orientation, device)
    rows_of = row_source(inputs)
    optimizer = make_optimizer(model, config)
    milestones, gamma = pitfalls.lr_milestones(config)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(
        optimizer, milestones, gamma=gamma)
    full_batch = config.optimizer in ("lbfgs", "rprop")
    batch_size = inputs.shape[0] if full_batch else config.batch_size
    sharding = Sharding(inputs) if several else None
    net = distributed.wrap(model, device) if several else model
    if config.compile:
        first = torch.arange(min(batch_size, inputs.shape[0]), device=device)
        net = compiled(net, rows_of(sharding.split(first)[0] if several
                                    else first), config)
    order_gen = torch.Generator().manual_seed(config.seed)
    kept = Checkpoint(model, config.keep, len(data.valid) > 0,
                      pitfalls.selection_part(config))
    show = show_progress(config.progress) and distributed.is_writer()
    bar = tqdm(range(1, config.num_epochs + 1), disable=not show,
               desc=type(model).__name__, leave=False)
    for epoch in bar:
        distributed.fail_hook(epoch)
        tick = time.perf_counter()
        order = torch.randperm(inputs.shape[0], generator=order_gen)
        sse, diverged = run_epoch(model, optimizer, rows_of,
                                  order.to(device), batch_size, config, net,
                                  sharding)
        scheduler.step()
        train = math.sqrt(sse.item() / inputs.nnz)
        row = {"epoch": epoch,
               "train_rmse": float("nan") if diverged else train}
        _evaluate(model, data, row, config)
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
