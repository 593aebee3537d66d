"""Widgets for the book: rate a few movies, see recommendations update.

Built from ipywidgets only; the executed notebooks store the widget state,
so the static pages show each app's first view.
"""

from __future__ import annotations

from typing import Sequence

from torch import nn

from deeprec.data.matrix import RatingData
from deeprec.recommend import recommend_new_user

NOT_SEEN = "not seen"


def rating_app(model: nn.Module, data: RatingData, movies,
               titles: Sequence[str], initial: dict[str, float] | None = None,
               n: int = 10):
    """An app: one dropdown per movie in ``titles`` (not seen, 1..5 stars)
    and a table of the model's top ``n`` recommendations for those ratings,
    redrawn on every change. Returns the app (an ``ipywidgets.VBox``)."""
    import ipywidgets as w
    from IPython.display import display

    initial = dict(initial or {})
    options = [NOT_SEEN, 1, 2, 3, 4, 5]
    pickers = {t: w.Dropdown(options=options,
                             value=initial.get(t, NOT_SEEN),
                             description=t,
                             style={"description_width": "230px"},
                             layout=w.Layout(width="340px"))
               for t in titles}
    out = w.Output()

    def redraw(*_):
        rated = {t: float(p.value) for t, p in pickers.items()
                 if p.value != NOT_SEEN}
        out.clear_output(wait=True)
        with out:
            if rated:
                display(recommend_new_user(model, data, movies, rated, n))
            else:
                print("Rate at least one movie to get recommendations.")

    for picker in pickers.values():
        picker.observe(redraw, names="value")
    redraw()
    grid = w.GridBox(list(pickers.values()), layout=w.Layout(
        grid_template_columns="repeat(2, 350px)"))
    app = w.VBox([w.HTML("<b>Your ratings</b>"), grid,
                  w.HTML("<b>Recommended for you</b>"), out])
    app.redraw = redraw  # for tests
    app.pickers = pickers
    app.output = out
    return app


def study_explorer(history, by: str | Sequence[str],
                   metrics: Sequence[str] = ("train_rmse", "valid_rmse"),
                   titles: Sequence[str] = ("training RMSE",
                                            "validation RMSE"),
                   ylim=None):
    """Choose runs of a saved study and redraw their curves at once.

    ``history`` is a study's tidy history table (``StudyResult.history``,
    e.g. loaded with ``StudyResult.load``); one entry per value of ``by``
    in a multiple selection (all selected at first). Nothing is retrained.
    Returns the app (an ``ipywidgets.VBox``).
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import clear_output

    from deeprec import plots

    by = [by] if isinstance(by, str) else list(by)
    names = history[by].astype(str).agg(", ".join, axis=1)
    options = list(dict.fromkeys(names))
    pick = w.SelectMultiple(options=options, value=tuple(options),
                            rows=min(8, len(options)),
                            description=", ".join(by),
                            layout=w.Layout(width="380px"))
    out = w.Output()

    def redraw(*_):
        with out:
            clear_output(wait=True)
            chosen = history[names.isin(pick.value)]
            if len(chosen):
                plots.plot_curves(chosen, by, metrics, titles, ylim=ylim)
                plt.show()
            else:
                print("Select at least one run.")

    pick.observe(redraw, names="value")
    redraw()
    app = w.VBox([pick, out])
    app.redraw, app.pick, app.output = redraw, pick, out
    return app
