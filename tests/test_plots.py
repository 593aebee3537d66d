import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import deeprec as dr  # noqa: E402


def history():
    ok = pd.DataFrame({"epoch": [1, 2, 3], "train_rmse": [1.2, 1.0, 0.9],
                       "valid_rmse": [1.3, 1.1, 1.0], "lr": 0.01})
    bad = pd.DataFrame({"epoch": [1, 2, 3], "train_rmse": [3.0, 9.0, np.nan],
                        "valid_rmse": [2.5, 7.0, np.nan], "lr": 0.5})
    return pd.concat([ok, bad], ignore_index=True)


def legend_texts(ax):
    """Texts of the figure legend the plots put below their panels."""
    legend, = ax.figure.legends
    return [t.get_text() for t in legend.get_texts()]


def test_a_diverged_run_is_drawn_marked_and_labelled():
    axes = dr.plots.plot_curves(history(), "lr")
    assert legend_texts(axes[0]) == ["lr 0.01", "lr 0.5 (diverged at epoch 3)"]
    assert [ax.get_title() for ax in axes] == ["training RMSE",
                                               "validation RMSE"]
    for ax in axes:
        texts = [t.get_text() for t in ax.texts]
        assert "diverged (epoch 3)" in texts
        marks = [l for l in ax.lines if l.get_marker() == "x"]
        # the x sits on the run's last finite value, inside the axes
        assert len(marks) == 1 and marks[0].get_ydata()[0] in (9.0, 7.0)
    dr.book.check_figure(axes[0].figure)  # every point inside the axes
    plt.close("all")


def test_curve_limits_come_from_the_data_and_labels_read_as_words():
    one = history().query("lr == 0.01").drop(columns="lr")
    h = pd.concat([one.assign(tied=t, width=w) for t in (True, False)
                   for w in (128, 1024)], ignore_index=True)
    h.loc[h.width == 1024, "valid_rmse"] += 1.5  # far above the others
    axes = dr.plots.plot_curves(h, ["width", "tied"])
    low, high = axes[1].get_ylim()
    assert low < h.valid_rmse.min() and high > h.valid_rmse.max()
    assert "width 128, not tied" in legend_texts(axes[0])
    dr.book.check_figure(axes[0].figure)
    plt.close("all")


def test_curves_start_where_asked():
    axes = dr.plots.plot_curves(history(), "lr", from_epoch=2)
    assert all(min(l.get_xdata()) >= 2 for l in axes[0].lines)
    plt.close("all")


def test_comparison_bars_whiskers_and_references():
    summary = pd.DataFrame({"model": ["a", "a", "b", "b"],
                            "valid_rmse": [0.9, 0.92, 0.95, 0.97],
                            "test_rmse": [0.91, 0.93, 0.96, 0.98]})
    table = dr.studies.seed_summary(summary)
    ax = dr.plots.plot_comparison(table, reference={"paper": 0.89})
    widths = sorted(p.get_width() for p in ax.patches)
    assert np.allclose(widths, [0.92, 0.97])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["b", "a"]
    assert legend_texts(ax) == ["paper 0.8900"]
    dr.book.check_figure(ax.figure)
    plt.close("all")


def test_stages_get_a_line_where_the_next_one_begins():
    h = pd.DataFrame({"epoch": [1, 2, 3, 4, 5], "seed": 0,
                      "stage": ["pre-train"] * 3 + ["fine-tune"] * 2,
                      "train_rmse": [1.0, 0.9, 0.8, 0.7, 0.6],
                      "test_rmse": [1.1, 1.0, 0.9, 0.8, 0.8]})
    axes = dr.plots.plot_curves(h, "seed", metrics=("train_rmse", "test_rmse"))
    for ax in axes:
        lines = [l for l in ax.lines if l.get_linestyle() == ":"]
        assert len(lines) == 1 and lines[0].get_xdata()[0] == 3.5
        assert [t.get_text() for t in ax.texts] == ["fine-tune"]
    plt.close("all")


def test_comparison_draws_a_model_equal_on_every_seed():
    # the mean of seven equal numbers lands an ulp below their minimum
    summary = pd.DataFrame({"model": ["k"] * 7 + ["a"] * 7,
                            "valid_rmse": [0.9380770802497864] * 14,
                            "test_rmse": [0.9380770802497864] * 7
                            + [0.9, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96]})
    table = dr.studies.seed_summary(summary)
    assert (table.test_rmse_mean - table.test_rmse_min).min() < 0
    ax = dr.plots.plot_comparison(table)
    assert sorted(p.get_width() for p in ax.patches)[-1] == pytest.approx(
        0.9380770802497864)
    plt.close("all")
