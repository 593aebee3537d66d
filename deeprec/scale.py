"""The scale of a run: full, quick (tests and CI) or a fraction of the
epochs (a class period). Decided in :func:`current_scale`, read nowhere
else; applied to train configs by :func:`scaled` in one place.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

from deeprec.config import ConfigError

QUICK_ENV = "DEEPREC_QUICK"
FRACTION_ENV = "DEEPREC_FRACTION"
#: Epochs of every epoch count in quick mode (at most).
QUICK_EPOCHS = 2
#: The data set every quick run uses instead of the real one.
QUICK_DATASET = "synthetic"


@dataclass(frozen=True)
class Scale:
    """How much of each run's training to do.

    Attributes:
        quick: synthetic data and at most :data:`QUICK_EPOCHS` epochs.
        fraction: on real data, train for this fraction of every run's
            epochs (at least one), in (0, 1].
    """

    quick: bool = False
    fraction: float = 1.0

    def __post_init__(self):
        if not isinstance(self.fraction, (int, float)) or not (
                0 < self.fraction <= 1):
            raise ConfigError("fraction", self.fraction,
                              "a number in (0, 1]")

    @property
    def name(self) -> str:
        """``full``, ``quick`` or ``fraction-<f>`` (a results folder)."""
        return ("quick" if self.quick else "full" if self.fraction == 1
                else f"fraction-{self.fraction:g}")

    def dataset(self, name: str) -> str:
        """The data set a run at this scale uses instead of ``name``."""
        return QUICK_DATASET if self.quick else name

    def epochs(self, full: int) -> int:
        """An epoch count at this scale."""
        if self.quick:
            return min(full, QUICK_EPOCHS)
        return full if full == 0 else max(1, round(full * self.fraction))


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def current_scale(fraction: float | None = None,
                  quick: bool | None = None) -> Scale:
    """The scale of this process: ``$DEEPREC_QUICK`` (1/true/yes/on) and
    ``$DEEPREC_FRACTION`` (default 1), unless given here."""
    if quick is None:
        quick = _flag(os.environ.get(QUICK_ENV, ""))
    if fraction is None:
        raw = os.environ.get(FRACTION_ENV) or "1"
        try:
            fraction = float(raw)
        except ValueError:
            raise ConfigError(f"${FRACTION_ENV}", raw,
                              "a number in (0, 1]") from None
    return Scale(quick=quick, fraction=fraction)


def scaled(config, scale: Scale):
    """``config`` (a train config) with every epoch count at ``scale``."""
    from deeprec.train.configs import EPOCH_FIELDS
    fields = EPOCH_FIELDS.get(type(config), ())
    return dataclasses.replace(config, **{
        f: scale.epochs(getattr(config, f)) for f in fields})
