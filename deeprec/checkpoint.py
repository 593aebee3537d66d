"""Save and load a trained model with its config (atomic, weights-only)."""

from __future__ import annotations

import os
from dataclasses import asdict

import torch
from torch import nn

from deeprec.models import (AutoRec, AutoRecConfig, BiasedMF, DeepAEConfig,
                            DeepAutoEncoder, GLocalK, GLocalKConfig, MFConfig)
from deeprec.utils import atomic_path

#: Models that can be saved: class name -> (class, config class).
MODELS = {
    "AutoRec": (AutoRec, AutoRecConfig),
    "DeepAutoEncoder": (DeepAutoEncoder, DeepAEConfig),
    "BiasedMF": (BiasedMF, MFConfig),
    "GLocalK": (GLocalK, GLocalKConfig),
}


def save_model(model: nn.Module, path: str | os.PathLike,
               extra: dict | None = None) -> None:
    """Write ``model``'s class, config and weights to ``path`` atomically.

    Args:
        extra: plain values stored beside (e.g. ``{"test_rmse": 0.89}``).
    """
    name = type(model).__name__
    if name not in MODELS:
        raise TypeError(f"cannot save a {name}; savable: {', '.join(MODELS)}")
    from deeprec import __version__
    payload = {"model": name, "config": asdict(model.config),
               "state_dict": model.state_dict(), "version": __version__,
               "extra": dict(extra or {})}
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def load_model(path: str | os.PathLike, map_location: str | None = "cpu"
               ) -> tuple[nn.Module, dict]:
    """Load a model saved by :func:`save_model`.

    Uses ``torch.load(weights_only=True)``: nothing but tensors and plain
    values is unpickled.

    Returns:
        (model, extra) with the model in eval mode.
    """
    payload = torch.load(path, map_location=map_location, weights_only=True)
    model_cls, config_cls = MODELS[payload["model"]]
    config = payload["config"]
    if "hidden_dims" in config:
        config["hidden_dims"] = tuple(config["hidden_dims"])
    model = model_cls(config_cls(**config))
    model.load_state_dict(payload["state_dict"])
    return model.eval(), payload["extra"]
