"""Recommending: score every item for a user, top-N lists, ranking metrics,
and folding a new user into a trained user-based autoencoder.

Scores are predicted ratings. Items a user rated in training are hidden
from their lists (they are known, not recommendations). Ranking metrics
follow the usual held-out protocol: for each user with at least one
*relevant* held-out rating (rating >= ``threshold``), rank every item the
user did not rate in training and count how many relevant items land in the
top ``k``.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from deeprec.data.matrix import RatingData
from deeprec.evaluate import (WHOLE_MATRIX_COPIES, WHOLE_MATRIX_OPTION,
                              model_device, model_kind)
from deeprec.memory import check_dense, rows_that_fit


@torch.no_grad()
def score_users(model: nn.Module, data: RatingData,
                users: torch.Tensor | None = None, batch_size: int = 1024,
                clip: bool = True) -> torch.Tensor:
    """Predicted ratings of every item for ``users`` (default: all), as a
    ``(len(users), num_items)`` tensor on the model's device."""
    kind = model_kind(model)
    if kind == "blend":
        device = model_device(model)
        scores = model.combine([
            score_users(m, data, users, batch_size, clip=False).to(device)
            for m in model.members])
        return scores.clamp(*data.rating_range) if clip else scores
    device = model_device(model)
    users = (torch.arange(data.num_users) if users is None
             else torch.as_tensor(users)).to(device)
    check_dense(len(users), data.num_items, device, "score_users",
                "pass users= a batch of users (score them in chunks)")
    batch_size = rows_that_fit(
        batch_size, data.num_users if getattr(model, "orientation", None)
        == "item" else data.num_items, device, "score_users",
        "pass a smaller batch_size")
    was_training = model.training
    model.eval()
    try:
        orientation = getattr(model, "orientation", None)
        if kind == "whole-matrix":  # GLocal-K: all rows at once
            check_dense(data.num_users, data.num_items, device,
                        type(model).__name__, WHOLE_MATRIX_OPTION,
                        copies=WHOLE_MATRIX_COPIES)
            full = model(data.matrix(orientation, device).to_dense())
            scores = full[users] if orientation == "user" else full[:, users].T
        elif kind == "autoencoder" and orientation == "user":
            inputs = data.matrix("user", device)
            scores = torch.cat([model(inputs.dense_rows(b))
                                for b in users.split(batch_size)])
        elif kind == "autoencoder":  # every item's column, then the users
            inputs = data.matrix("item", device)
            rows = torch.arange(data.num_items, device=device)
            scores = torch.cat([model(inputs.dense_rows(b))[:, users]
                                for b in rows.split(batch_size)]).T
        else:  # pointwise: the (user, item) grid, a batch of users at once
            items = torch.arange(data.num_items, device=device)
            scores = torch.cat([
                model(b.repeat_interleave(len(items)),
                      items.repeat(len(b))).view(len(b), len(items))
                for b in users.split(batch_size)])
    finally:
        model.train(was_training)
    return scores.clamp(*data.rating_range) if clip else scores


def rated_mask(data: RatingData, users: torch.Tensor) -> torch.Tensor:
    """``(len(users), num_items)`` booleans: rated in training."""
    inputs = data.matrix("user", users.device)
    return inputs.dense_rows(users) != 0


