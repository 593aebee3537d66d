"""Loss functions: pure functions of (prediction, target, mask)."""

from __future__ import annotations

from typing import Iterable

import torch


def observed(target: torch.Tensor) -> torch.Tensor:
    """The mask of observed entries: ratings are > 0, unknowns are 0."""
    return target != 0


def masked_sse(pred: torch.Tensor, target: torch.Tensor,
               mask: torch.Tensor) -> torch.Tensor:
    """Sum of squared errors over observed entries only.

    ``torch.where`` (not a product) keeps unobserved entries out of the
    gradient even when a prediction is inf or NaN.
    """
    diff = torch.where(mask, pred - target, torch.zeros_like(pred))
    return (diff * diff).sum()


def masked_mse(pred: torch.Tensor, target: torch.Tensor,
               mask: torch.Tensor | None = None) -> torch.Tensor:
    """The deep-AE paper's MMSE: sum_i m_i (r_i - y_i)^2 / sum_i m_i.

    Args:
        pred: (batch, n) reconstruction.
        target: (batch, n) ratings, 0 where unknown.
        mask: (batch, n) bool; default ``target != 0``.

    Returns:
        Scalar mean squared error over observed entries (0 if none).
    """
    if mask is None:
        mask = observed(target)
    return masked_sse(pred, target, mask) / mask.sum().clamp(min=1)


def l2_penalty(weights: Iterable[torch.Tensor]) -> torch.Tensor:
    """Sum of squared Frobenius norms of the given matrices."""
    return sum((w * w).sum() for w in weights)


def autorec_loss(pred: torch.Tensor, target: torch.Tensor,
                 mask: torch.Tensor, weights: Iterable[torch.Tensor],
                 lam: float, scale: float = 1.0) -> torch.Tensor:
    """AutoRec's objective: sum of observed squared errors plus
    ``lam / 2 * (||W||^2 + ||V||^2)``.

    The penalty belongs once to a pass over all rows. On a mini-batch pass
    ``scale = batch_rows / num_rows`` so that a whole epoch adds it once
    (unscaled, lambda would grow with the number of batches).
    """
    return masked_sse(pred, target, mask) + 0.5 * lam * scale * l2_penalty(
        weights)
