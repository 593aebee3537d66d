"""ConvMF's and PMF's trainer: closed-form updates of ``U`` and ``V``,
alternating with back-propagation of the CNN (Kim et al., 2016, Eq. 7-9).

Every update is batched on the device: for a slice of rows, each row's
Gram matrix ``sum_j v_j v_j^T`` and right-hand side ``sum_j r_ij v_j``
are summed from the ratings with ``index_add_`` (no Python loop over
users, items or ratings), and the ``k x k`` systems are solved together.
"""

from __future__ import annotations

import math
import time
import warnings
from typing import Callable, Sequence

import torch
from torch import nn
from tqdm.auto import tqdm

from deeprec.data.matrix import CSR, RatingData
from deeprec.train.configs import ConvMFTrainConfig
from deeprec.train.result import Checkpoint, FitResult, end_epoch
from deeprec.utils import get_device, set_seed, show_progress

#: Bytes of the per-rating outer products held at once by a solve.
SOLVE_BYTES = 1 << 27


def solve_rows(matrix: CSR, other: torch.Tensor, lam: float,
               prior: torch.Tensor | None = None,
               budget: int = SOLVE_BYTES) -> torch.Tensor:
    """For every row ``i`` of ``matrix`` (ratings ``r_ij`` at columns
    ``j``): ``x_i = (sum_j o_j o_j^T + lam I)^-1 (sum_j r_ij o_j +
    lam prior_i)`` with ``o = other``; ``prior`` None means zeros (PMF).

    When the table of every ``o_j o_j^T`` fits in ``budget`` bytes, each
    slice's Gram matrices are one sparse-times-dense product with it;
    otherwise the outer products of a slice's ratings are summed with
    ``index_add_``, about ``budget`` bytes of them at a time."""
    k, rows = other.shape[1], matrix.shape[0]
    out = torch.empty(rows, k, device=other.device, dtype=other.dtype)
    eye = torch.eye(k, device=other.device, dtype=other.dtype)
    table = None
    if other.shape[0] * k * k * other.element_size() <= budget:
        table = (other.unsqueeze(2) * other.unsqueeze(1)).reshape(-1, k * k)
    indptr = matrix.indptr.cpu()
    per_slice = max(budget // (other.element_size() * k * k), 1)
    lo = 0
    while lo < rows:
        if table is not None:  # rows' Gram matrices fit the budget
            hi = min(lo + per_slice, rows)
        else:  # their ratings' outer products fit the budget
            start = int(indptr[lo])
            hi = int(torch.searchsorted(indptr, start + per_slice,
                                        right=True)) - 1
            hi = min(max(hi, lo + 1), rows)
        gram, rhs = _normal_equations(matrix, other, table, lo, hi)
        gram += lam * eye
        if prior is not None:
            rhs += lam * prior[lo:hi]
        out[lo:hi] = torch.linalg.solve(gram, rhs)
        lo = hi
    return out


def _normal_equations(matrix: CSR, other: torch.Tensor,
                      table: torch.Tensor | None, lo: int, hi: int
                      ) -> tuple[torch.Tensor, torch.Tensor]:
    """``sum_j o_j o_j^T`` ((hi-lo, k, k)) and ``sum_j r_ij o_j``
    ((hi-lo, k)) of rows ``lo:hi``."""
    device, k = other.device, other.shape[1]
    a, b = int(matrix.indptr[lo]), int(matrix.indptr[hi])
    cols = matrix.indices[a:b].to(device)
    r = matrix.values[a:b].to(device, other.dtype)
    if table is not None:
        ptr = (matrix.indptr[lo:hi + 1] - a).to(device)
        shape = (hi - lo, other.shape[0])
        with warnings.catch_warnings():  # torch: "sparse CSR is in beta"
            warnings.simplefilter("ignore", UserWarning)
            ones = torch.sparse_csr_tensor(ptr, cols, torch.ones_like(r),
                                           shape)
            ratings = torch.sparse_csr_tensor(ptr, cols, r, shape)
        return (ones @ table).view(-1, k, k), ratings @ other
    counts = matrix.indptr[lo + 1:hi + 1] - matrix.indptr[lo:hi]
    local = torch.repeat_interleave(torch.arange(hi - lo, device=device),
                                    counts.to(device))
    o = other[cols]
    gram = torch.zeros(hi - lo, k, k, device=device, dtype=other.dtype)
    gram.index_add_(0, local, o.unsqueeze(2) * o.unsqueeze(1))
    rhs = torch.zeros(hi - lo, k, device=device, dtype=other.dtype)
    rhs.index_add_(0, local, r.unsqueeze(1) * o)
    return gram, rhs


def train_cnn(model: nn.Module, optimizer: torch.optim.Optimizer,
              target: torch.Tensor, config: ConvMFTrainConfig,
              generator: torch.Generator) -> float:
    """``config.cnn_epochs`` passes of the CNN towards ``target`` (the
    item vectors ``V``): the mean over items of ``||v_j - cnn(X_j)||^2``
    in shuffled batches. Returns the last pass's mean loss."""
    cnn, tokens = model.cnn, model.tokens
    cnn.train()
    loss_sum, seen = 0.0, 0
    for _ in range(config.cnn_epochs):
        loss_sum, seen = 0.0, 0
        order = torch.randperm(len(tokens), generator=generator)
        for batch in order.to(tokens.device).split(config.cnn_batch_size):
            optimizer.zero_grad()
            loss = ((cnn(tokens[batch]) - target[batch]) ** 2).sum(1).mean()
            loss.backward()
            optimizer.step()
            loss_sum += float(loss.detach()) * len(batch)
            seen += len(batch)
    cnn.eval()
    return loss_sum / max(seen, 1)


def _train_rmse(model: nn.Module, matrix: CSR) -> float:
    """RMSE of ``U V^T`` on the training ratings of ``matrix`` (by user),
    unclipped."""
    users = matrix.row_ids().to(model.U.device)
    preds = model(users, matrix.indices.to(model.U.device))
    err = preds - matrix.values.to(preds.device)
    return math.sqrt(float((err * err).mean()))


def _start(model: nn.Module, data: RatingData, config: ConvMFTrainConfig,
           generator: torch.Generator) -> None:
    """Initial ``U`` (uniform), and ``V``: the CNN's output for ConvMF,
    uniform for PMF; the documents' word ids into the model."""
    from deeprec.data.documents import item_tokens
    c = model.config
    device = model.U.device
    if c.use_text:
        tokens = item_tokens(c.documents, data.name.split("/")[0],
                             data.item_ids, c.max_length, c.vocab_size,
                             c.max_df)
        model.set_tokens(tokens.ids)
    shape = (c.num_users, c.dim)
    model.U = (torch.rand(shape, generator=generator)
               * config.init_scale).to(device)
    with torch.no_grad():
        model.V = (model.theta() if c.use_text else torch.rand(
            (c.num_items, c.dim), generator=generator)
            * config.init_scale).to(device)


def fit_convmf(model: nn.Module, data: RatingData,
               config: ConvMFTrainConfig = ConvMFTrainConfig(),
               callbacks: Sequence[Callable[[dict, nn.Module], None]] = ()
               ) -> FitResult:
    """Train :class:`~deeprec.models.ConvMF` (or PMF, its ``use_text=False``
    form): per iteration every ``u_i``, then every ``v_j`` (pulled towards
    the CNN's ``theta_j`` by ``lambda_v``), then the CNN towards ``V``;
    evaluate, keep the best iteration on validation, stop after
    ``patience`` iterations without improvement.
    ``callback(history_row, model)`` runs after every iteration."""
    set_seed(config.seed)
    device = get_device(config.device)
    model.to(device).eval()
    generator = torch.Generator().manual_seed(config.seed)
    _start(model, data, config, generator)
    by_user, by_item = data.matrix("user", device), data.matrix("item", device)
    optimizer = (torch.optim.RMSprop(model.cnn.parameters(), lr=config.cnn_lr,
                                     weight_decay=config.lambda_w)
                 if model.cnn is not None else None)
    kept = Checkpoint(model, config.keep, len(data.valid) > 0)
    best, waited = math.inf, 0
    bar = tqdm(range(1, config.num_epochs + 1), desc=type(model).__name__,
               disable=not show_progress(config.progress), leave=False)
    for epoch in bar:
        tick = time.perf_counter()
        with torch.no_grad():
            theta = model.theta()
            model.U = solve_rows(by_user, model.V, config.lambda_u)
            model.V = solve_rows(by_item, model.U, config.lambda_v,
                                 theta if model.cnn is not None else None)
        row = {"epoch": epoch}
        if optimizer is not None:
            row["cnn_loss"] = train_cnn(model, optimizer, model.V, config,
                                        generator)
        with torch.no_grad():
            row["train_rmse"] = _train_rmse(model, by_user)
        going = end_epoch(row, model, data, kept, config.clip, tick,
                          callbacks)
        best, waited = ((row["valid_rmse"], 0) if row["valid_rmse"] < best
                        else (best, waited + 1))
        stop = config.patience and len(data.valid) and (
            waited >= config.patience)
        if not going or stop:
            break
    bar.close()
    return kept.result(config)
