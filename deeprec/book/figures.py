"""The book's figure rules, checked on every figure a chapter glues.

A figure must fit the page column, be readable there and show all of its
data: :func:`check_figure` raises :class:`FigureError` naming the broken
rule, so a chapter cannot publish a clipped curve, an empty panel, tiny
tick labels or a legend on top of the data.
"""

from __future__ import annotations

import numpy as np

#: Widest figure (inches): the book's text column is ~690 px.
MAX_WIDTH = 7.0
#: Smallest font (points) at that width.
MIN_FONT = 9.0
#: The book's matplotlib style (applied by :func:`deeprec.book.setup`).
STYLE = {"figure.figsize": (6.8, 3.8), "font.size": 10,
         "axes.titlesize": 10, "axes.labelsize": 10,
         "xtick.labelsize": 9, "ytick.labelsize": 9,
         "legend.fontsize": 9, "legend.title_fontsize": 9,
         "figure.titlesize": 11}


class FigureError(ValueError):
    """A figure breaks one of the book's figure rules."""


def check_figure(fig) -> None:
    """Raise :class:`FigureError` unless ``fig`` is at most
    :data:`MAX_WIDTH` wide, writes nothing smaller than :data:`MIN_FONT`,
    has no empty panel, keeps every drawn point inside its axes, and has
    no legend over a data point or with raw ``True``/``False`` labels."""
    width = fig.get_size_inches()[0]
    if width > MAX_WIDTH + 1e-9:
        raise FigureError(f"figure is {width:.1f} in wide: must be at most "
                          f"{MAX_WIDTH} in (stack the panels)")
    fig.canvas.draw()
    for t in fig.findobj(lambda a: hasattr(a, "get_fontsize")
                         and hasattr(a, "get_text")):
        if t.get_visible() and t.get_text().strip() and (
                t.get_fontsize() < MIN_FONT - 1e-9):
            raise FigureError(f"text {t.get_text()!r} is {t.get_fontsize():g}"
                              f" pt: must be at least {MIN_FONT:g} pt")
    for number, ax in enumerate(fig.axes, 1):
        if ax.axison and ax.get_visible():
            _check_axes(ax, f"panel {number} ({ax.get_title() or 'untitled'})")


def _points(ax) -> list[tuple[str, np.ndarray]]:
    """(label, N x 2 data points) of every line and scatter drawn in data
    coordinates (reference lines such as ``axhline`` span the axes and
    are not data)."""
    out = []
    for line in ax.get_lines():
        if line.get_visible() and line.get_transform() == ax.transData:
            xy = np.column_stack([np.asarray(line.get_xdata(), float),
                                  np.asarray(line.get_ydata(), float)])
            out.append((line.get_label(), xy))
    for coll in ax.collections:
        offsets = np.asarray(coll.get_offsets(), float)
        if coll.get_visible() and len(offsets) and (
                coll.get_offset_transform() == ax.transData):
            out.append((coll.get_label(), offsets))
    return out


def _check_axes(ax, where: str) -> None:
    points = _points(ax)
    if not (points or ax.patches or ax.images or ax.collections):
        raise FigureError(f"{where} is empty: it draws no data")
    (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    tol_x, tol_y = 1e-9 * (x1 - x0), 1e-9 * (y1 - y0)
    for label, xy in points:
        xy = xy[np.isfinite(xy).all(axis=1)]
        out = ((xy[:, 0] < x0 - tol_x) | (xy[:, 0] > x1 + tol_x)
               | (xy[:, 1] < y0 - tol_y) | (xy[:, 1] > y1 + tol_y))
        if out.any():
            x, y = xy[out][0]
            raise FigureError(f"{where}: line {label!r} has {int(out.sum())} "
                              f"points outside the axes (e.g. ({x:g}, {y:g}) "
                              f"outside x {x0:g}..{x1:g}, y {y0:g}..{y1:g}): "
                              f"choose the limits from the data")
    legend = ax.get_legend()
    if legend is None or not legend.get_visible():
        return
    for t in legend.get_texts():
        if any(word in t.get_text().split(", ") for word in ("True", "False")):
            raise FigureError(f"{where}: legend label {t.get_text()!r}: say "
                              f"what True/False means")
    box = legend.get_window_extent()
    for label, xy in points:
        shown = ax.transData.transform(xy[np.isfinite(xy).all(axis=1)])
        inside = ((shown[:, 0] > box.x0) & (shown[:, 0] < box.x1)
                  & (shown[:, 1] > box.y0) & (shown[:, 1] < box.y1))
        if inside.any():
            raise FigureError(f"{where}: the legend covers {int(inside.sum())}"
                              f" points of {label!r}: place it outside the "
                              f"data")


def apply_style() -> None:
    """Use the book's figure size and font sizes in this process."""
    import matplotlib.pyplot as plt
    plt.rcParams.update(STYLE)
