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
                   ylim=None, runs: Sequence | None = None,
                   data: RatingData | None = None, params=None, label=None):
    """Choose runs of a saved study and redraw their curves at once.

    ``history`` is a study's tidy history table (``StudyResult.history``,
    e.g. loaded with ``StudyResult.load``); one entry per value of ``by``
    in a multiple selection (all selected at first). Nothing is retrained.
    ``label`` names the runs as in :func:`~deeprec.plots.plot_curves`;
    ``ylim`` zooms every panel (the app is for exploring: a book figure
    keeps limits that hold all of its data).

    With ``runs`` (small :class:`~deeprec.studies.Run` s, e.g. the study's
    run function with few epochs) and ``data``, the explorer also trains a
    new configuration on demand: one dropdown per label column, a button,
    and the new curves join the selection, marked "(trained here)". It
    trains at the scale, device and seed of ``params`` (the chapter's
    :class:`~deeprec.book.ChapterParams`; default: the process's scale).
    Returns the app (an ``ipywidgets.VBox``).
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import clear_output

    from deeprec import plots

    by = [by] if isinstance(by, str) else list(by)
    state = {"history": history}
    options = list(dict.fromkeys(_run_names(history, by)))
    pick = w.SelectMultiple(options=options, value=tuple(options),
                            rows=min(8, len(options)),
                            description=", ".join(by),
                            layout=w.Layout(width="380px"))
    out = w.Output()

    def redraw(*_):
        if state.get("mute"):
            return
        with out:
            clear_output(wait=True)
            table = state["history"]
            chosen = table[_run_names(table, by).isin(pick.value)]
            if len(chosen):
                axes = plots.plot_curves(chosen, by, metrics, label=label)
                for ax in axes if ylim else ():
                    ax.set_ylim(*ylim)
                plt.show()
            else:
                print("Select at least one run.")

    pick.observe(redraw, names="value")
    redraw()
    app = w.VBox([pick, out])
    app.redraw, app.pick, app.output = redraw, pick, out
    if runs:
        app.children = (pick, _trainer(runs, data, by, state, pick,
                                       redraw, params), out)
        app.train = app.children[1].train
    return app


def _run_names(table, by: list[str]):
    """Each row's run as the explorer lists it: its ``by`` values joined."""
    return table[by].astype(str).agg(", ".join, axis=1)


def _trainer(runs, data, by, state, pick, redraw, params=None):
    """Dropdowns over the runs' label values and a button that trains the
    chosen run (not saved) and adds its curves to the explorer."""
    import ipywidgets as w
    import pandas as pd

    from deeprec.scale import current_scale
    from deeprec.studies import run_study

    scale = params.scale if params is not None else current_scale()
    kw = ({"seed": params.seed, "device": str(params.device)}
          if params is not None else {})
    keys = list(runs[0].label)
    drops = {k: w.Dropdown(options=list(dict.fromkeys(r.label[k]
                                                      for r in runs)),
                           description=k, layout=w.Layout(width="220px"))
             for k in keys}
    epochs = {scale.epochs(r.train.num_epochs) for r in runs
              if hasattr(r.train, "num_epochs")}
    button = w.Button(description="Train this configuration",
                      layout=w.Layout(width="240px"))
    status = w.Output()

    def train(*_):
        label = {k: d.value for k, d in drops.items()}
        run = next((r for r in runs if r.label == label), None)
        status.clear_output()
        with status:
            if run is None:
                print(f"no run with {label}")
                return
            print(f"training {label} ...")
            result = run_study([run], data, progress=True, scale=scale,
                               **kw)
            tag = " (trained here)"
            hist = result.history.assign(**{by[0]: result.history[by[0]]
                                            .astype(str) + tag})
            row = result.summary.iloc[0]
            print(f"done in {row.seconds:.0f} s: best validation RMSE "
                  f"{row.valid_rmse:.4f} (epoch {row.best_epoch})")
        name = _run_names(hist, by).iloc[0]
        old = state["history"]
        state["history"] = pd.concat([old[_run_names(old, by) != name],
                                      hist], ignore_index=True)
        chosen = tuple(pick.value)
        state["mute"] = True  # new options clear the choice: no redraws
        if name not in pick.options:
            pick.options = list(pick.options) + [name]
        pick.value = tuple(dict.fromkeys(chosen + (name,)))
        state["mute"] = False
        redraw()

    button.on_click(train)
    note = (f"{', '.join(map(str, sorted(epochs)))} epochs" if epochs
            else "a short run")
    box = w.VBox([w.HTML(f"<b>Train a new configuration</b> ({note}, "
                         f"not saved)"),
                  w.HBox(list(drops.values()) + [button]), status])
    box.train, box.drops, box.status = train, drops, status
    return box
