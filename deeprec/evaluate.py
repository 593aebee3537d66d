"""Evaluation: predictions for held-out ratings and RMSE weighted per rating.

Protocol (both papers): feed each user's (or item's) *training* vector
through the autoencoder and read the predictions at the held-out entries.
Ratings whose user or item was unseen in training get the fallback
prediction, the training mean. Predictions can be clipped to the rating
range.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from deeprec.data.matrix import CSR, Entries, RatingData
from deeprec.memory import check_dense, rows_that_fit

#: Dense copies of the whole matrix a whole-matrix model (GLocal-K) holds
#: at once in a forward pass: input, the global kernel's smoothed matrix,
#: two hidden layers' worth and the output (an upper bound, measured on
#: ML-1M: 3.2 GB peak for 22.6 million entries).
WHOLE_MATRIX_COPIES = 8
WHOLE_MATRIX_OPTION = ("GLocal-K takes the whole matrix at once: use a "
                       "smaller data set or a device with more memory")


def rmse(y_true, y_pred) -> float:
    """Root mean squared error, one term per rating (arrays or tensors)."""
    y_true = torch.as_tensor(np.array(y_true, dtype=np.float64)
                             if not torch.is_tensor(y_true) else y_true)
    y_pred = torch.as_tensor(np.array(y_pred, dtype=np.float64)
                             if not torch.is_tensor(y_pred) else y_pred)
    if y_true.shape != y_pred.shape or y_true.numel() == 0:
        raise ValueError(f"rmse needs two equal, non-empty shapes, got "
                         f"{tuple(y_true.shape)} and {tuple(y_pred.shape)}")
    diff = y_true.double() - y_pred.double().to(y_true.device)
    return float(torch.sqrt((diff * diff).mean()))


def model_device(model: nn.Module) -> torch.device:
    """The device of a model's first parameter or buffer (cpu if none)."""
    for tensor in (*model.parameters(), *model.buffers()):
        return tensor.device
    return torch.device("cpu")


def model_kind(model: nn.Module) -> str:
    """How a model is fed, for prediction and scoring (the one dispatch):

    - ``"blend"``: combines its members' predictions (``model.combine``);
    - ``"whole-matrix"``: an autoencoder that needs every row at once
      (GLocal-K's global kernel);
    - ``"autoencoder"``: reconstructs rows of the training matrix
      (``model.orientation`` says which);
    - ``"pointwise"``: ``model(users, items)`` (baselines, MF, k-NN).
    """
    if hasattr(model, "combine"):
        return "blend"
    if getattr(model, "orientation", None) is None:
        return "pointwise"
    return ("whole-matrix" if getattr(model, "whole_matrix", False)
            else "autoencoder")


def _autoencoder_predictions(model: nn.Module, inputs: CSR,
                             rows: torch.Tensor, cols: torch.Tensor,
                             batch_size: int) -> torch.Tensor:
    """Predictions at (rows[j], cols[j]): one forward pass per batch of
    distinct rows, entries gathered by sorting and slicing (no loops over
    ratings). A model with ``whole_matrix`` gets every row in one pass."""
    if model_kind(model) == "whole-matrix":
        check_dense(*inputs.shape, inputs.device, type(model).__name__,
                    WHOLE_MATRIX_OPTION, copies=WHOLE_MATRIX_COPIES)
        return model(inputs.to_dense())[rows, cols]
    batch_size = rows_that_fit(
        batch_size, inputs.shape[1], inputs.device,
        f"{type(model).__name__} evaluation", "pass a smaller batch_size")
    uniq, inverse = torch.unique(rows, return_inverse=True)
    order = torch.argsort(inverse)
    bounds = torch.searchsorted(
        inverse[order],
        torch.arange(0, len(uniq) + batch_size, batch_size,
                     device=rows.device)).tolist()
    out = torch.empty(len(rows), device=rows.device)
    for b, start in enumerate(range(0, len(uniq), batch_size)):
        recon = model(inputs.dense_rows(uniq[start:start + batch_size]))
        idx = order[bounds[b]:bounds[b + 1]]
        out[idx] = recon[inverse[idx] - start, cols[idx]]
    return out


