import math

import numpy as np
import pytest
import torch
from torch import nn

import deeprec as dr
from deeprec import recommend

FAST = dr.TrainConfig(num_epochs=2, batch_size=64, optimizer="adam",
                      lr=0.01, progress=False, device="cpu")


@pytest.fixture(scope="module")
def models(data):
    user = dr.fit(dr.build_model(dr.replace(dr.recipes.DEEP_AE,
                                            hidden_dims=(16,)), data),
                  data, FAST).model
    item = dr.fit(dr.build_model(dr.replace(dr.recipes.I_AUTOREC,
                                            hidden_dim=8), data),
                  data, FAST).model
    glocal = dr.GLocalK(dr.GLocalKConfig(data.num_users, data.num_items,
                                         hidden_dims=(8,)))
    glocal.use_global.fill_(True)  # the global kernel: whole matrix only
    return {"user": user, "item": item, "biases": dr.BiasBaseline(data),
            "glocal": glocal}


@pytest.mark.parametrize("name", ["user", "item", "biases", "glocal"])
def test_scores_agree_with_predict_ratings(models, data, name):
    model = models[name]
    test = data.part("test")
    keep = test.known
    scores = recommend.score_users(model, data, batch_size=50)
    assert scores.shape == (data.num_users, data.num_items)
    expected = dr.predict_ratings(model, data, "test")[keep]
    got = scores[test.users[keep], test.items[keep]]
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)


def test_blend_scores_are_the_weighted_members(models, data):
    blend = dr.Blend([models["user"], models["biases"]], [0.25, 0.75], 0.1)
    users = torch.tensor([0, 3, 5])
    parts = [recommend.score_users(m, data, users, clip=False)
             for m in (models["user"], models["biases"])]
    expected = (0.25 * parts[0] + 0.75 * parts[1] + 0.1).clamp(
        *data.rating_range)
    torch.testing.assert_close(recommend.score_users(blend, data, users),
                               expected)


def test_top_n_hides_rated_items_and_is_sorted(models, data):
    users = torch.arange(10)
    items, scores = recommend.top_n(models["user"], data, users, n=7)
    assert items.shape == (10, 7)
    assert torch.all(scores[:, :-1] >= scores[:, 1:])
    rated = recommend.rated_mask(data, users)
    assert not rated.gather(1, items).any()
    _, with_rated = recommend.top_n(models["user"], data, users, n=7,
                                    exclude_rated=False)
    assert torch.all(with_rated[:, 0] >= scores[:, 0])


class Oracle(nn.Module):
    """Scores the held-out relevant items first (a perfect ranker)."""

    def __init__(self, data, threshold):
        super().__init__()
        test = data.part("test")
        keep = test.known & (test.ratings >= threshold)
        table = torch.zeros(data.num_users, data.num_items)
        table[test.users[keep], test.items[keep]] = 1.0
        self.register_buffer("table", table)

    def forward(self, users, items):
        return 1.0 + 4.0 * self.table[users, items]


def reference_metrics(model, data, k, threshold):
    """Slow per-user reference implementation."""
    test = data.part("test")
    scores = recommend.score_users(model, data).numpy()
    rated = recommend.rated_mask(data, torch.arange(data.num_users)).numpy()
    p, r, n, count = 0.0, 0.0, 0.0, 0
    for u in range(data.num_users):
        rel = {int(i) for uu, i, y in zip(test.users, test.items,
                                          test.ratings)
               if int(uu) == u and int(i) >= 0 and float(y) >= threshold}
        if not rel:
            continue
        s = np.where(rated[u], -np.inf, scores[u])
        top = np.argsort(-s, kind="stable")[:k]
        hits = [1.0 if i in rel else 0.0 for i in top]
        dcg = sum(h / math.log2(j + 2) for j, h in enumerate(hits))
        idcg = sum(1 / math.log2(j + 2) for j in range(min(k, len(rel))))
        p, r, n, count = (p + sum(hits) / k, r + sum(hits) / len(rel),
                          n + dcg / idcg, count + 1)
    return p / count, r / count, n / count


def test_ranking_metrics_match_a_per_user_reference(models, data):
    got = recommend.ranking_metrics(models["biases"], data, k=5)
    p, r, n = reference_metrics(models["biases"], data, 5, 4.0)
    assert got["precision@5"] == pytest.approx(p)
    assert got["recall@5"] == pytest.approx(r)
    assert got["ndcg@5"] == pytest.approx(n)


def test_a_perfect_ranker_scores_one(data):
    oracle = Oracle(data, 4.0)
    got = recommend.ranking_metrics(oracle, data, k=50)
    assert got["ndcg@50"] == pytest.approx(1.0)
    assert got["recall@50"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="nothing to rank"):
        recommend.ranking_metrics(oracle, data, k=5, threshold=6.0)


def test_fold_in_matches_the_trained_user_vector(models, data):
    model = models["user"]
    u = 4
    row = data.matrix("user").dense_rows(torch.tensor([u]))[0]
    rated = {int(i): float(row[i]) for i in torch.nonzero(row).flatten()}
    folded = recommend.fold_in(model, data, rated)
    expected = recommend.score_users(model, data, torch.tensor([u]))[0]
    torch.testing.assert_close(folded, expected)
    with pytest.raises(ValueError, match="user-based"):
        recommend.fold_in(models["item"], data, rated)
    with pytest.raises(ValueError, match="out of range"):
        recommend.fold_in(model, data, {data.num_items: 5.0})


@pytest.fixture(scope="module")
def movies():
    return dr.load_ratings("synthetic")[1]


def test_new_user_table_hides_their_movies(models, data, movies):
    titles = movies.set_index("item_id").loc[data.item_ids[:3], "title"]
    rated = dict(zip(titles, [5.0, 1.0, 4.0]))
    table = recommend.recommend_new_user(models["user"], data, movies,
                                         rated, n=8)
    assert list(table.columns) == ["title", "genres", "predicted"]
    assert len(table) == 8 and table.index[0] == 1
    assert not set(table.title) & set(rated)
    assert table.predicted.is_monotonic_decreasing


def test_unknown_titles_are_named(data, movies):
    with pytest.raises(KeyError, match="no movie titled 'Nope'"):
        recommend.item_index(data, movies, ["Nope"])
