"""What every trainer returns, and the one best-checkpoint helper."""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass

import pandas as pd
from torch import nn


@dataclass
class FitResult:
    """What every trainer returns.

    Attributes:
        model: the trained model, holding the kept weights (see the
            config's ``keep``).
        history: one row per epoch: ``epoch, train_rmse, valid_rmse,
            test_rmse, seconds`` (and trainer-specific columns); empty for
            models fitted in closed form.
        best_epoch: epoch of the kept weights (0: closed form).
        valid_rmse, test_rmse: RMSE of the kept weights.
        diverged: True when a loss became NaN/inf and the run stopped.
        seconds: wall time of the whole run.
        config: the train config the run used.
    """

    model: nn.Module
    history: pd.DataFrame
    best_epoch: int
    valid_rmse: float
    test_rmse: float
    diverged: bool
    seconds: float
    config: object

    def summary(self) -> dict:
        """One flat row for a results table."""
        return {"best_epoch": self.best_epoch, "valid_rmse": self.valid_rmse,
                "test_rmse": self.test_rmse, "diverged": self.diverged,
                "seconds": round(self.seconds, 2),
                "epochs_run": len(self.history)}


class Checkpoint:
    """Keeps the weights of the best epoch so far (lowest validation RMSE
    with ``keep="best"`` and a validation part; else the latest epoch),
    and builds the :class:`FitResult` at the end of a run. ``select``:
    the part that picks the epoch (``"test"`` only for the
    ``epoch_on_test`` pitfall)."""

    def __init__(self, model: nn.Module, keep: str, has_valid: bool,
                 select: str = "valid"):
        self.model, self.start = model, time.perf_counter()
        self.on_valid = keep == "best" and (has_valid or select == "test")
        self.key = select + "_rmse"
        self.rows: list[dict] = []
        self.kept: dict | None = None
        self.state: dict | None = None
        self.diverged = False

    def offer(self, row: dict) -> bool:
        """Record an epoch's ``row``; keep the weights if it is the best.
        Returns False (and marks the run diverged) on a non-finite
        training RMSE."""
        self.rows.append(row)
        if not math.isfinite(row["train_rmse"]):
            self.diverged = True
            return False
        better = self.kept is None or not self.on_valid or (
            row[self.key] < self.kept[self.key])
        if better:
            self.kept = row
            self.state = copy.deepcopy(self.model.state_dict())
        return True

    def result(self, config) -> FitResult:
        """Restore the kept weights; the run's :class:`FitResult`."""
        if self.state is not None:
            self.model.load_state_dict(self.state)
        kept = self.kept or {"epoch": 0, "valid_rmse": float("nan"),
                             "test_rmse": float("nan")}
        return FitResult(self.model, pd.DataFrame(self.rows), kept["epoch"],
                         kept["valid_rmse"], kept["test_rmse"],
                         self.diverged, time.perf_counter() - self.start,
                         config)


def end_epoch(row: dict, model: nn.Module, data, kept: Checkpoint,
              clip: bool, tick: float, callbacks=()) -> bool:
    """Finish a pointwise model's epoch ``row``: its validation and test
    RMSE, its seconds since ``tick``, offered to ``kept``, then the
    callbacks. Returns :meth:`Checkpoint.offer`'s verdict (False: stop)."""
    from deeprec.evaluate import evaluate_rmse
    for part in ("valid", "test"):
        row[part + "_rmse"] = evaluate_rmse(model, data, part, clip=clip)
    row["seconds"] = time.perf_counter() - tick
    going = kept.offer(row)
    for callback in callbacks:
        callback(row, model)
    return going