@torch.no_grad()
def predict_ratings(model: nn.Module, data: RatingData,
                    entries: Entries | str = "test", batch_size: int = 1024,
                    clip: bool = True,
                    reconstruction: torch.Tensor | None = None
                    ) -> torch.Tensor:
    """Predicted ratings for ``entries`` (``"test"``, ``"valid"``,
    ``"train"`` or an :class:`Entries`), aligned with them.

    Autoencoders (models with an ``orientation``) are fed training vectors;
    pointwise models are called as ``model(users, items)``; a
    :class:`~deeprec.models.blend.Blend` combines its members' predictions.
    ``reconstruction``: the model's output for the whole training matrix,
    when the caller already has it (read instead of a new forward pass).
    """
    if isinstance(entries, str):
        entries = data.part(entries)
    kind = model_kind(model)
    if kind == "blend":  # combine the members' outputs
        preds = model.combine([predict_ratings(m, data, entries, batch_size,
                                               clip=False)
                               for m in model.members])
        return preds.clamp(*data.rating_range) if clip else preds
    device = model_device(model)
    entries = entries.to(device)
    preds = torch.full((len(entries),), data.global_mean, device=device)
    known = entries.known
    users, items = entries.users[known], entries.items[known]
    was_training = model.training
    model.eval()
    try:
        if kind != "pointwise":
            orientation = model.orientation
            inputs = data.matrix(orientation, device)
            rows, cols = (users, items) if orientation == "user" else (
                items, users)
            preds[known] = (reconstruction[rows, cols]
                            if reconstruction is not None else
                            _autoencoder_predictions(model, inputs, rows,
                                                     cols, batch_size))
        else:
            preds[known] = torch.cat([
                model(u, i) for u, i in zip(users.split(65536),
                                            items.split(65536))]
            ) if len(users) else preds[known]
    finally:
        model.train(was_training)
    if clip:
        preds = preds.clamp(*data.rating_range)
    return preds


#: ``weighting`` of :func:`evaluate_rmse`: ``rating`` is the papers'
#: RMSE; the other two are evaluation pitfalls (see
#: :mod:`deeprec.train.pitfalls`).
WEIGHTING = ("rating", "user", "user-rmse")


def user_weighted_rmse(errors: torch.Tensor, users: torch.Tensor,
                       per_user_root: bool = False) -> float:
    """sqrt of the mean over users of each user's mean squared error
    (``per_user_root``: the mean over users of each user's RMSE), so that
    every user weighs the same whatever the number of ratings. Ratings of
    users unseen in training (index -1) count as one more user."""
    group = torch.unique(users, return_inverse=True)[1]
    count = torch.bincount(group).double()
    mse = torch.zeros_like(count).index_add_(0, group,
                                             errors.double() ** 2) / count
    return float(mse.sqrt().mean() if per_user_root else mse.mean().sqrt())


def evaluate_rmse(model: nn.Module, data: RatingData,
                  entries: Entries | str = "test", batch_size: int = 1024,
                  clip: bool = True, weighting: str = "rating") -> float:
    """RMSE of :func:`predict_ratings` (NaN when there are no entries).

    ``weighting``: ``"rating"`` (one term per rating, the papers' RMSE),
    ``"user"`` (the mean of per-user MSEs, what evaluating one user per
    batch and averaging the batches gives) or ``"user-rmse"`` (the mean of
    per-user RMSEs); the last two are pitfalls.
    """
    if weighting not in WEIGHTING:
        raise ValueError(f"weighting must be one of {', '.join(WEIGHTING)},"
                         f" got {weighting!r}")
    part = data.part(entries) if isinstance(entries, str) else entries
    if len(part) == 0:
        return float("nan")
    preds = predict_ratings(model, data, part, batch_size, clip)
    truth = part.ratings.to(preds.device)
    if weighting == "rating":
        return rmse(truth, preds)
    return user_weighted_rmse(truth - preds, part.users.to(preds.device),
                              weighting == "user-rmse")
