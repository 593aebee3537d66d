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
