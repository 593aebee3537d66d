"""Biased MF's trainer: SGD on shuffled mini-batches of ratings."""

from __future__ import annotations

import math
import time
from typing import Callable, Sequence

import torch
from torch import nn
from tqdm.auto import tqdm

from deeprec.data.matrix import RatingData
from deeprec.train.configs import MFTrainConfig
from deeprec.train.result import Checkpoint, FitResult, end_epoch
from deeprec.utils import get_device, set_seed, show_progress


def fit_mf(model: nn.Module, data: RatingData,
           config: MFTrainConfig = MFTrainConfig(),
           callbacks: Sequence[Callable[[dict, nn.Module], None]] = ()
           ) -> FitResult:
    """Train :class:`~deeprec.models.BiasedMF` by SGD on shuffled
    mini-batches of ratings, with per-rating L2 (scikit-surprise SVD's
    objective and defaults); evaluate every epoch.
    ``callback(history_row, model)`` runs after every epoch."""
    set_seed(config.seed)
    device = get_device(config.device)
    model.to(device)
    e = data.train_entries.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr)
    gen = torch.Generator().manual_seed(config.seed)
    kept = Checkpoint(model, config.keep, len(data.valid) > 0)
    show = show_progress(config.progress)
    bar = tqdm(range(1, config.num_epochs + 1), disable=not show,
               desc="BiasedMF", leave=False)
    for epoch in bar:
        tick = time.perf_counter()
        sse = torch.zeros((), device=device)
        order = torch.randperm(len(e), generator=gen).to(device)
        for idx in order.split(config.batch_size):
            u, i, r = e.users[idx], e.items[idx], e.ratings[idx]
            optimizer.zero_grad()
            err = model(u, i) - r
            penalty = (model.user_bias[u] ** 2 + model.item_bias[i] ** 2
                       + (model.P[u] ** 2).sum(1) + (model.Q[i] ** 2).sum(1))
            (0.5 * (err * err + config.l2 * penalty).sum()).backward()
            optimizer.step()
            sse += (err.detach() ** 2).sum()
        row = {"epoch": epoch, "train_rmse": math.sqrt(sse.item() / len(e))}
        if not end_epoch(row, model, data, kept, config.clip, tick,
                         callbacks):
            break
    bar.close()
    return kept.result(config)
