"""Figures: matplotlib functions that take DataFrames only."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from deeprec.constants import ITEM, RATING, USER


def plot_long_tail(ratings: pd.DataFrame, axes=None):
    """Ratings per item (sorted, log scale) and ratings per user."""
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(13, 3.4))
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
    plt.tight_layout()
    return axes


def plot_curves(history: pd.DataFrame, by: str | Sequence[str],
                metrics: Sequence[str] = ("train_rmse", "test_rmse"),
                titles: Sequence[str] = ("training RMSE",
                                         "evaluation RMSE"),
                axes=None, ylim=None):
    """One panel per metric, one line per value of ``by`` (over epochs).

    Runs that diverged (their last row has a NaN training RMSE) are drawn
    up to the divergence and marked with an x where they left the plot
    (at the top edge if they left it upwards), labelled "diverged at
    epoch N" in the legend and next to the mark. A ``stage`` column (GLocal-K's
    pre-training and fine-tuning) adds a dotted line where a stage begins.
    """
    by = [by] if isinstance(by, str) else list(by)
    if axes is None:
        _, axes = plt.subplots(1, len(metrics),
                               figsize=(6 * len(metrics), 3.8))
    axes = np.atleast_1d(axes)
    for key, run in history.groupby(by, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(str(k) for k in key)
        diverged = run.train_rmse.isna().iloc[-1]
        if diverged:
            label += f" (diverged at epoch {run.epoch.iloc[-1]})"
        for ax, metric in zip(axes, metrics):
            line, = ax.plot(run.epoch, run[metric], label=label)
            if diverged:
                _mark_divergence(ax, run, metric, line.get_color(), ylim)
    for ax, title in zip(axes, titles):
        ax.set(xlabel="epoch", ylabel="RMSE", title=title)
        if ylim:
            ax.set_ylim(*ylim)
        ax.grid(alpha=0.3)
        if "stage" in history:
            _mark_stages(ax, history)
    axes[-1].legend(fontsize=8, title=", ".join(by), title_fontsize=8)
    plt.tight_layout()
    return axes


def _mark_stages(ax, history: pd.DataFrame):
    """A dotted line and the stage's name where each later stage begins
    (the first epoch with that stage)."""
    starts = history.groupby("stage", sort=False).epoch.min().iloc[1:]
    for stage, epoch in starts.items():
        ax.axvline(epoch - 0.5, color="grey", ls=":")
        ax.annotate(stage, (epoch - 0.5, 1), xycoords=("data", "axes fraction"),
                    xytext=(4, -12), textcoords="offset points",
                    color="grey", fontsize=8)


def _mark_divergence(ax, run: pd.DataFrame, metric: str, color, ylim):
    """An x at the last finite value of a diverged run (clipped to the top
    of ``ylim``), with the epoch of divergence written beside it."""
    ok = run.dropna(subset=[metric])
    x = run.epoch.iloc[-1]
    y = ok[metric].iloc[-1] if len(ok) else np.nan
    if ylim and (not np.isfinite(y) or y > ylim[1]):
        y = ylim[1]
    if not np.isfinite(y):
        return
    ax.plot([x], [y], "x", color=color, ms=12, mew=2.5, clip_on=False)
    ax.annotate(f"diverged (epoch {x})", (x, y), xytext=(8, -12),
                textcoords="offset points", color=color, fontsize=8)


def plot_metric_vs(summary: pd.DataFrame, x: str, y: str = "test_rmse",
                   by: str | None = None, logx: bool = True, ax=None,
                   reference: dict | None = None):
    """``y`` against ``x`` (e.g. RMSE against hidden units), one line per
    value of ``by``; ``reference`` adds labelled horizontal lines."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.8))
    groups = summary.groupby(by, sort=False) if by else [(None, summary)]
    for key, part in groups:
        part = part.sort_values(x)
        ax.plot(part[x], part[y], "o-", label=key)
    if logx:
        ax.set_xscale("log")
    for name, value in (reference or {}).items():
        ax.axhline(value, ls="--", color="grey")
        ax.annotate(name, (0.01, value), xycoords=("axes fraction", "data"),
                    xytext=(0, 3), textcoords="offset points", fontsize=8)
    ax.set(xlabel=x, ylabel=y.replace("_", " "))
    ax.grid(alpha=0.3)
    if by:
        ax.legend()
    return ax


def plot_activations(names: Sequence[str], ax=None):
    """The activation functions by name, on [-4, 4]."""
    import torch

    from deeprec.models.activations import activation
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4))
    x = torch.linspace(-4, 4, 401)
    for name in names:
        with torch.no_grad():
            ax.plot(x, activation(name)(x), label=name)
    ax.axhline(0, color="black", lw=0.6)
    ax.axvline(0, color="black", lw=0.6)
    ax.set(xlabel="x", ylabel="f(x)", ylim=(-2.2, 4.2),
           title="Activation functions")
    ax.legend(ncol=2, fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def plot_comparison(table: pd.DataFrame, metric: str = "test_rmse",
                    reference: dict | None = None, ax=None):
    """Horizontal bars of ``<metric>_mean`` per model (rows of a
    :func:`deeprec.studies.seed_summary` table), whiskers from the min to
    the max over seeds; ``reference`` adds vertical lines (published
    numbers) named in a legend."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.45 * len(table) + 1.2))
    table = table.sort_values(f"{metric}_mean", ascending=False)
    mean = table[f"{metric}_mean"]
    err = np.vstack([mean - table[f"{metric}_min"],
                     table[f"{metric}_max"] - mean])
    err = err.clip(min=0)  # the mean of equal numbers can land an ulp out
    y = np.arange(len(table))
    ax.barh(y, mean, xerr=err, color="tab:blue", alpha=0.75, capsize=3)
    ax.set_yticks(y, [str(i) for i in table.index])
    for yi, m in zip(y, mean):
        ax.annotate(f"{m:.4f}", (m, yi), xytext=(4, -3),
                    textcoords="offset points", fontsize=8)
    colors = plt.cm.Dark2(np.arange(len(reference or {})))
    for (name, value), color in zip((reference or {}).items(), colors):
        ax.axvline(value, ls="--", color=color, lw=1.2,
                   label=f"{name} {value:.4g}")
    if reference:
        ax.legend(fontsize=8, loc="upper right", title="published",
                  title_fontsize=8)
    low = min(mean.min(), *(reference or {}).values(), np.inf)
    ax.set_xlim(low - 0.03, mean.max() + 0.04)
    ax.set(xlabel=metric.replace("_", " ") + " (mean, min-max over seeds)")
    ax.grid(alpha=0.3, axis="x")
    plt.tight_layout()
    return ax
