"""Figures: matplotlib functions that take DataFrames only."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from deeprec.constants import ITEM, RATING, USER


def plot_long_tail(ratings: pd.DataFrame, axes=None):
    """Ratings per item (sorted, log scale), ratings per user and the
    rating values: three panels stacked for the book's column."""
    if axes is None:
        _, axes = plt.subplots(3, 1, figsize=(6.8, 8.4), layout="constrained")
    per_item = np.sort(ratings[ITEM].value_counts().to_numpy())[::-1]
    axes[0].plot(np.arange(1, len(per_item) + 1), per_item)
    axes[0].set(yscale="log", xlabel="item rank by popularity",
                ylabel="ratings (log)", title="The long tail of items")
    share = np.cumsum(per_item) / per_item.sum()
    top = int(np.searchsorted(share, 0.5)) + 1
    axes[0].axvline(top, color="grey", ls="--")
    axes[0].annotate(f"{top} items ({top / len(per_item):.0%}) hold\n"
                     "half of all ratings", (top, per_item[top - 1]),
                     xytext=(10, 10), textcoords="offset points")
    per_user = ratings[USER].value_counts().to_numpy()
    axes[1].hist(per_user, bins=50)
    axes[1].set(xlabel="ratings per user", ylabel="users",
                title="User activity")
    counts = ratings[RATING].value_counts().sort_index()
    axes[2].bar(counts.index.astype(str), counts.to_numpy())
    axes[2].set(xlabel="rating", ylabel="count", title="Rating values")
    return axes


#: What the curve panels call each metric of a training history.
METRIC_NAMES = {"train_rmse": "training RMSE", "valid_rmse": "validation RMSE",
                "test_rmse": "test RMSE"}


def run_label(by: Sequence[str], key: tuple) -> str:
    """A readable legend label: ``width 128, tied`` (a boolean column
    shows its name or ``not <name>``)."""
    parts = []
    for column, value in zip(by, key):
        if isinstance(value, (bool, np.bool_)):
            parts.append(column if value else f"not {column}")
        else:
            parts.append(f"{column} {value}")
    return ", ".join(parts)


def data_limits(values, margin: float = 0.05) -> tuple[float, float]:
    """Limits that hold every finite value, with ``margin`` of the range
    added on each side."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if not len(v):
        return (0.0, 1.0)
    low, high = float(v.min()), float(v.max())
    pad = margin * (high - low) or 0.05 * abs(high) or 0.05
    return (low - pad, high + pad)


def plot_curves(history: pd.DataFrame, by: str | Sequence[str],
                metrics: Sequence[str] = ("train_rmse", "valid_rmse"),
                axes=None, label=None, from_epoch: int = 1,
                share_y: bool = False, titles: Sequence[str] | None = None,
                ylim=None):
    """One panel per metric (titled with its split: training, validation
    or test RMSE), one line per value of ``by`` over epochs, the legend
    below the panels. The y-limits hold every drawn point; ``from_epoch``
    leaves out the first epochs (say so in the caption).

    Runs that diverged (their last row has a NaN training RMSE) are drawn
    up to the divergence, marked with an x at their last finite value and
    labelled "diverged at epoch N". A ``stage`` column (GLocal-K's
    pre-training and fine-tuning) adds a dotted line where a stage begins.
    ``label(key) -> str`` names a run (default :func:`run_label`).
    ``titles`` replaces the panel titles; ``ylim`` zooms every panel (for
    exploring: a book figure goes through :func:`deeprec.book.figure`,
    whose check fails if the zoom cuts off a drawn point).
    """
    by = [by] if isinstance(by, str) else list(by)
    label = label or (lambda key: run_label(by, key))
    if axes is None:
        fig, axes = plt.subplots(1, len(metrics), layout="constrained",
                                 figsize=(6.8, 3.6), squeeze=False)
    axes = np.atleast_1d(axes).ravel()
    shown = history[history.epoch >= from_epoch]
    for key, run in shown.groupby(by, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        name = label(key)
        diverged = run.train_rmse.isna().iloc[-1]
        if diverged:
            name += f" (diverged at epoch {run.epoch.iloc[-1]})"
        for ax, metric in zip(axes, metrics):
            line, = ax.plot(run.epoch, run[metric], label=name)
            if diverged:
                _mark_divergence(ax, run, metric, line.get_color())
    every = data_limits(shown[list(metrics)].to_numpy().ravel())
    titles = titles or [METRIC_NAMES.get(m, m) for m in metrics]
    for ax, metric, title in zip(axes, metrics, titles):
        ax.set(xlabel="epoch", ylabel="RMSE", title=title,
               ylim=ylim or (every if share_y else data_limits(shown[metric])))
        ax.grid(alpha=0.3)
        if "stage" in history:
            _mark_stages(ax, history)
    _legend_below(axes[0].figure, axes[0], ", ".join(by))
    return axes


def _legend_below(fig, ax, title: str | None = None) -> None:
    """One legend for the figure, below its panels (never on the data)."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", title=title,
                   ncol=min(3, len(handles)))


def _mark_stages(ax, history: pd.DataFrame):
    """A dotted line and the stage's name where each later stage begins
    (the first epoch with that stage)."""
    starts = history.groupby("stage", sort=False).epoch.min().iloc[1:]
    for stage, epoch in starts.items():
        ax.axvline(epoch - 0.5, color="grey", ls=":")
        ax.annotate(stage, (epoch - 0.5, 1), xycoords=("data", "axes fraction"),
                    xytext=(4, -12), textcoords="offset points",
                    color="grey", fontsize=9)


