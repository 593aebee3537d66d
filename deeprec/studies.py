"""Studies: one function per paper table or figure, returning tidy tables.

A study is a list of :class:`Run` s (a label, a model builder and a training
config). :func:`run_study` trains them one after another and returns a
:class:`StudyResult` with a ``summary`` table (one row per run) and a
``history`` table (one row per run and epoch). With ``path`` set, results are
saved after every run and runs already saved are skipped, so a study that
was cut off resumes where it stopped, and a figure can be redrawn from the
saved tables without retraining.
"""

from __future__ import annotations

import hashlib
import json
import time
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import pandas as pd
import torch
from torch import nn

from deeprec.data.matrix import RatingData
from deeprec.evaluate import evaluate_rmse
from deeprec.models import knn
from deeprec.models import (AutoRec, AutoRecConfig, BiasBaseline, BiasedMF,
                            GLocalK, GLocalKConfig, GlobalMean, KNNBaseline,
                            MFConfig, count_parameters)
from deeprec.train import (FitResult, GLocalKTrainConfig, TrainConfig, fit,
                           fit_glocal_k, fit_mf)
from deeprec.utils import atomic_path, get_device, is_quick, set_seed


@dataclass
class Run:
    """One configuration of a study.

    Attributes:
        label: what varies, e.g. ``{"f": "identity", "g": "sigmoid"}``; it
            becomes columns of the result tables and must be unique.
        build: returns a fresh, untrained model.
        config: how to train it (None for models fitted in closed form).
        fit: the trainer. With a ``config`` it is called as ``fit(model,
            data, config)`` and returns a FitResult (default
            :func:`deeprec.fit`; GLocal-K's runs use
            :func:`deeprec.train.fit_glocal_k`). Without one, it is a
            fitting function ``(model, data, seed) -> model`` (baselines).
    """

    label: dict
    build: Callable[[], nn.Module]
    config: TrainConfig | GLocalKTrainConfig | None = None
    fit: Callable[..., nn.Module | FitResult] | None = None


@dataclass
class StudyResult:
    """The tidy tables of a study."""

    summary: pd.DataFrame
    history: pd.DataFrame = field(default_factory=pd.DataFrame)

    def save(self, path: str | Path) -> None:
        """Write ``summary.csv`` and ``history.csv`` into folder ``path``."""
        path = Path(path)
        for name, table in (("summary", self.summary),
                            ("history", self.history)):
            with atomic_path(path / f"{name}.csv") as tmp:
                table.to_csv(tmp, index=False)

    @classmethod
    def load(cls, path: str | Path) -> "StudyResult":
        """Read tables written by :meth:`save`."""
        path = Path(path)
        summary = pd.read_csv(path / "summary.csv")
        hist = path / "history.csv"
        history = (pd.read_csv(hist) if hist.exists()
                   and hist.stat().st_size > 1 else pd.DataFrame())
        return cls(summary, history)


def _key(label: dict) -> str:
    return json.dumps(label, sort_keys=True, default=str)


def _model_file(path: str | Path, label: dict) -> Path:
    digest = hashlib.sha1(_key(label).encode()).hexdigest()[:16]
    return Path(path) / "models" / f"{digest}.pt"


def load_trained(run: Run, path: str | Path) -> nn.Module:
    """The trained model of ``run`` saved by ``run_study(...,
    save_models=True)`` into folder ``path`` (in eval mode, on the CPU)."""
    file = _model_file(path, run.label)
    if not file.exists():
        raise FileNotFoundError(f"no saved model for run {run.label} in "
                                f"{file.parent}; run the study with "
                                f"save_models=True first")
    model = run.build()
    model.load_state_dict(torch.load(file, map_location="cpu",
                                     weights_only=True))
    return model.eval()


