"""Save and load a trained model with its config (atomic, weights-only)."""

from __future__ import annotations

import os
import pickle
import re
import warnings
from dataclasses import MISSING, asdict, fields
from pathlib import Path

import torch
from torch import nn

from deeprec.models.registry import TRAINED
from deeprec.utils import atomic_path

#: The keys :func:`save_model` writes (``extra``/``version`` optional).
PAYLOAD_KEYS = ("model", "config", "state_dict", "version", "extra")
_REQUIRED_KEYS = ("model", "config", "state_dict")


class CheckpointError(ValueError):
    """A file that is not a loadable :func:`save_model` checkpoint."""


#: Models that can be saved (the trained ones of the model registry):
#: class name -> (class, config class).
MODELS = {model.__name__: (model, config)
          for config, model in TRAINED.items()}


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


def _torch_reason(exc: BaseException) -> str:
    """The gist of a ``torch.load`` error, without torch's advice (which
    suggests the unsafe ``weights_only=False``)."""
    text = str(exc)
    if "WeightsUnpickler error:" in text:
        text = text.split("WeightsUnpickler error:", 1)[1]
    text = re.sub(r"^\[enforce fail at [^\]]*\]\s*\.?\s*", "", text)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    gist = lines[0].split(". ", 1)[0].rstrip(".") if lines else ""
    if len(gist) < 8 or "weights_only" in gist:
        return type(exc).__name__
    return gist


def _looks_like_text(path: Path) -> bool:
    """Whether the file starts with UTF-8 text (no NUL bytes)."""
    with open(path, "rb") as f:
        head = f.read(512)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut in two
            return False
    return b"\0" not in head


def read_tensors(path: Path, map_location: str | None = "cpu"):
    """``torch.load(weights_only=True)`` a file; every failure becomes one
    error that names the file (:class:`CheckpointError`, or
    ``FileNotFoundError``)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} is not a file")
    if path.stat().st_size == 0:
        raise CheckpointError(f"checkpoint {path} is empty (0 bytes): not "
                              "a torch checkpoint (an interrupted copy?)")
    if _looks_like_text(path):  # torch files start with binary bytes
        raise CheckpointError(f"{path} is a text file, not a torch "
                              "checkpoint")
    try:
        with warnings.catch_warnings():  # noise about non-torch pickles
            warnings.filterwarnings("ignore", "Detected pickle protocol")
            payload = torch.load(path, map_location=map_location,
                                 weights_only=True)
    except (pickle.UnpicklingError, EOFError, KeyError, IndexError,
            ValueError, OverflowError, RuntimeError) as exc:
        # what torch raises for garbage read as a legacy pickle, or for a
        # truncated or corrupt zip (RuntimeError)
        reason = _torch_reason(exc)
        if reason.startswith("Unsupported global"):
            raise CheckpointError(
                f"checkpoint {path} holds objects other than tensors and "
                f"plain values ({reason}); loading them is unsupported, as "
                "unpickling them could run code") from None
        if isinstance(exc, RuntimeError) and "device" in reason.lower():
            raise CheckpointError(f"checkpoint {path} cannot be loaded with "
                                  f"map_location={map_location!r}: {reason}"
                                  ) from None
        raise CheckpointError(f"{path} is not a torch checkpoint (truncated "
                              f"or corrupt?): {reason}") from None
    return payload


def _read_payload(path: Path, map_location: str | None) -> dict:
    """The checkpoint dict of a :func:`save_model` file, checked."""
    payload = read_tensors(path, map_location)
    expected = ", ".join(map(repr, PAYLOAD_KEYS))
    if not isinstance(payload, dict):
        raise CheckpointError(
            f"{path} was not written by deeprec.save_model: it holds a "
            f"{type(payload).__name__}, not a dict with keys {expected}")
    missing = [key for key in _REQUIRED_KEYS if key not in payload]
    if missing:
        found = ", ".join(map(repr, list(payload)[:5]))
        more = ", ..." if len(payload) > 5 else ""
        kind = ("a bare state_dict?" if payload and all(
            isinstance(v, torch.Tensor) for v in payload.values())
            else "lacks " + ", ".join(map(repr, missing)))
        raise CheckpointError(
            f"{path} was not written by deeprec.save_model ({kind}): its "
            f"keys are {found or 'none'}{more}; expected {expected}")
    return payload


def _config_problem(config: dict, config_cls: type) -> str:
    """What keeps ``config`` from fitting ``config_cls`` ('' if nothing)."""
    known = {f.name for f in fields(config_cls)}
    required = {f.name for f in fields(config_cls)
                if f.default is MISSING and f.default_factory is MISSING}
    unknown = sorted(set(config) - known)
    missing = sorted(required - set(config))
    parts = []
    if unknown:
        parts.append("unknown field(s) " + ", ".join(unknown))
    if missing:
        parts.append("missing field(s) " + ", ".join(missing))
    return "; ".join(parts)


def load_model(path: str | os.PathLike, map_location: str | None = "cpu"
               ) -> tuple[nn.Module, dict]:
    """Load a model saved by :func:`save_model`.

    Uses ``torch.load(weights_only=True)``: nothing but tensors and plain
    values is unpickled.

    Returns:
        (model, extra) with the model in eval mode.

    Raises:
        FileNotFoundError: no file at ``path``.
        CheckpointError: (a ``ValueError``) anything else wrong: not a
            torch file, not written by :func:`save_model`, an unknown
            model, a config or weights that do not fit; the message names
            the file.
    """
    path = Path(path)
    payload = _read_payload(path, map_location)
    name = payload["model"]
    if not isinstance(name, str) or name not in MODELS:
        raise CheckpointError(f"{path}: unknown model class {name!r}; known: "
                              f"{', '.join(MODELS)}")
    model_cls, config_cls = MODELS[name]
    config = payload["config"]
    if not isinstance(config, dict):
        raise CheckpointError(f"{path}: the config of the {name} is a "
                              f"{type(config).__name__}, not a dict")
    config = dict(config)
    problem = _config_problem(config, config_cls)
    if problem:
        raise CheckpointError(f"{path}: the config does not match "
                              f"{config_cls.__name__} of {name}: {problem}")
    try:
        if "hidden_dims" in config:
            config["hidden_dims"] = tuple(config["hidden_dims"])
        model = model_cls(config_cls(**config))
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{path}: the config does not fit {name}: "
                              f"{exc}") from None
    try:
        model.load_state_dict(payload["state_dict"])
    except (RuntimeError, TypeError, ValueError) as exc:
        detail = " ".join(str(exc).split())
        raise CheckpointError(f"{path}: the weights do not match the {name} "
                              f"config: {detail}") from None
    extra = payload.get("extra", {})
    if not isinstance(extra, dict):
        raise CheckpointError(f"{path}: 'extra' is a {type(extra).__name__}"
                              ", not a dict")
    return model.eval(), dict(extra)
