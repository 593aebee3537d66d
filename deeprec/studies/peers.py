"""Peer implementations, run on the book's own splits and scored its way.

A peer (Cornac's ConvMF) lives in its own environment, with packages this
library does not depend on (TensorFlow). :func:`run_peer` writes a split
and its item documents as CSV files into a temporary folder, runs the
peer's script (a file of this package that imports only the peer, numpy
and pandas) with that environment's Python, reads back its predictions
and scores them as :func:`~deeprec.evaluate.evaluate_rmse` scores the
library's models: a rating whose user or item the peer did not train on
gets the training mean, and every prediction is clipped to the rating
range. The result is saved as ``runs/<key>.json`` under ``path``, the key
a hash of everything that defines it (:func:`peer_definition`: the peer
and its pinned version, its settings, the split's fingerprint and the
documents), so a later call loads it instead of running the peer again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from deeprec.config import BOOL, integer, number, optional, validate
from deeprec.data.matrix import RatingData
from deeprec.scale import current_scale
from deeprec.studies.engine import StudyResult
from deeprec.utils import atomic_path

#: Environment variable naming the Python of the peers' environment.
PEER_PYTHON = "DEEPREC_PEER_PYTHON"


@dataclass(frozen=True)
class Peer:
    """A peer implementation.

    Attributes:
        name: what the book calls it, e.g. ``Cornac ConvMF``.
        package: the module its script imports (to find an environment).
        version: the version its results are defined for.
        script: the script, a file next to this module (or a path).
        install: the command that makes an environment for it.
    """

    name: str
    package: str
    version: str
    script: str
    install: str

    def script_path(self) -> Path:
        path = Path(self.script)
        return path if path.is_absolute() else Path(__file__).with_name(
            self.script)


PEERS = {"cornac-convmf": Peer(
    "Cornac ConvMF", "cornac", "3.0.1", "peer_cornac.py",
    "python -m venv peer && peer/bin/pip install cornac==3.0.1 "
    "tensorflow-cpu pandas")}

#: Cornac 3.0.1's ConvMF default ``dropout_rate``. Its CNN passes it as the
#: second argument of ``tf.compat.v1.nn.dropout``, which is ``keep_prob``:
#: the hidden layer keeps this share of its units (it drops the rest), in
#: training and also when the CNN computes the prior means.
CORNAC_DROPOUT = 0.2


@dataclass(frozen=True)
class PeerConfig:
    """The settings a peer runs with (ConvMF's paper values by default).

    Attributes:
        lambda_u, lambda_v: the paper's lambda_U and lambda_V.
        k: latent dimension.
        num_epochs: most outer iterations (Cornac also stops when its
            loss changes by under 1% three times).
        max_length: words kept per document (None: the longest document,
            as the library's own tokenizer pads).
        seed: the peer's random seed.
        dropout_rate: the value given to Cornac's ``dropout_rate``, which
            its CNN uses as ``keep_prob`` (:data:`CORNAC_DROPOUT`, its
            default, keeps a fifth of the units; ``0.8`` keeps four fifths,
            the paper's dropout of 0.2).
        item_weight: Cornac's ``give_item_weight``: scale each item's
            lambda_V by the square root of its rating count, normalised
            to a mean of one (its default; the paper has no such weight).
    """

    lambda_u: float = 100.0
    lambda_v: float = 10.0
    k: int = 50
    num_epochs: int = 50
    max_length: int | None = None
    seed: int = 0
    dropout_rate: float = CORNAC_DROPOUT
    item_weight: bool = True

    def __post_init__(self):
        validate(self, lambda_u=number(0, low_open=True),
                 lambda_v=number(0, low_open=True), k=integer(1),
                 num_epochs=integer(1), max_length=optional(integer(5)),
                 seed=integer(0), dropout_rate=number(0, 1, low_open=True,
                                                     high_open=False),
                 item_weight=BOOL)
        for name in ("lambda_u", "lambda_v", "dropout_rate"):  # one key
            object.__setattr__(self, name, float(getattr(self, name)))


class PeerError(RuntimeError):
    """A peer could not be run, or gave no usable predictions."""


def _documents(data: RatingData, documents: pd.Series) -> pd.Series:
    return documents.reindex(data.item_ids).fillna("").astype(str)


def peer_definition(peer: Peer, config: PeerConfig, data: RatingData,
                    documents: pd.Series) -> dict:
    """Everything that defines a peer's result on ``data``."""
    text = "\n".join(_documents(data, documents)).encode()
    return {"peer": peer.name, "package": peer.package,
            "version": peer.version, "config": asdict(config),
            "data": data.name, "data_fingerprint": data.fingerprint,
            "documents": hashlib.blake2b(text, digest_size=8).hexdigest()}


def peer_key(peer: Peer, config: PeerConfig, data: RatingData,
             documents: pd.Series) -> str:
    """A hash of :func:`peer_definition`: the result's name on disk."""
    text = json.dumps(peer_definition(peer, config, data, documents),
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def part_frame(data: RatingData, part: str) -> pd.DataFrame:
    """A part (train, valid, test) as ``user, item, rating`` in the data's
    index space (-1: a user or item unseen in training)."""
    e = data.part(part)
    return pd.DataFrame({"user": e.users.cpu().numpy(),
                         "item": e.items.cpu().numpy(),
                         "rating": e.ratings.cpu().numpy().astype(float)})


def export_inputs(data: RatingData, documents: pd.Series,
                  folder: str | Path) -> None:
    """Write ``train/valid/test.csv`` (:func:`part_frame`) and ``docs.csv``
    (``item, text``: item index, its document)."""
    folder = Path(folder)
    for part in ("train", "valid", "test"):
        part_frame(data, part).to_csv(folder / f"{part}.csv", index=False)
    docs = pd.DataFrame({"item": np.arange(data.num_items),
                         "text": _documents(data, documents).to_numpy()})
    docs.to_csv(folder / "docs.csv", index=False)


def find_python(peer: Peer, python: str | None = None) -> str | None:
    """The Python to run ``peer`` with: ``python``, else
    ``$DEEPREC_PEER_PYTHON``, else this one if it imports the peer."""
    python = python or os.environ.get(PEER_PYTHON)
    if python:
        if not Path(python).exists():
            raise PeerError(f"{peer.name}: no Python at {python} (set "
                            f"{PEER_PYTHON} to the peer environment's "
                            f"python, made by: {peer.install})")
        return python
    if importlib.util.find_spec(peer.package) is not None:
        return sys.executable
    return None


def _rmse(truth: pd.DataFrame, pred: np.ndarray, data: RatingData) -> float:
    if len(pred) != len(truth):
        raise PeerError(f"the peer returned {len(pred)} predictions for "
                        f"{len(truth)} ratings")
    pred = np.where(np.isnan(pred), data.global_mean, pred)
    pred = np.clip(pred, *data.rating_range)
    return float(np.sqrt(np.mean((pred - truth.rating.to_numpy()) ** 2)))


def _run_script(peer: Peer, python: str, folder: Path, log: Path,
                timeout: float | None) -> dict:
    """Run the peer's script on ``folder``; its output goes to ``log``."""
    cmd = [python, str(peer.script_path()), str(folder)]
    # a notebook's inline backend is not the peer environment's to import
    env = {**os.environ, "MPLBACKEND": "Agg"}
    with atomic_path(log) as tmp, open(tmp, "w") as out:
        try:
            done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT,
                                  timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            raise PeerError(f"{peer.name}: did not finish in {timeout:.0f} s")
        out.flush()
        if done.returncode:
            lines = [s for s in Path(tmp).read_text().splitlines()
                     if s.strip()]
            raise PeerError(f"{peer.name} failed (exit {done.returncode}): "
                            f"{lines[-1] if lines else 'no output'}")
    try:
        return json.loads((folder / "result.json").read_text())
    except (OSError, ValueError) as exc:
        raise PeerError(f"{peer.name}: no readable result.json ({exc})")


def run_peer(name: str, config: PeerConfig, data: RatingData,
             documents: pd.Series, path: str | Path,
             python: str | None = None, timeout: float | None = None
             ) -> StudyResult | None:
    """Run peer ``name`` (a key of :data:`PEERS`) on ``data``, or load its
    saved result. Returns a one-row :class:`StudyResult` (``model``,
    ``valid_rmse``, ``test_rmse``, ``seconds``, ``key``...), or None when
    nothing is saved and no environment has the peer (a line says how to
    make one), and in quick mode."""
    peer = PEERS[name]
    key = peer_key(peer, config, data, documents)
    file = Path(path) / "runs" / f"{key}.json"
    if file.exists():
        row = json.loads(file.read_text())["row"]
        return StudyResult(pd.DataFrame([row]), reused=[key])
    if current_scale().quick:
        print(f"{peer.name}: not run in quick mode (synthetic data)")
        return None
    python = find_python(peer, python)
    if python is None:
        print(f"{peer.name} is not installed here and has no saved result; "
              f"to run it: {peer.install}, then set {PEER_PYTHON}")
        return None
    with tempfile.TemporaryDirectory(prefix="deeprec-peer-") as tmp:
        folder = Path(tmp)
        export_inputs(data, documents, folder)
        (folder / "config.json").write_text(json.dumps(asdict(config)))
        start = time.perf_counter()
        out = _run_script(peer, python, folder, Path(path) / f"{key}.log",
                          timeout)
        seconds = time.perf_counter() - start
        log = (Path(path) / f"{key}.log").read_text(errors="replace")
        epochs = re.findall(r"Epoch: (\d+)/", log)
        if out.get("version") != peer.version:
            raise PeerError(f"{peer.name}: {python} has {peer.package} "
                            f"{out.get('version')}, this result is defined "
                            f"for {peer.version} ({peer.install})")
        preds = np.load(folder / "predictions.npz")
        row = {"model": peer.name, "key": key, "seed": config.seed,
               "valid_rmse": _rmse(part_frame(data, "valid"),
                                   preds["valid"], data),
               "test_rmse": _rmse(part_frame(data, "test"), preds["test"],
                                  data),
               "seconds": round(seconds, 1),
               "unknown_test": int(np.isnan(preds["test"]).sum()),
               "iterations": int(epochs[-1]) if epochs else None,
               **{k: v for k, v in out.items() if k != "version"},
               "version": out["version"]}
    record = {"row": row,
              "definition": peer_definition(peer, config, data, documents)}
    with atomic_path(file) as tmp:
        tmp.write_text(json.dumps(record, indent=1, default=str))
    return StudyResult(pd.DataFrame([row]), trained=[key])


def run_peer_seeds(name: str, config: PeerConfig, seeds, data: RatingData,
                   documents: pd.Series, path: str | Path,
                   python: str | None = None, timeout: float | None = None
                   ) -> StudyResult | None:
    """:func:`run_peer` once per seed, as one :class:`StudyResult` (None
    when any seed has neither a saved result nor an environment)."""
    results = [run_peer(name, replace(config, seed=s), data, documents, path,
                        python, timeout) for s in seeds]
    if any(r is None for r in results):
        return None
    return StudyResult.concat(results)