def top_n(model: nn.Module, data: RatingData, users, n: int = 10,
          exclude_rated: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``n`` best-scored items for each user, best first.

    Returns:
        (items, scores): two ``(len(users), n)`` tensors; items are indices
        into ``data.item_ids``.
    """
    users = torch.as_tensor(users).reshape(-1).to(model_device(model))
    scores = score_users(model, data, users)
    if exclude_rated:
        scores = scores.masked_fill(rated_mask(data, users), -math.inf)
    best = torch.topk(scores, min(n, data.num_items), dim=1)
    return best.indices, best.values


@torch.no_grad()
def ranking_metrics(model: nn.Module, data: RatingData, part: str = "test",
                    k: int = 10, threshold: float = 4.0,
                    batch_size: int = 512) -> dict[str, float]:
    """Precision, recall and NDCG at ``k`` on held-out ratings.

    Relevant items are a user's ``part`` ratings >= ``threshold``; the
    candidates are all items the user did not rate in training. Averaged
    over users with at least one relevant held-out item.
    """
    device = model_device(model)
    held = data.part(part)
    keep = held.known & (held.ratings >= threshold)
    users_all, items_all = held.users[keep], held.items[keep]
    users = torch.unique(users_all)
    if len(users) == 0:
        raise ValueError(f"no {part!r} ratings >= {threshold}: nothing to "
                         f"rank against")
    discounts = 1.0 / torch.log2(torch.arange(2, k + 2, dtype=torch.float64))
    totals = torch.zeros(3, dtype=torch.float64)
    for batch in users.split(batch_size):
        relevant = torch.zeros(len(batch), data.num_items, dtype=torch.bool)
        row = torch.searchsorted(batch, users_all)
        inside = (row < len(batch)) & (batch[row.clamp(max=len(batch) - 1)]
                                      == users_all)
        relevant[row[inside], items_all[inside]] = True
        items, _ = top_n(model, data, batch.to(device), k)
        hits = relevant.gather(1, items.cpu()).double()  # (users, k)
        n_rel = relevant.sum(1).double()
        ideal = torch.cumsum(discounts, 0)[
            (n_rel.clamp(max=k) - 1).long()]
        totals += torch.stack([
            (hits.sum(1) / k).sum(), (hits.sum(1) / n_rel).sum(),
            ((hits * discounts).sum(1) / ideal).sum()])
    precision, recall, ndcg = (totals / len(users)).tolist()
    return {f"precision@{k}": precision, f"recall@{k}": recall,
            f"ndcg@{k}": ndcg, "users": len(users)}


@torch.no_grad()
def fold_in(model: nn.Module, data: RatingData,
            ratings: dict[int, float]) -> torch.Tensor:
    """Predicted ratings of every item for a *new* user who rated
    ``ratings`` (item index -> rating), without retraining: their rating
    vector goes through a trained user-based autoencoder."""
    if getattr(model, "orientation", None) != "user":
        raise ValueError("fold_in needs a user-based autoencoder (its input "
                         "is a user's rating vector)")
    bad = [i for i in ratings if not 0 <= int(i) < data.num_items]
    if bad:
        raise ValueError(f"item indices out of range 0..{data.num_items - 1}:"
                         f" {bad[:5]}")
    device = model_device(model)
    x = torch.zeros(1, data.num_items, device=device)
    index = torch.tensor([int(i) for i in ratings], device=device)
    x[0, index] = torch.tensor([float(r) for r in ratings.values()],
                               device=device)
    was_training = model.training
    model.eval()
    try:
        return model(x)[0].clamp(*data.rating_range)
    finally:
        model.train(was_training)


def recommendation_table(scores: torch.Tensor, data: RatingData, movies,
                         n: int = 10, hide=None):
    """The ``n`` best items of one score vector as a table (rank, title,
    genres, predicted rating); ``hide`` is a boolean mask of items to skip
    (e.g. the ones the user rated)."""
    import pandas as pd
    scores = scores.detach().cpu().float()
    if hide is not None:
        scores = scores.masked_fill(torch.as_tensor(hide).cpu(), -math.inf)
    best = torch.topk(scores, min(n, len(scores)))
    ids = data.item_ids[best.indices.numpy()]
    info = movies.set_index("item_id").reindex(ids)
    return pd.DataFrame({"title": info["title"].to_numpy(),
                         "genres": info["genres"].to_numpy(),
                         "predicted": best.values.numpy().round(2)},
                        index=pd.RangeIndex(1, len(ids) + 1, name="rank"))


def item_index(data: RatingData, movies, titles) -> list[int]:
    """Item indices of ``titles`` (exact titles as in ``movies``); a title
    that is unknown, or has no training ratings, is a clear error."""
    lookup = dict(zip(movies["title"], movies["item_id"]))
    known = {int(i): k for k, i in enumerate(data.item_ids)}
    out = []
    for title in titles:
        if title not in lookup:
            raise KeyError(f"no movie titled {title!r}")
        if int(lookup[title]) not in known:
            raise KeyError(f"{title!r} has no training ratings")
        out.append(known[int(lookup[title])])
    return out


def recommend_new_user(model: nn.Module, data: RatingData, movies,
                       ratings_by_title: dict[str, float], n: int = 10):
    """Fold a new user who rated ``ratings_by_title`` into a user-based
    autoencoder and return their top ``n`` unseen movies as a table."""
    index = item_index(data, movies, ratings_by_title)
    ratings = dict(zip(index, ratings_by_title.values()))
    scores = fold_in(model, data, ratings)
    hide = torch.zeros(data.num_items, dtype=torch.bool)
    hide[index] = True
    return recommendation_table(scores, data, movies, n, hide)