def run_study(runs: list[Run], data: RatingData,
              path: str | Path | None = None, seed: int = 0,
              progress: bool = True, save_models: bool = False
              ) -> StudyResult:
    """Train every run; return (and optionally save) the result tables.

    Args:
        runs: the configurations; labels must be unique.
        data: the split in index space, shared by all runs.
        path: folder to save to after each run and to resume from.
        seed: seeds each run's initialisation (a run whose label has a
            ``seed``, see :func:`with_seeds`, uses that one).
        progress: show progress bars.
        save_models: also save each trained model's weights under
            ``path/models`` (read back with :func:`load_trained`).
    """
    keys = [_key(r.label) for r in runs]
    if len(set(keys)) != len(keys):
        raise ValueError("study run labels must be unique")
    order = {k: i for i, k in enumerate(keys)}
    done = StudyResult(pd.DataFrame(), pd.DataFrame())
    if path is not None and (Path(path) / "summary.csv").exists():
        done = StudyResult.load(path)
    finished = set(done.summary["key"]) if len(done.summary) else set()
    summaries, histories = [done.summary], [done.history]
    for run, key in zip(runs, keys):
        if key in finished:
            continue
        run_seed = int(run.label.get("seed", seed))
        set_seed(run_seed)
        model = run.build()
        start = time.perf_counter()
        row = dict(run.label, key=key, dataset=data.name,
                   parameters=count_parameters(model))
        if run.config is not None:
            config = replace(run.config, seed=run_seed, progress=progress)
            result = (run.fit or fit)(model, data, config)
        else:
            result = run.fit(model, data, run_seed) if run.fit else model
        if isinstance(result, FitResult):
            model = result.model
            row.update(result.summary())
            histories.append(result.history.assign(key=key, **run.label))
        else:
            model = result.to(get_device("auto"))
            row.update(valid_rmse=evaluate_rmse(model, data, "valid"),
                       test_rmse=evaluate_rmse(model, data, "test"),
                       diverged=False)
            row["seconds"] = round(time.perf_counter() - start, 2)
        if save_models and path is not None:
            with atomic_path(_model_file(path, run.label)) as tmp:
                torch.save(model.state_dict(), tmp)
        summaries.append(pd.DataFrame([row]))
        if path is not None:
            _tables(summaries, histories, order, only_known=False).save(path)
    if path is not None and len(summaries) == 1:  # none ran: re-save the
        # loaded tables in run order (the loop saves after every run)
        _tables(summaries, histories, order, only_known=False).save(path)
    return _tables(summaries, histories, order, only_known=True)


def _tables(summaries: list[pd.DataFrame], histories: list[pd.DataFrame],
            order: dict[str, int], only_known: bool) -> StudyResult:
    """Concatenate the tables and sort their rows into run order (rows of
    runs not in ``order`` go last, or are dropped with ``only_known``)."""
    def arrange(frames):
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame()
        table = pd.concat(frames, ignore_index=True)
        rank = table["key"].map(order)
        if only_known:
            table, rank = table[rank.notna()], rank[rank.notna()]
        position = rank.fillna(len(order)).to_numpy()
        return table.iloc[position.argsort(kind="stable")].reset_index(
            drop=True)
    return StudyResult(arrange(summaries), arrange(histories))


