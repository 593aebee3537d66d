"""Blend: a weighted average of trained models' predictions.

Item-based and user-based models make different errors (one reads an
item's column of ratings, the other a user's row), so averaging them
helps. The weights are fitted on the *validation* ratings by least squares
with a ridge term, never on the test set; the ridge strength is chosen by
cross-validation within those same validation ratings.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from deeprec.data.matrix import RatingData
from deeprec.evaluate import predict_ratings


class Blend(nn.Module):
    """``sum_j w_j * prediction_j + bias`` over trained member models.

    :func:`deeprec.predict_ratings` asks each member for its (unclipped)
    predictions of the same entries and combines them; a Blend has no
    ``forward`` of its own because its members need different inputs (rating
    vectors for autoencoders, index pairs for the baselines).
    """

    def __init__(self, members: Sequence[nn.Module],
                 weights: Sequence[float] | None = None, bias: float = 0.0,
                 names: Sequence[str] | None = None,
                 ridge: float | None = None):
        super().__init__()
        if not members:
            raise ValueError("a Blend needs at least one member model")
        self.members = nn.ModuleList(members)
        n = len(members)
        weights = [1.0 / n] * n if weights is None else list(weights)
        if len(weights) != n:
            raise ValueError(f"{n} members but {len(weights)} weights")
        self.register_buffer("weights", torch.tensor(weights,
                                                     dtype=torch.float32))
        self.register_buffer("bias", torch.tensor(float(bias)))
        self.names = list(names) if names else [type(m).__name__
                                                for m in members]
        self.ridge = ridge  # the ridge strength the weights were fitted with

    def combine(self, predictions: Sequence[torch.Tensor]) -> torch.Tensor:
        """Weighted sum of the members' predictions (aligned tensors of any
        shape: ratings, or users x items score matrices)."""
        stacked = torch.stack(list(predictions), dim=-1)
        return (stacked @ self.weights.to(stacked.device)
                + self.bias.to(stacked.device))

    def fit_weights(self, data: RatingData, part: str = "valid",
                    ridge: float | None = None) -> "Blend":
        """Fit the weights and bias on the ``part`` ratings (validation by
        default; never the test set) with ``ridge`` or, by default, the
        one :func:`choose_ridge` picks on those ratings; returns self."""
        entries = data.part(part)
        if len(entries) == 0:
            raise ValueError(f"no {part!r} ratings to fit blend weights on; "
                             f"load the split with a validation carve-out")
        preds = torch.stack([predict_ratings(m, data, entries, clip=False)
                             for m in self.members], dim=1)
        if ridge is None:
            ridge, _ = choose_ridge(preds, entries.ratings)
        weights, bias = fit_blend_weights(preds, entries.ratings, ridge)
        self.weights.copy_(torch.tensor(weights))
        self.bias.fill_(bias)
        self.ridge = ridge
        return self

    def extra_repr(self) -> str:
        return ", ".join(f"{n}: {w:.3f}" for n, w in
                         zip(self.names, self.weights.tolist())) + \
            f", bias: {self.bias.item():.3f}" + (
                f", ridge: {self.ridge:g}" if self.ridge is not None else "")


def fit_blend_weights(predictions: torch.Tensor, ratings: torch.Tensor,
                      ridge: float = 1e-3) -> tuple[list[float], float]:
    """Least-squares weights and bias for columns of ``predictions``
    (ratings x members) against ``ratings``, with a small ridge penalty on
    the weights. Returns ``(weights, bias)``."""
    x = predictions.double()
    y = ratings.double().to(x.device)
    if x.dim() != 2 or len(x) != len(y) or len(y) == 0:
        raise ValueError(f"need (n, members) predictions and n ratings, got "
                         f"{tuple(x.shape)} and {tuple(y.shape)}")
    xm, ym = x.mean(0), y.mean()
    xc, yc = x - xm, y - ym
    gram = xc.T @ xc + ridge * len(y) * torch.eye(x.shape[1],
                                                  dtype=x.dtype,
                                                  device=x.device)
    w = torch.linalg.solve(gram, xc.T @ yc)
    return w.tolist(), float(ym - xm @ w)


#: Ridge strengths :func:`choose_ridge` tries (times the number of ratings).
RIDGES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)


def choose_ridge(predictions: torch.Tensor, ratings: torch.Tensor,
                 ridges: Sequence[float] = RIDGES, folds: int = 10,
                 seed: int = 0) -> tuple[float, dict[float, float]]:
    """The ridge strength with the lowest ``folds``-fold cross-validated
    RMSE of :func:`fit_blend_weights` on these ratings, and that RMSE for
    every candidate. The more members, the more their weights overfit a
    few thousand validation ratings, and the stronger the ridge it picks."""
    n = len(ratings)
    if n < folds:
        raise ValueError(f"{n} ratings are too few for {folds}-fold "
                         f"cross-validation")
    gen = torch.Generator().manual_seed(seed)
    fold = torch.randperm(n, generator=gen) % folds
    x, y = predictions.double(), ratings.double().to(predictions.device)
    fold = fold.to(x.device)
    scores = {}
    for ridge in ridges:
        sse = 0.0
        for f in range(folds):
            held = fold == f
            w, b = fit_blend_weights(x[~held], y[~held], ridge)
            pred = x[held] @ torch.tensor(w, dtype=x.dtype,
                                          device=x.device) + b
            sse += float((pred - y[held]).square().sum())
        scores[ridge] = (sse / n) ** 0.5
    return min(scores, key=scores.get), scores


def fit_blend(members: Sequence[nn.Module], data: RatingData,
              names: Sequence[str] | None = None, part: str = "valid",
              ridge: float | None = None) -> Blend:
    """A :class:`Blend` of trained ``members`` with weights fitted on the
    ``part`` ratings (see :meth:`Blend.fit_weights`)."""
    return Blend(members, names=names).fit_weights(data, part, ridge)
