"""The rating app and the study explorers (deeprec.widgets)."""

import pytest

import deeprec as dr

FAST = dr.TrainConfig(num_epochs=2, batch_size=64, optimizer="adam",
                      lr=0.01, progress=False, device="cpu")


@pytest.fixture(scope="module")
def user_model(data):
    return dr.fit(dr.build_model(dr.replace(dr.recipes.DEEP_AE,
                                            hidden_dims=(16,)), data),
                  data, FAST).model


@pytest.fixture(scope="module")
def movies():
    return dr.load_ratings("synthetic")[1]


def test_rating_app_redraws_on_every_change(user_model, data, movies,
                                            monkeypatch):
    from deeprec import widgets
    calls = []
    monkeypatch.setattr(widgets, "recommend_new_user",
                        lambda m, d, mv, rated, n: calls.append(rated))
    titles = list(movies.set_index("item_id").loc[data.item_ids[:2],
                                                   "title"])
    app = widgets.rating_app(user_model, data, movies, titles,
                             initial={titles[0]: 5})
    assert calls == [{titles[0]: 5.0}]
    app.pickers[titles[1]].value = 2
    assert calls[-1] == {titles[0]: 5.0, titles[1]: 2.0}
    app.pickers[titles[0]].value = widgets.NOT_SEEN
    assert calls[-1] == {titles[1]: 2.0}


def test_study_explorer_redraws_the_chosen_runs(monkeypatch):
    import matplotlib
    matplotlib.use("Agg")
    import pandas as pd

    from deeprec import plots, widgets
    drawn, real = [], plots.plot_curves

    def spy(h, by, *a, **k):  # the real function runs: a bad call fails
        drawn.append(sorted(set(map(tuple, h[by].values.tolist()))))
        return real(h, by, *a, **k)

    monkeypatch.setattr(plots, "plot_curves", spy)
    history = pd.DataFrame({"lr": [0.1, 0.1, 0.5, 0.5],
                            "refeed": [0, 0, 1, 1], "epoch": [1, 2, 1, 2],
                            "train_rmse": 1.0, "valid_rmse": 1.0})
    app = widgets.study_explorer(history, ["lr", "refeed"], ylim=(0.5, 1.5))
    assert drawn[-1] == [(0.1, 0.0), (0.5, 1.0)]
    assert "Error" not in str(app.output.outputs)
    assert app.pick.options == ("0.1, 0", "0.5, 1")
    app.pick.value = ("0.5, 1",)
    assert drawn[-1] == [(0.5, 1.0)]


def test_study_explorer_trains_a_new_configuration_on_demand(
        data, monkeypatch, capsys):
    from deeprec import plots, widgets
    drawn = []
    monkeypatch.setattr(plots, "plot_curves",
                        lambda h, by, *a, **k: drawn.append(
                            sorted(set(map(tuple, h[by].astype(str).values.tolist())))))
    config = dr.replace(FAST, num_epochs=2)
    small = dr.replace(dr.recipes.DEEP_AE, hidden_dims=(8,))
    runs = [dr.Run({"dropout": p, "where": "code"}, dr.replace(
        small, dropout=p), config) for p in (0.0, 0.5)]
    runs.append(dr.Run({"dropout": 0.5, "where": "every layer"}, dr.replace(
        small, layer_dropout=0.5), config))
    saved = dr.run_study(runs[:1], data, progress=False).history
    app = widgets.study_explorer(saved, ["dropout", "where"], runs=runs,
                                 data=data)
    trainer = app.children[1]
    assert list(trainer.drops) == ["dropout", "where"]
    assert trainer.drops["dropout"].options == (0.0, 0.5)
    trainer.drops["dropout"].value = 0.5
    app.train()
    name = "0.5 (trained here), code"
    assert app.pick.options[-1] == name
    # the saved run stays selected and the new one joins it
    assert drawn[-1] == [("0.0", "code"), ("0.5 (trained here)", "code")]
    assert "Select at least one run." not in str(app.output.outputs)
    app.train()  # again: replaced, not duplicated
    assert app.pick.options.count(name) == 1
    # a combination no run has is refused with a message
    trainer.drops["where"].value = "every layer"
    trainer.drops["dropout"].value = 0.0
    app.train()  # (outside a kernel, Output widgets print to stdout)
    assert "no run with {'dropout': 0.0, 'where': 'every layer'}" in \
        capsys.readouterr().out
