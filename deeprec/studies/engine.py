"""The study engine: runs, their identity, and resumable result tables.

A :class:`Run` is a label (what varies), a model config and a train
config. :func:`run_study` applies the scale, trains every run with the
trainer of its config's type and returns a :class:`StudyResult`: a
``summary`` (one row per run, with both configs, the data, seed and
library version) and a ``history`` (one row per run and epoch).

With ``path`` set, each finished run is written as one file
``runs/<key>.json`` (its summary row and history together, atomically), and
``summary.csv``/``history.csv`` are rebuilt from those files. The key is a
hash of the run's whole definition (:func:`run_definition`): a run is
reused only when everything that defines it is the same.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import torch
from torch import nn

from deeprec.config import as_dict
from deeprec.data.matrix import RatingData
from deeprec.models import (AutoRecConfig, ConvMFConfig, DeepAEConfig,
                            GLocalKConfig, MFConfig, count_parameters)
from deeprec.models.registry import (CLOSED_FORM, build_model,
                                     is_closed_form, sized)
from deeprec.scale import Scale, current_scale, scaled
from deeprec.train import (LATER_FIELDS, PLACEMENT_FIELDS, ClosedFormConfig,
                           ConvMFTrainConfig,
                           FitResult, GLocalKTrainConfig, MFTrainConfig,
                           TrainConfig, distributed, train)
from deeprec.utils import atomic_path, get_device, set_seed


#: Model config -> the train config its trainer takes.
TRAIN_CONFIGS = {AutoRecConfig: TrainConfig, DeepAEConfig: TrainConfig,
                 GLocalKConfig: GLocalKTrainConfig,
                 MFConfig: MFTrainConfig, ConvMFConfig: ConvMFTrainConfig,
                 **{c: ClosedFormConfig for c in CLOSED_FORM}}


@dataclass
class Run:
    """One configuration of a study.

    Attributes:
        label: what varies, e.g. ``{"f": "identity", "g": "sigmoid"}``; it
            becomes columns of the result tables and must be unique.
        model: the model's config (size fields may be unset: they are
            taken from the data), e.g. ``recipes.I_AUTOREC``.
        train: the train config; its type picks the trainer (default for
            closed-form models: :class:`~deeprec.train.ClosedFormConfig`).
    """

    label: dict
    model: object
    train: object = None

    def __post_init__(self):
        if self.train is None:
            if not is_closed_form(self.model):
                raise ValueError(f"run {self.label}: a "
                                 f"{type(self.model).__name__} is trained: "
                                 f"give its train config")
            self.train = ClosedFormConfig()
        wanted = TRAIN_CONFIGS.get(type(self.model))
        if wanted is not None and not isinstance(self.train, wanted):
            raise TypeError(f"run {self.label}: a "
                            f"{type(self.model).__name__} trains with a "
                            f"{wanted.__name__}, not a "
                            f"{type(self.train).__name__}")

    def seed(self, default: int = 0) -> int:
        """The run's seed: its label's ``seed`` (see :func:`with_seeds`),
        else ``default``."""
        return int(self.label.get("seed", default))

    def resolved(self, data: RatingData, seed: int = 0,
                 scale: Scale | None = None, device: str | None = None
                 ) -> "Run":
        """This run as it trains on ``data``: model sized for it, train
        config at ``scale`` with the run's seed (and ``device``)."""
        config = scaled(self.train, scale or current_scale())
        config = replace(config, seed=self.seed(seed),
                         **({"device": str(device)} if device else {}))
        return Run(dict(self.label), sized(self.model, data), config)


def run_definition(run: Run, data: RatingData, seed: int = 0,
                   scale: Scale | None = None) -> dict:
    """Everything that defines a run's result: label, both configs (at
    ``scale``, with the seed), the data's identity and the library
    version, and the kind of device it trains on (cpu, cuda, mps: their
    numbers differ). Which device of a kind, and the progress bar, are
    left out; so are the thread count and the CPU's instruction set, which
    every row records (they move GLocal-K's RMSE by about 0.002, within
    its seed-to-seed spread).
    """
    from deeprec import __version__
    run = run.resolved(data, seed, scale)
    train_config = {k: v for k, v in as_dict(run.train).items()
                    if k not in PLACEMENT_FIELDS
                    and not (k in LATER_FIELDS and v == LATER_FIELDS[k])}
    return {"label": run.label, "model": as_dict(run.model),
            "train": train_config, "data": data.name,
            "data_fingerprint": data.fingerprint, "seed": run.train.seed,
            "version": __version__,
            "device": get_device(run.train.device).type}


