"""The neighbourhood model: its similarity and its predictions, checked
against a direct loop over the definition on a small matrix."""

import pytest
import torch

import deeprec as dr
from deeprec.models import KNNBaseline, baseline_similarity


def test_similarity_is_shrunk_pearson_over_common_raters():
    x = torch.tensor([[1.0, 2.0, 0.0, -1.0],
                      [2.0, 4.0, 3.0, 0.0],
                      [0.0, 0.0, 1.0, 1.0]])
    m = x != 0
    sim = baseline_similarity(x, m, shrinkage=2.0)
    # rows 0 and 1 share raters 0 and 1, where they are proportional
    assert sim[0, 1].item() == pytest.approx(1.0 * 2 / (2 + 2))
    # rows 0 and 2 share rater 3 only, with opposite signs
    assert sim[0, 2].item() == pytest.approx(-1.0 * 1 / 3)
    # rows 1 and 2 share rater 2 only: x = 3 and 1, cosine 1, shrunk 1/3
    assert sim[1, 2].item() == pytest.approx(1 / 3)
    torch.testing.assert_close(sim, sim.T)
    assert torch.diagonal(sim).eq(0).all()


def reference_prediction(model, data, user, item):
    """The definition, one pair at a time, with Python loops."""
    e = data.train_entries
    base = model.baseline
    residual = {(int(u), int(i)): float(r - base(u.view(1), i.view(1)))
                for u, i, r in zip(e.users, e.items, e.ratings)}
    if model.neighbours == "item":
        sims = [(model.similarity[item, j].item(), residual[(user, j)])
                for (u, j) in sorted(residual) if u == user]
    else:
        sims = [(model.similarity[user, v].item(), residual[(v, item)])
                for (v, i) in sorted(residual, key=lambda p: p[::-1])
                if i == item]
    sims.sort(key=lambda p: -p[0])  # stable: ties stay in index order
    top = sims[:model.k]
    weights = [(s, r) for s, r in top if s > 0]
    total = sum(s for s, _ in weights)
    term = sum(s * r for s, r in weights) / total if total > 0 else 0.0
    return float(base(torch.tensor([user]), torch.tensor([item]))) + term


@pytest.mark.parametrize("neighbours", ["item", "user"])
def test_predictions_follow_the_definition(data, neighbours):
    model = KNNBaseline(data, neighbours, k=5, shrinkage=10.0)
    pairs = data.valid.users[:25], data.valid.items[:25]
    got = model(*pairs)
    for user, item, value in zip(*pairs, got):
        assert value.item() == pytest.approx(reference_prediction(
            model, data, int(user), int(item)), abs=1e-4)


def test_beats_its_baseline_and_falls_back_on_unseen(data):
    model = KNNBaseline(data, "item")
    baseline = dr.evaluate_rmse(model.baseline, data, "valid")
    assert dr.evaluate_rmse(model, data, "valid") < baseline - 0.01
    users = torch.tensor([-1, 0])
    items = torch.tensor([0, -1])
    torch.testing.assert_close(model(users, items),
                               model.baseline(users, items))


def test_similarities_are_rebuilt_not_saved(data):
    model = KNNBaseline(data, "user")
    state = model.state_dict()
    assert "similarity" not in state and "baseline.user_bias" in state
    again = KNNBaseline(data, "user")
    again.load_state_dict(state)
    torch.testing.assert_close(again(data.valid.users, data.valid.items),
                               model(data.valid.users, data.valid.items))


def test_bad_settings_are_named(data, monkeypatch):
    with pytest.raises(ValueError, match="'item' or 'user'"):
        KNNBaseline(data, "items")
    with pytest.raises(ValueError, match="positive"):
        KNNBaseline(data, "item", k=0)
    monkeypatch.setattr(dr.models.knn, "MAX_NEIGHBOURS", 10)
    with pytest.raises(ValueError, match=f"{data.num_items:,} items are too "
                       "many .* MAX_NEIGHBOURS = 10"):
        KNNBaseline(data, "item")
    monkeypatch.setattr(dr.models.knn, "MAX_NEIGHBOURS", 10**6)
    monkeypatch.setattr(dr.models.knn, "MAX_ENTRIES", 1000)
    with pytest.raises(ValueError, match=f"{data.num_users:,} users x "
                       f"{data.num_items:,} items .* MAX_ENTRIES = 1,000"):
        KNNBaseline(data, "user")