def _mark_divergence(ax, run: pd.DataFrame, metric: str, color):
    """An x at the last finite value of a diverged run, with the epoch of
    divergence written beside it."""
    ok = run.dropna(subset=[metric])
    if not len(ok):
        return
    x, y = ok.epoch.iloc[-1], ok[metric].iloc[-1]
    ax.plot([x], [y], "x", color=color, ms=10, mew=2.5)
    ax.annotate(f"diverged (epoch {run.epoch.iloc[-1]})", (x, y),
                xytext=(-8, -14), textcoords="offset points", color=color,
                fontsize=9, ha="right")


def plot_metric_vs(summary: pd.DataFrame, x: str, y: str = "valid_rmse",
                   by: str | None = None, logx: bool = True, ax=None,
                   reference: dict | None = None, label=None,
                   line: bool = True):
    """``y`` against ``x`` (e.g. RMSE against hidden units), one line per
    value of ``by`` (named by ``label(value)``; ``line=False``: points
    only, for models that lie on no common axis); ``reference`` adds
    labelled horizontal lines. The y-limits hold the points and lines."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.8, 3.8), layout="constrained")
    groups = summary.groupby(by, sort=False) if by else [(None, summary)]
    for key, part in groups:
        part = part.sort_values(x)
        name = label(key) if label else (None if by is None else
                                         f"{by} {key}")
        ax.plot(part[x], part[y], "o-" if line else "o", label=name)
    if logx:
        ax.set_xscale("log")
    for name, value in (reference or {}).items():
        ax.axhline(value, ls="--", color="grey")
        ax.annotate(name, (0.01, value), xycoords=("axes fraction", "data"),
                    xytext=(0, 3), textcoords="offset points", fontsize=9)
    ax.set(xlabel=x.replace("_", " "), ylabel=y.replace("_", " "),
           ylim=data_limits([*summary[y], *(reference or {}).values()], 0.1))
    ax.grid(alpha=0.3)
    if by:
        _legend_below(ax.figure, ax, by)
    return ax


def plot_activations(names: Sequence[str], ax=None, span=(-4.0, 8.0),
                     labels: dict | None = None):
    """The activation functions by name on ``span`` (wide enough to show
    ReLU6's cap at 6), each labelled ``labels[name]`` (default: its
    name)."""
    import torch

    from deeprec.models.activations import activation
    if ax is None:
        _, ax = plt.subplots(figsize=(6.8, 4.2), layout="constrained")
    x = torch.linspace(*span, 601)
    values = []
    for name in names:
        with torch.no_grad():
            y = activation(name)(x)
        values.append(y.numpy())
        ax.plot(x, y, label=(labels or {}).get(name, name))
    ax.axhline(0, color="black", lw=0.6)
    ax.axvline(0, color="black", lw=0.6)
    ax.set(xlabel="x", ylabel="f(x)", ylim=data_limits(np.ravel(values)),
           title="Activation functions")
    _legend_below(ax.figure, ax)
    ax.grid(alpha=0.3)
    return ax


def plot_comparison(table: pd.DataFrame, metric: str = "test_rmse",
                    reference: dict | None = None, ax=None,
                    over: str = "seeds", sort_by: str | None = None):
    """Horizontal bars of ``<metric>_mean`` per model (rows of a
    :func:`deeprec.studies.seed_summary` table), whiskers from the min to
    the max over ``over`` (seeds, folds), each mean written right of its
    whisker; ``reference`` adds vertical lines (published numbers) named
    in a legend below the axes. Rows are sorted by ``sort_by`` (a column;
    default the metric's mean), lowest at the top."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.8, 0.45 * len(table) + 1.8),
                             layout="constrained")
    table = table.sort_values(sort_by or f"{metric}_mean", ascending=False)
    mean = table[f"{metric}_mean"]
    top = table[f"{metric}_max"]
    err = np.vstack([mean - table[f"{metric}_min"], top - mean])
    err = err.clip(min=0)  # the mean of equal numbers can land an ulp out
    y = np.arange(len(table))
    ax.barh(y, mean, xerr=err, color="tab:blue", alpha=0.75, capsize=3)
    ax.set_yticks(y, [str(i) for i in table.index])
    for yi, m, t in zip(y, mean, np.maximum(top, mean)):
        ax.annotate(f"{m:.4f}", (t, yi), xytext=(6, -4), zorder=4,
                    textcoords="offset points", fontsize=9,
                    bbox={"facecolor": "white", "edgecolor": "none",
                          "pad": 0.5})  # above the reference lines
    colors = plt.cm.Dark2(np.arange(len(reference or {})))
    for (name, value), color in zip((reference or {}).items(), colors):
        ax.axvline(value, ls="--", color=color, lw=1.2, zorder=3,
                   label=f"{name} {value:.4f}")
    if reference:
        _legend_below(ax.figure, ax, "published")
    low = min(mean.min(), *(reference or {}).values(), np.inf)
    ax.set_xlim(low - 0.03, top.max() + 0.05)
    ax.set(xlabel=metric.replace("_", " ") + f" (mean, min-max over {over})")
    ax.grid(alpha=0.3, axis="x")
    return ax
