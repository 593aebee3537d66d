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
    up to the divergence and marked with an x and "diverged" in the legend.
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
            label += " (diverged)"
        for ax, metric in zip(axes, metrics):
            line, = ax.plot(run.epoch, run[metric], label=label)
            if diverged:
                ok = run.dropna(subset=[metric])
                x = ok.epoch.iloc[-1] if len(ok) else run.epoch.iloc[0]
                y = ok[metric].iloc[-1] if len(ok) else np.nan
                ax.plot([x], [y], "x", color=line.get_color(), ms=10)
    for ax, title in zip(axes, titles):
        ax.set(xlabel="epoch", ylabel="RMSE", title=title)
        if ylim:
            ax.set_ylim(*ylim)
        ax.grid(alpha=0.3)
    axes[-1].legend(fontsize=8)
    plt.tight_layout()
    return axes


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
