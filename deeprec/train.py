"""Training: one visible loop for autoencoders, one for biased MF, one for
GLocal-K's two L-BFGS stages.

:func:`fit` trains any autoencoder with an ``orientation`` attribute
(AutoRec, DeepAutoEncoder) on rows of the training matrix. The matrix lives
on the device once; a batch is built by indexing. Dense re-feeding, the
learning-rate schedule, divergence detection and the best-on-validation
checkpoint are all in this file.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass
from typing import Callable, Sequence

import pandas as pd
import torch
from torch import nn
from tqdm.auto import tqdm

from deeprec.data.matrix import CSR, RatingData
from deeprec.evaluate import (evaluate_rmse, model_device, predict_ratings,
                              rmse)
from deeprec.losses import (autorec_loss, l2_penalty, masked_mse,
                             masked_sse, observed)
from deeprec.utils import get_device, set_seed

#: Largest training matrix (in entries) kept dense on the device; larger
#: ones stay CSR and batches are densified row by row.
DENSE_LIMIT = 2 ** 28


@dataclass
class TrainConfig:
    """How to train (one vocabulary for every model).

    Attributes:
        num_epochs: passes over the rows.
        batch_size: rows per step (ignored by full-batch lbfgs/rprop).
        optimizer: ``"sgd"`` (with momentum), ``"adam"``, ``"rprop"`` or
            ``"lbfgs"`` (the last two take the full batch, as in AutoRec).
        lr, momentum, weight_decay: optimizer settings.
        loss: ``"mmse"`` (masked mean, deep-AE paper) or ``"sse"``
            (AutoRec's sum of squares, with penalty ``l2``).
        l2: AutoRec's lambda on the weight matrices (with any loss).
        refeed: dense re-feeding steps per batch (0 = off).
        lr_milestones: fractions of ``num_epochs`` at which the learning rate
            is multiplied by ``lr_gamma`` (scale-free, unlike fixed epochs).
        lbfgs_iters: L-BFGS iterations per epoch.
        clip: clip evaluation predictions to the rating range.
        eval_batch_size: rows per evaluation forward pass.
        seed: seeds the batch order and dropout (call
            :func:`deeprec.set_seed` before building the model to seed its
            initialisation too).
        device: ``"auto"`` (cuda > mps > cpu) or a device name.
        progress: show a tqdm progress bar.
    """

    num_epochs: int = 50
    batch_size: int = 128
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.9
    weight_decay: float = 0.0
    loss: str = "mmse"
    l2: float = 0.0
    refeed: int = 0
    lr_milestones: tuple[float, ...] = ()
    lr_gamma: float = 0.5
    lbfgs_iters: int = 20
    clip: bool = True
    eval_batch_size: int = 1024
    seed: int = 0
    device: str = "auto"
    progress: bool = True


@dataclass
class FitResult:
    """What :func:`fit` returns.

    Attributes:
        model: the trained model, holding the best-on-validation weights
            (the last ones when there is no validation part).
        history: one row per epoch: ``epoch, train_rmse, valid_rmse,
            test_rmse, lr, seconds``.
        best_epoch: epoch of the kept weights.
        valid_rmse, test_rmse: RMSE of the kept weights.
        diverged: True when a loss became NaN/inf and the run stopped.
        seconds: wall time of the whole run.
    """

    model: nn.Module
    history: pd.DataFrame
    best_epoch: int
    valid_rmse: float
    test_rmse: float
    diverged: bool
    seconds: float
    config: "TrainConfig | GLocalKTrainConfig"

    def summary(self) -> dict:
        """One flat row for a results table."""
        return {"best_epoch": self.best_epoch, "valid_rmse": self.valid_rmse,
                "test_rmse": self.test_rmse, "diverged": self.diverged,
                "seconds": round(self.seconds, 2),
                "epochs_run": len(self.history)}


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
        A :class:`FitResult`; the model holds the best-on-validation weights.
    """
    start = time.perf_counter()
    set_seed(config.seed)
    device = get_device(config.device)
    model.to(device)
    inputs = data.matrix(model.orientation, device)
    num_rows = inputs.shape[0]
    rows_of = row_source(inputs)
    optimizer = make_optimizer(model, config)
    milestones = sorted({max(1, round(f * config.num_epochs))
                         for f in config.lr_milestones})
    scheduler = torch.optim.lr_scheduler.MultiStepLR(
        optimizer, milestones, gamma=config.lr_gamma)
    full_batch = config.optimizer in ("lbfgs", "rprop")
    batch_size = num_rows if full_batch else config.batch_size
    order_gen = torch.Generator().manual_seed(config.seed)
    has_valid = len(data.valid) > 0
    rows, best, best_state, diverged = [], None, None, False
    bar = tqdm(range(1, config.num_epochs + 1), disable=not config.progress,
               desc=type(model).__name__, leave=False)
    for epoch in bar:
        tick = time.perf_counter()
        order = torch.randperm(num_rows, generator=order_gen).to(device)
        sse, diverged = run_epoch(model, optimizer, rows_of, order,
                                  batch_size, config)
        scheduler.step()
        row = {"epoch": epoch,
               "train_rmse": math.sqrt(sse.item() / inputs.nnz),
               "valid_rmse": float("nan"), "test_rmse": float("nan"),
               "lr": optimizer.param_groups[0]["lr"]}
        if diverged or not math.isfinite(row["train_rmse"]):
            diverged = True
            row["train_rmse"] = float("nan")
        else:
            row["valid_rmse"] = evaluate_rmse(model, data, "valid",
                                              config.eval_batch_size,
                                              config.clip)
            row["test_rmse"] = evaluate_rmse(model, data, "test",
                                             config.eval_batch_size,
                                             config.clip)
        row["seconds"] = time.perf_counter() - tick
        rows.append(row)
        for callback in callbacks:
            callback(row, model)
        if diverged:
            break
        key = row["valid_rmse"] if has_valid else -epoch  # else: the last
        if best is None or key < best[0]:
            best = (key, epoch, row)
            best_state = copy.deepcopy(model.state_dict())
        bar.set_postfix(train=f"{row['train_rmse']:.4f}",
                        valid=f"{row['valid_rmse']:.4f}",
                        test=f"{row['test_rmse']:.4f}")
    bar.close()
    return _finish(model, rows, best[2] if best else None, best_state,
                   diverged, start, config)


def _finish(model: nn.Module, rows: list[dict], kept: dict | None,
            kept_state: dict | None, diverged: bool, start: float,
            config) -> FitResult:
    """Restore the kept (best-on-validation) weights; the FitResult of a
    run whose epochs are ``rows`` and whose kept epoch is row ``kept``."""
    if kept_state is not None:
        model.load_state_dict(kept_state)
    kept = kept or {"epoch": 0, "valid_rmse": float("nan"),
                    "test_rmse": float("nan")}
    return FitResult(model, pd.DataFrame(rows), kept["epoch"],
                     kept["valid_rmse"], kept["test_rmse"], diverged,
                     time.perf_counter() - start, config)


@dataclass
class GLocalKTrainConfig:
    """How :func:`fit_glocal_k` trains (defaults: GLocal-K's ML-100K code).

    Attributes:
        pretrain_epochs: epochs of the kernel layers alone (paper: 30).
        finetune_epochs: epochs with the global kernel on (paper: 60).
        lbfgs_iters: L-BFGS iterations per epoch (paper: 5); the optimizer
            restarts every epoch, as SciPy's L-BFGS-B does per call there.
        max_evals: loss evaluations per epoch, line searches included.
        clip, seed, device, progress: as in :class:`TrainConfig`.
    """

    pretrain_epochs: int = 30
    finetune_epochs: int = 60
    lbfgs_iters: int = 5
    max_evals: int = 100
    clip: bool = True
    seed: int = 0
    device: str = "auto"
    progress: bool = True


def fit_glocal_k(model: nn.Module, data: RatingData,
                 config: GLocalKTrainConfig = GLocalKTrainConfig()
                 ) -> FitResult:
    """Pre-train, then fine-tune, a :class:`~deeprec.models.GLocalK` on the
    whole item x user training matrix with full-batch L-BFGS on
    ``sum of squared errors / 2 + model.penalty()``; evaluate every epoch
    and keep the best-on-validation weights (of either stage). The history
    has a ``stage`` column (``"pre-train"``, ``"fine-tune"``)."""
    start = time.perf_counter()
    set_seed(config.seed)
    model.to(get_device(config.device))
    r = data.matrix(model.orientation, model_device(model)).to_dense()
    mask = observed(r)
    stages = (["pre-train"] * config.pretrain_epochs
              + ["fine-tune"] * config.finetune_epochs)
    rows, best, best_state, diverged = [], None, None, False
    bar = tqdm(stages, disable=not config.progress, desc="GLocalK",
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
        diverged = not math.isfinite(row["train_rmse"])
        for part in ("valid", "test") if not diverged else ():
            held = data.part(part)
            if len(held):
                row[part + "_rmse"] = rmse(held.ratings, predict_ratings(
                    model, data, held, clip=config.clip,
                    reconstruction=recon))
        row["seconds"] = time.perf_counter() - tick
        rows.append(row)
        if diverged:
            break
        key = row["valid_rmse"] if len(data.valid) else -epoch
        if best is None or key < best[0]:
            best = (key, row)
            best_state = copy.deepcopy(model.state_dict())
        bar.set_postfix(stage=stage, valid=f"{row['valid_rmse']:.4f}")
    bar.close()
    return _finish(model, rows, best[1] if best else None, best_state,
                   diverged, start, config)


def fit_mf(model: nn.Module, data: RatingData, num_epochs: int = 20,
           lr: float = 0.005, reg: float = 0.02, batch_size: int = 32,
           seed: int = 0, device: str = "auto",
           callbacks: Sequence[Callable[[int, nn.Module], None]] = ()
           ) -> nn.Module:
    """Train :class:`~deeprec.models.BiasedMF` by SGD on shuffled mini-batches
    of ratings, with per-rating L2 (scikit-surprise SVD's objective and
    defaults; small batches come closest to its one-rating-at-a-time SGD).
    ``callback(epoch, model)`` runs after every epoch."""
    set_seed(seed)
    device = get_device(device)
    model.to(device)
    e = data.train_entries.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    for epoch in range(1, num_epochs + 1):
        for idx in torch.randperm(len(e), generator=gen).to(device).split(
                batch_size):
            u, i, r = e.users[idx], e.items[idx], e.ratings[idx]
            optimizer.zero_grad()
            err = model(u, i) - r
            penalty = (model.user_bias[u] ** 2 + model.item_bias[i] ** 2
                       + (model.P[u] ** 2).sum(1) + (model.Q[i] ** 2).sum(1))
            (0.5 * (err * err + reg * penalty).sum()).backward()
            optimizer.step()
        for callback in callbacks:
            callback(epoch, model)
    return model


def config_row(*configs) -> dict:
    """Flatten dataclass configs into one dict (for result tables)."""
    row = {}
    for config in configs:
        row.update(asdict(config))
    return row
