"""The figure rules every glued book figure is checked against: each one
fails on a planted counter-example."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import deeprec as dr  # noqa: E402
from deeprec.book.figures import FigureError, apply_style, check_figure  # noqa: E402


@pytest.fixture(autouse=True)
def book_style():
    apply_style()
    yield
    plt.close("all")


def good():
    fig, ax = plt.subplots(figsize=(6.8, 3.6), layout="constrained")
    ax.plot([1, 2, 3], [0.9, 0.95, 1.2], label="width 128")
    fig.legend(loc="outside lower center")
    return fig, ax


def test_a_figure_that_follows_the_rules_passes():
    check_figure(good()[0])


def test_a_line_outside_the_axes_fails():
    fig, ax = good()
    ax.set_ylim(0.5, 1.1)  # the fixed limits of ch7's old Figure 3
    with pytest.raises(FigureError, match="outside the axes"):
        check_figure(fig)


def test_a_wide_figure_fails():
    fig, ax = plt.subplots(figsize=(12, 3.8))
    ax.plot([1, 2], [1, 2])
    with pytest.raises(FigureError, match="12.0 in wide"):
        check_figure(fig)


def test_small_text_fails():
    fig, ax = good()
    ax.set_xlabel("epoch", fontsize=6)
    with pytest.raises(FigureError, match="6 pt"):
        check_figure(fig)


def test_an_empty_panel_fails():
    fig, axes = plt.subplots(1, 2, figsize=(6.8, 3))
    axes[0].plot([1, 2], [1, 2])
    with pytest.raises(FigureError, match="panel 2 .* empty"):
        check_figure(fig)


def test_a_legend_on_the_data_fails():
    fig, ax = plt.subplots(figsize=(6.8, 3.6))
    x = np.linspace(0, 1, 50)
    ax.plot(x, np.full_like(x, 0.5), label="flat")
    ax.legend(loc="center")
    with pytest.raises(FigureError, match="legend covers"):
        check_figure(fig)


def test_raw_boolean_labels_fail():
    fig, ax = plt.subplots(figsize=(6.8, 3.6))
    ax.plot([1, 2, 3], [3, 2, 1], label="128, False")
    ax.legend(loc="upper right")
    with pytest.raises(FigureError, match="True/False"):
        check_figure(fig)


def test_every_plot_function_draws_a_figure_that_follows_the_rules():
    h = pd.DataFrame({"epoch": np.tile(np.arange(1, 21), 2),
                      "layers": np.repeat([1, 4], 20),
                      "train_rmse": np.r_[np.linspace(1.2, .8, 20),
                                          np.linspace(2.6, .7, 20)],
                      "valid_rmse": np.r_[np.linspace(1.3, .95, 20),
                                          np.linspace(2.5, .93, 20)]})
    ratings = pd.DataFrame({"user_id": [1, 1, 2, 3, 3, 3],
                            "item_id": [1, 2, 1, 1, 2, 3],
                            "rating": [5, 3, 4, 1, 2, 5]})
    summary = pd.DataFrame({"hidden_dim": [10, 100, 500],
                            "valid_rmse": [0.97, 0.91, 0.90]})
    table = pd.DataFrame({"test_rmse_mean": [0.90, 0.95],
                          "test_rmse_min": [0.89, 0.94],
                          "test_rmse_max": [0.91, 0.97]}, index=["a", "b"])
    figures = [dr.plots.plot_curves(h, "layers")[0].figure,
               dr.plots.plot_long_tail(ratings)[0].figure,
               dr.plots.plot_metric_vs(summary, "hidden_dim",
                                       reference={"paper": 0.831}).figure,
               dr.plots.plot_activations(["sigmoid", "relu6", "selu"]).figure,
               dr.plots.plot_comparison(table,
                                        reference={"LLORMA": 0.833}).figure]
    for fig in figures:
        check_figure(fig)


def test_the_activation_plot_reaches_relu6s_cap():
    ax = dr.plots.plot_activations(["relu6"])
    assert max(ax.lines[0].get_ydata()) == pytest.approx(6.0)