def with_seeds(runs: list[Run], seeds=(0, 1, 2)) -> list[Run]:
    """Every run once per seed; the label gains a ``seed`` column."""
    return [Run({**r.label, "seed": s}, r.build, r.config, r.fit)
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


# --- AutoRec (Sedhain et al., 2015) -----------------------------------------

def autorec_config(num_epochs: int = 200, quick: bool | None = None
                   ) -> TrainConfig:
    """The training recipe this book uses for AutoRec on ML-100K: AutoRec's
    objective (sum of squares + lambda/2 ||W||^2, lambda = 100) minimised
    full-batch with Adam (lr 0.01), the checkpoint picked on validation.
    ``quick`` (default: :func:`deeprec.is_quick`) cuts it to 5 epochs."""
    quick = is_quick() if quick is None else quick
    return TrainConfig(num_epochs=5 if quick else num_epochs,
                       batch_size=100_000, optimizer="adam", lr=0.01,
                       loss="sse", l2=100.0)


def autorec_builder(data: RatingData, orientation: str = "item",
                    **config) -> Callable[[], AutoRec]:
    """A builder of AutoRec sized for ``data`` (config fields as keywords)."""
    inputs = data.num_users if orientation == "item" else data.num_items

    def build() -> AutoRec:
        return AutoRec(AutoRecConfig(inputs, orientation=orientation,
                                     **config))
    return build


def autorec_orientation_study(data: RatingData, config: TrainConfig,
                              hidden_dim: int = 500, **kw) -> StudyResult:
    """AutoRec's Table (a): I-AutoRec against U-AutoRec."""
    runs = [Run({"model": f"{o[0].upper()}-AutoRec"},
                autorec_builder(data, o, hidden_dim=hidden_dim), config)
            for o in ("item", "user")]
    return run_study(runs, data, **kw)


def autorec_activation_study(data: RatingData, config: TrainConfig,
                             hidden_dim: int = 500, **kw) -> StudyResult:
    """AutoRec's Table (b): output f and hidden g in {identity, sigmoid}."""
    runs = [Run({"f": f, "g": g}, autorec_builder(
        data, "item", hidden_dim=hidden_dim, output_activation=f,
        hidden_activation=g), config)
        for f in ("identity", "sigmoid") for g in ("identity", "sigmoid")]
    return run_study(runs, data, **kw)


def autorec_hidden_units_study(data: RatingData, config: TrainConfig,
                               hidden_dims=(10, 20, 40, 80, 100, 200, 300,
                                            400, 500, 1000), **kw
                               ) -> StudyResult:
    """AutoRec's Figure 2: I-AutoRec test RMSE against hidden units k."""
    runs = [Run({"hidden_dim": k}, autorec_builder(data, "item",
                                                   hidden_dim=k), config)
            for k in hidden_dims]
    return run_study(runs, data, **kw)


def baseline_runs(data: RatingData, mf_epochs: int = 20) -> list[Run]:
    """The three baselines as study runs (closed form or SGD, no epochs)."""
    def mf_fit(model, data, seed):
        return fit_mf(model, data, num_epochs=mf_epochs, seed=seed)

    return [
        Run({"model": "Global mean"}, lambda: GlobalMean(data)),
        Run({"model": "User + item biases"}, lambda: BiasBaseline(data)),
        Run({"model": "BiasedMF"}, lambda: BiasedMF(MFConfig(
            data.num_users, data.num_items, global_mean=data.global_mean)),
            fit=mf_fit),
    ]


def knn_runs(data: RatingData, k: int = 40, shrinkage: float = 100.0
             ) -> list[Run]:
    """Item- and user-based :class:`~deeprec.models.KNNBaseline` as study
    runs (closed form: every seed gives the same model). A side whose
    dense matrices would not fit (:func:`~deeprec.models.knn.size_problem`:
    ML-10M and larger) is left out with a warning that says why."""
    runs = []
    for side in ("item", "user"):
        problem = knn.size_problem(data, side)
        if problem:
            warnings.warn(f"{side.capitalize()} kNN left out: {problem}",
                          stacklevel=2)
            continue
        runs.append(Run({"model": f"{side.capitalize()} kNN"},
                        lambda side=side: KNNBaseline(data, side, k,
                                                      shrinkage)))
    return runs


# --- The deep autoencoder (Kuchaiev & Ginsburg, 2017) -----------------------

def deep_ae_config(num_epochs: int = 100, quick: bool | None = None,
                   **overrides) -> TrainConfig:
    """The paper's training setup: SGD with momentum 0.9, lr 0.001, batch
    128, masked MSE. ``quick`` (default :func:`deeprec.is_quick`) cuts it
    to 3 epochs."""
    quick = is_quick() if quick is None else quick
    config = TrainConfig(num_epochs=3 if quick else num_epochs,
                         batch_size=128, optimizer="sgd", lr=0.001,
                         momentum=0.9, loss="mmse")
    return replace(config, **overrides)


def deep_ae_builder(data: RatingData, orientation: str = "user",
                    **config) -> Callable[[], nn.Module]:
    """A builder of DeepAutoEncoder sized for ``data``."""
    from deeprec.models import DeepAEConfig, DeepAutoEncoder
    inputs = data.num_items if orientation == "user" else data.num_users

    def build() -> nn.Module:
        return DeepAutoEncoder(DeepAEConfig(inputs, orientation=orientation,
                                            **config))
    return build


#: The paper's Figure 2 activations; the last layer is linear for sigmoid
#: and tanh and activated for the others.
PAPER_ACTIVATIONS = ("sigmoid", "relu", "relu6", "tanh", "elu", "lrelu",
                     "selu")


def activation_runs(data: RatingData, config: TrainConfig,
                    activations=PAPER_ACTIVATIONS,
                    hidden_dims=(128, 128)) -> list[Run]:
    """Figure 2: a 4-layer autoencoder (n,128,128,128,n) per activation."""
    return [Run({"activation": a}, deep_ae_builder(
        data, hidden_dims=hidden_dims, activation=a,
        last_activation=a not in ("sigmoid", "tanh")), config)
        for a in activations]


def overfitting_runs(data: RatingData, config: TrainConfig,
                     widths=(128, 256, 512, 1024),
                     activation: str = "selu") -> list[Run]:
    """Figure 3: one hidden layer of growing width, tied or free decoder."""
    return [Run({"width": d, "constrained": c}, deep_ae_builder(
        data, hidden_dims=(d,), activation=activation, constrained=c),
        config) for c in (False, True) for d in widths]


def depth_runs(data: RatingData, config: TrainConfig, depths=(1, 2, 3, 4),
               width: int = 128, activation: str = "selu") -> list[Run]:
    """Table 2: 1..L hidden layers of 128 per side, plus one 256 layer."""
    runs = [Run({"layers": "x".join([str(width)] * k)}, deep_ae_builder(
        data, hidden_dims=(width,) * k, activation=activation), config)
        for k in depths]
    runs.append(Run({"layers": str(2 * width)}, deep_ae_builder(
        data, hidden_dims=(2 * width,), activation=activation), config))
    return runs


def dropout_runs(data: RatingData, config: TrainConfig,
                 rates=(0.0, 0.5, 0.65, 0.8),
                 hidden_dims=(512, 512, 1024),
                 activation: str = "selu") -> list[Run]:
    """Figure 4: dropout on the code layer, and after every layer."""
    runs = [Run({"dropout": p, "where": "code"}, deep_ae_builder(
        data, hidden_dims=hidden_dims, activation=activation, dropout=p),
        config) for p in rates]
    runs.append(Run({"dropout": 0.5, "where": "every layer"},
                    deep_ae_builder(data, hidden_dims=hidden_dims,
                                    activation=activation,
                                    layer_dropout=0.5), config))
    return runs


def refeeding_runs(data: RatingData, config: TrainConfig,
                   lrs=(0.001, 0.005), hidden_dims=(512, 512, 1024),
                   dropout: float = 0.8,
                   activation: str = "selu") -> list[Run]:
    """Figure 5: the baseline with and without dense re-feeding."""
    return [Run({"lr": lr, "refeed": k}, deep_ae_builder(
        data, hidden_dims=hidden_dims, activation=activation,
        dropout=dropout), replace(config, lr=lr, refeed=k))
        for lr in lrs for k in (0, 1)]


#: Study name -> run builder, for the command line.
DEEP_STUDIES = {"activations": activation_runs,
                "overfitting": overfitting_runs, "depth": depth_runs,
                "dropout": dropout_runs, "refeeding": refeeding_runs}


# --- GLocal-K (Han et al., 2021), the state of the art on ML-100K u1 --------

def glocal_k_config(quick: bool | None = None, **overrides
                    ) -> GLocalKTrainConfig:
    """GLocal-K's ML-100K schedule: 30 pre-training and 60 fine-tuning
    epochs of 5 L-BFGS iterations. ``quick`` cuts it to 2 + 2 epochs."""
    quick = is_quick() if quick is None else quick
    config = GLocalKTrainConfig(**({"pretrain_epochs": 2,
                                    "finetune_epochs": 2} if quick else {}))
    return replace(config, **overrides)


def glocal_k_run(data: RatingData, label: dict,
                 config: GLocalKTrainConfig | None = None, **model) -> Run:
    """A study run of :class:`~deeprec.models.GLocalK` (paper settings,
    ``model`` overrides them) trained by :func:`deeprec.train.fit_glocal_k`."""
    config = config or glocal_k_config()
    shape = (data.num_users, data.num_items)
    if model.get("orientation") == "user":
        shape = shape[::-1]

    def build() -> nn.Module:
        return GLocalK(GLocalKConfig(*shape, **model))
    return Run(label, build, config, fit=fit_glocal_k)


# --- The comparison (Table 3 of the deep-AE paper) --------------------------

#: Largest users x items matrix on which the comparison trains GLocal-K: it
#: holds several dense copies of the whole matrix at once (ML-1M's 22
#: million entries fit: 3.2 GB peak, 48 s an epoch on 2 CPU cores;
#: ML-10M's 746 million and Netflix's 8.5 billion do not). The GLocal-K
#: paper itself stops at ML-1M and Douban.
GLOCAL_K_MAX_ENTRIES = 50_000_000


def comparison_runs(data: RatingData, autorec_epochs: int = 200,
                    deep_epochs: int = 600, mf_epochs: int = 20,
                    deep_lr: float = 0.005, deep_refeed: int = 1,
                    deep_hidden=(512, 512, 1024),
                    glocal: GLocalKTrainConfig | None = None,
                    device: str = "auto") -> list[Run]:
    """Every model of the book, one run each (wrap in :func:`with_seeds`).

    The deep models are the paper's baseline n,512,512,1024,512,512,n (SELU,
    dropout 0.8 on the code) trained user- and item-based with SGD at
    ``deep_lr`` and ``deep_refeed`` dense re-feeds per batch. GLocal-K
    trains on ``glocal`` (default :func:`glocal_k_config`). The item- and
    user-based k-NN models are fitted in closed form. Models whose dense
    matrices would not fit at this scale are left out with a warning
    (:data:`GLOCAL_K_MAX_ENTRIES`, :func:`knn.size_problem`); the blend
    uses the members that remain. ``device`` is where the trained models learn.
    """
    ar = replace(autorec_config(autorec_epochs), device=device)
    deep = deep_ae_config(deep_epochs, lr=deep_lr, refeed=deep_refeed,
                          device=device)
    runs = baseline_runs(data, mf_epochs) + knn_runs(data)
    runs += [Run({"model": "I-AutoRec"}, autorec_builder(data, "item"), ar),
             Run({"model": "U-AutoRec"}, autorec_builder(data, "user"), ar)]
    runs += [Run({"model": f"Deep AE ({o})"}, deep_ae_builder(
        data, o, hidden_dims=deep_hidden, dropout=0.8), deep)
        for o in ("user", "item")]
    entries = data.num_users * data.num_items
    if entries <= GLOCAL_K_MAX_ENTRIES:
        runs.append(glocal_k_run(data, {"model": "GLocal-K"}, replace(
            glocal or glocal_k_config(), device=device)))
    else:
        warnings.warn(f"GLocal-K left out: its {data.num_users:,} x "
                      f"{data.num_items:,} dense matrix exceeds "
                      f"GLOCAL_K_MAX_ENTRIES = {GLOCAL_K_MAX_ENTRIES:,}",
                      stacklevel=2)
    return runs


#: The members of the comparison's blend (model names of comparison_runs).
BLEND_MEMBERS = ("BiasedMF", "Item kNN", "User kNN", "I-AutoRec",
                 "U-AutoRec", "Deep AE (user)", "Deep AE (item)", "GLocal-K")


def blend_rows(runs: list[Run], data: RatingData, path: str | Path,
               members=BLEND_MEMBERS, name: str = "Blend",
               pool_seeds: bool = False,
               ridge: float | None = None) -> pd.DataFrame:
    """For each seed of ``runs``: a validation-fitted :class:`Blend` of the
    saved trained ``members`` of that seed; one summary row each, with the
    fitted weights (``w_<member>`` columns). ``pool_seeds`` fits one blend
    of the members of every seed instead (seed ``"all"``); a closed-form
    member (a run without a trainer, the same for every seed) joins it
    once. ``ridge``: as in :func:`~deeprec.models.fit_blend` (default:
    chosen by cross-validation on the validation ratings)."""
    from deeprec.models import fit_blend
    seeds = sorted({r.label.get("seed", 0) for r in runs})
    groups = [("all", seeds)] if pool_seeds else [(s, [s]) for s in seeds]
    rows = []
    for tag, group in groups:
        chosen = [r for r in runs if r.label.get("seed", 0) in group
                  and r.label["model"] in members]
        if pool_seeds:  # closed-form members: the first seed's copy only
            chosen = [r for r in chosen if r.config or r.fit
                      or r.label.get("seed", 0) == group[0]]
        names = [r.label["model"] + (f" #{r.label.get('seed', 0)}"
                                     if pool_seeds else "") for r in chosen]
        blend = fit_blend([load_trained(r, path) for r in chosen], data,
                          names, ridge=ridge)
        row = {"model": name, "seed": tag, "dataset": data.name,
               "parameters": sum(count_parameters(m)
                                 for m in blend.members),
               "valid_rmse": evaluate_rmse(blend, data, "valid"),
               "test_rmse": evaluate_rmse(blend, data, "test"),
               "diverged": False, "bias": blend.bias.item(),
               "ridge": blend.ridge}
        row.update({f"w_{n}": w for n, w in zip(names,
                                                blend.weights.tolist())})
        rows.append(row)
    return pd.DataFrame(rows)


def comparison_study(data: RatingData, runs: list[Run], path: str | Path,
                     seeds=(0, 1, 2), members=BLEND_MEMBERS,
                     progress: bool = True) -> StudyResult:
    """Train every run once per seed (saving the models), then add one
    validation-fitted blend of ``members`` per seed. The summary has one
    row per model and seed (saved with the blends into ``path``);
    :func:`seed_summary` aggregates it."""
    seeded = with_seeds(runs, seeds)
    result = run_study(seeded, data, path=path, progress=progress,
                       save_models=True)
    blends = blend_rows(seeded, data, path, members)
    summary = pd.concat([result.summary, blends], ignore_index=True)
    result = StudyResult(summary, result.history)
    result.save(path)  # with the blend rows, for StudyResult.load
    return result