def run_key(run: Run, data: RatingData, seed: int = 0,
            scale: Scale | None = None, device: str | None = None) -> str:
    """A hash of :func:`run_definition` (trained on ``device``, default
    the config's): the run's name on disk."""
    if device:
        run = Run(run.label, run.model, replace(run.train,
                                                device=str(device)))
    text = json.dumps(run_definition(run, data, seed, scale),
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class StudyResult:
    """The tidy tables of a study.

    Attributes:
        summary: one row per run.
        history: one row per run and epoch.
        trained, reused: keys of the runs trained in this call and of
            those read back from saved results.
    """

    summary: pd.DataFrame
    history: pd.DataFrame = field(default_factory=pd.DataFrame)
    trained: list = field(default_factory=list)
    reused: list = field(default_factory=list)

    @classmethod
    def concat(cls, results) -> "StudyResult":
        """The runs of several results as one (tables in order, keys
        joined)."""
        results = list(results)
        histories = [r.history for r in results if not r.history.empty]
        return cls(pd.concat([r.summary for r in results], ignore_index=True),
                   pd.concat(histories, ignore_index=True) if histories
                   else pd.DataFrame(),
                   trained=[k for r in results for k in r.trained],
                   reused=[k for r in results for k in r.reused])

    def save(self, path: str | Path) -> None:
        """Write ``summary.csv`` and ``history.csv`` into folder ``path``."""
        for name, table in (("summary", self.summary),
                            ("history", self.history)):
            with atomic_path(Path(path) / f"{name}.csv") as tmp:
                table.to_csv(tmp, index=False)

    @classmethod
    def load(cls, path: str | Path) -> "StudyResult":
        """Read a study saved by :func:`run_study` (or :meth:`save`): the
        runs of ``summary.csv``, in its order; each run's row and history
        are read from its run file where there is one (``history.csv`` is
        only a view of those), so the tables always agree."""
        path = Path(path)
        file = path / "summary.csv"
        if not file.exists():
            raise FileNotFoundError(f"{file}: no saved study here")
        try:
            summary = pd.read_csv(file)
        except pd.errors.EmptyDataError:
            summary = pd.DataFrame()
        if "key" not in summary:
            raise ValueError(f"{file}: not a study summary (it has no "
                             f"'key' column)")
        records = [read_run(path, key) for key in summary.key]
        if records and all(records):
            return _tables(records)
        hist = path / "history.csv"
        try:
            history = pd.read_csv(hist) if hist.exists() else pd.DataFrame()
        except pd.errors.EmptyDataError:
            history = pd.DataFrame()
        return cls(summary, history)

    def record(self) -> str:
        """One line for a chapter's run record: what was trained here and
        what was read back (with its original training time)."""
        s = self.summary
        seconds = s.set_index("key").seconds if len(s) else pd.Series()
        trained = sum(seconds.get(k, 0) for k in self.trained)
        reused = sum(seconds.get(k, 0) for k in self.reused)
        line = f"{len(self.trained)} runs trained here ({trained:.0f} s)"
        if self.reused:
            line += (f", {len(self.reused)} read from saved results (trained "
                     f"earlier in {reused:.0f} s)")
        return line


def _run_file(path: Path, key: str) -> Path:
    return path / "runs" / f"{key}.json"


def model_file(path: str | Path, key: str) -> Path:
    """Where :func:`run_study` saves the weights of run ``key``."""
    return Path(path) / "models" / f"{key}.pt"


def read_run(path: Path, key: str, need_model: bool = False) -> dict | None:
    """The saved record of run ``key``, or None if it has none (or an
    unreadable one, or lacks the weights asked for)."""
    try:
        record = json.loads(_run_file(Path(path), key).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or not {"summary", "history"} <= set(
            record):
        return None
    if (need_model and not record["summary"].get("diverged")
            and not model_file(path, key).exists()):
        return None  # a diverged run has no weights to save
    return record


def _flat(prefix: str, config) -> dict:
    return {f"{prefix}.{k}": (list(v) if isinstance(v, tuple) else v)
            for k, v in as_dict(config).items()}


def train_run(run: Run, data: RatingData, key: str, progress: bool = True
              ) -> tuple[nn.Module, dict]:
    """Build and train one resolved run (see :meth:`Run.resolved`); the
    trained model and its record (``summary`` row and ``history``)."""
    from deeprec import __version__
    set_seed(run.train.seed)
    start = time.perf_counter()
    model = build_model(run.model, data)
    config = replace(run.train, progress=progress)
    result: FitResult = train(model, data, config)
    result.seconds = time.perf_counter() - start
    row = {**run.label, "key": key, "dataset": data.name,
           "parameters": count_parameters(model), **result.summary(),
           "seed": run.train.seed, "version": __version__,
           "device": str(get_device(config.device)),
           # CPU results depend on both (GLocal-K's by ~0.002 RMSE)
           "threads": torch.get_num_threads(),
           "cpu": torch.backends.cpu.get_cpu_capability(),
           **_flat("model", run.model), **_flat("train", run.train)}
    history = result.history.assign(key=key, **run.label)
    return result.model, {"summary": row,
                          "history": history.to_dict("records")}


def _clean(value):
    """JSON-safe value (NaN becomes null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _write_run(path: Path, key: str, record: dict) -> None:
    record = {part: ({k: _clean(v) for k, v in rows.items()}
                     if isinstance(rows, dict) else
                     [{k: _clean(v) for k, v in r.items()} for r in rows])
              for part, rows in record.items()}
    with atomic_path(_run_file(path, key)) as tmp:
        tmp.write_text(json.dumps(record, default=str))


def run_study(runs: list[Run], data: RatingData,
              path: str | Path | None = None, seed: int = 0,
              progress: bool = True, save_models: bool = False,
              scale: Scale | None = None, device: str | None = None
              ) -> StudyResult:
    """Train every run (reusing identical finished ones saved in
    ``path``); return (and save) the result tables.

    Args:
        runs: the configurations; labels must be unique.
        data: the split in index space, shared by all runs.
        path: folder to save each finished run into and to resume from.
        seed: seeds each run (a run whose label has a ``seed``, see
            :func:`with_seeds`, uses that one).
        progress: show progress bars.
        save_models: also save each trained model's weights (read back
            with :func:`load_trained`).
        scale: full, quick or a fraction of the epochs (default:
            :func:`~deeprec.scale.current_scale`).
        device: train every run there (default: each config's own).
    """
    labels = [json.dumps(r.label, sort_keys=True, default=str) for r in runs]
    if len(set(labels)) != len(labels):
        raise ValueError("study run labels must be unique")
    scale = scale or current_scale()
    path = Path(path) if path is not None else None
    records, trained, reused = [], [], []
    for run in runs:
        key = run_key(run, data, seed, scale, device)
        record = (read_run(path, key, save_models and run.train is not None
                            and not is_closed_form(run.model))
                  if path is not None else None)
        if record is None:
            concrete = run.resolved(data, seed, scale, device)
            model, record = train_run(concrete, data, key, progress)
            if path is not None and distributed.is_writer():
                if (save_models and not is_closed_form(run.model)
                        and not record["summary"]["diverged"]):
                    with atomic_path(model_file(path, key)) as tmp:
                        torch.save(model.state_dict(), tmp)
                _write_run(path, key, record)  # last: marks it finished
            distributed.barrier()  # torchrun: the others see rank 0's files
            trained.append(key)
        else:
            reused.append(key)
        records.append(record)
    result = _tables(records)
    result.trained, result.reused = trained, reused
    if path is not None and distributed.is_writer():  # csv views of the
        result.save(path)  # run files, in run order
    return result


def _tables(records: list[dict]) -> StudyResult:
    summary = pd.DataFrame([r["summary"] for r in records])
    history = [pd.DataFrame(r["history"]) for r in records if r["history"]]
    return StudyResult(summary, pd.concat(history, ignore_index=True)
                       if history else pd.DataFrame())


def load_trained(run: Run, path: str | Path, data: RatingData,
                 seed: int = 0, scale: Scale | None = None,
                 device: str | None = None) -> nn.Module:
    """The trained model of ``run`` saved by ``run_study(...,
    save_models=True)`` into ``path`` (in eval mode, on the CPU); ``seed``,
    ``scale`` and ``device`` as given to run_study. A closed-form model is
    rebuilt from ``data``."""
    concrete = run.resolved(data, seed, scale, "cpu")
    if is_closed_form(run.model):
        return build_model(concrete.model, data).eval()
    file = model_file(path, run_key(run, data, seed, scale, device))
    if not file.exists():
        raise FileNotFoundError(
            f"{file}: no saved model for run {run.label} (this definition "
            f"was not trained with save_models=True in {path})")
    from deeprec.checkpoint import CheckpointError, read_tensors
    model = build_model(concrete.model, data)
    try:
        model.load_state_dict(read_tensors(file))
    except (RuntimeError, TypeError, AttributeError) as error:
        first = str(error).splitlines()[0]
        raise CheckpointError(f"{file}: weights do not fit run "
                              f"{run.label} ({first})") from None
    return model.eval()


def with_seeds(runs: list[Run], seeds) -> list[Run]:
    """Every run once per seed; the label gains a ``seed`` column."""
    return [Run({**r.label, "seed": s}, r.model, r.train)
            for r in runs for s in seeds]


def seed_summary(summary: pd.DataFrame, by: str | list[str] = "model",
                 metrics=("valid_rmse", "test_rmse")) -> pd.DataFrame:
    """Mean, standard deviation, min and max of ``metrics`` over seeds,
    one row per value of ``by``, in the order the runs first appear."""
    by = [by] if isinstance(by, str) else list(by)
    table = summary.groupby(by, sort=False)[list(metrics)].agg(
        ["mean", "std", "min", "max"])
    table.columns = [f"{m}_{stat}" for m, stat in table.columns]
    table.insert(0, "seeds", summary.groupby(by, sort=False).size())
    return table
