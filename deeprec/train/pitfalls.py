"""Mistakes of public re-implementations, as switches (all off by default).

``TrainConfig(pitfalls=("no_zero_grad", ...))`` turns the training and
evaluation pitfalls of :data:`PITFALLS` on; each function below holds the
correct code and the pitfall's next to each other, and the training loop
(:mod:`deeprec.train.loop`) calls them. The pitfalls of the data (ids
mapped with test data, unseen ratings dropped, a random split for a time
split) and of the model (SELU on the output, no clipping) are switches of
:class:`~deeprec.data.matrix.RatingData`, the splits and the model
configs; :mod:`deeprec.studies.pitfalls` gathers all of them.
"""

from __future__ import annotations

import torch

#: Pitfall name -> what it does wrong. The names ``TrainConfig.pitfalls``
#: takes.
PITFALLS = {
    "no_zero_grad": "gradients are never cleared, so every step applies "
                    "the sum of all gradients so far",
    "fixed_lr_halvings": "the learning rate halves at epochs 24, 36, 48, "
                         "66 and 72 whatever the number of epochs",
    "drop_last": "the last, partial batch of every epoch is dropped",
    "epoch_on_test": "the kept epoch is the one with the lowest test RMSE",
    "user_batches": "evaluation averages the MSE of batches of one user "
                    "each: every user weighs the same, not every rating",
    "per_user_rmse": "the RMSE is computed per user, then averaged",
}
#: The epochs of the hard-coded halvings (tuned to Netflix-size epochs).
FIXED_HALVINGS = (24, 36, 48, 66, 72)
#: Evaluation pitfall -> the weighting of :func:`deeprec.evaluate_rmse`.
WEIGHTINGS = {"user_batches": "user", "per_user_rmse": "user-rmse"}


def has(config, name: str) -> bool:
    """Whether ``config`` switches pitfall ``name`` on."""
    return name in getattr(config, "pitfalls", ())


def clear_gradients(optimizer: torch.optim.Optimizer, config) -> None:
    """``optimizer.zero_grad()`` before a backward pass; with
    ``no_zero_grad`` nothing, so the gradients add up step after step."""
    if not has(config, "no_zero_grad"):
        optimizer.zero_grad()


def batches(order: torch.Tensor, batch_size: int, config
            ) -> list[torch.Tensor]:
    """An epoch's batches of rows; with ``drop_last`` the last one is
    dropped when it is partial (so some rows miss every epoch)."""
    parts = list(order.split(batch_size))
    if (has(config, "drop_last") and len(parts) > 1
            and len(parts[-1]) < batch_size):
        parts.pop()
    return parts


def lr_milestones(config) -> tuple[list[int], float]:
    """(epochs, factor) of the learning-rate steps: the config's fractions
    of ``num_epochs``; with ``fixed_lr_halvings``, halvings at
    :data:`FIXED_HALVINGS` whatever ``num_epochs`` is."""
    if has(config, "fixed_lr_halvings"):
        return list(FIXED_HALVINGS), 0.5
    return sorted({max(1, round(f * config.num_epochs))
                   for f in config.lr_milestones}), config.lr_gamma


def selection_part(config) -> str:
    """The part whose RMSE picks the kept epoch: validation; with
    ``epoch_on_test``, the test part (the reported number is then a
    minimum over epochs of the test RMSE itself)."""
    return "test" if has(config, "epoch_on_test") else "valid"


def weighting(config) -> str:
    """How evaluation weighs the errors (see
    :func:`~deeprec.evaluate.evaluate_rmse`): ``rating``, or the
    weighting of an evaluation pitfall."""
    chosen = [WEIGHTINGS[p] for p in WEIGHTINGS if has(config, p)]
    return chosen[0] if chosen else "rating"
