"""Neighbourhood model with baselines (Koren, 2008): the classic k-NN.

Before latent factors won the Netflix Prize, neighbourhood models were the
standard: predict ``r_ui`` from the ratings the user gave to the items most
similar to ``i`` (item-based) or from the ratings the users most similar to
``u`` gave to ``i`` (user-based), after taking out the user and item biases.
They make different errors from the autoencoders, which is what a blend
needs. The similarity is Koren's shrunk Pearson correlation of the
residuals (shrinkage 100); k = 40 neighbours as in scikit-surprise's
``KNNBaseline``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from deeprec.config import integer, number, one_of, validate
from deeprec.data.matrix import RatingData
from deeprec.models.baselines import BiasBaseline

#: Largest number of users (user-based) or items (item-based) for which the
#: dense similarity matrix is built (20,000^2 floats are 1.6 GB).
MAX_NEIGHBOURS = 20_000
#: Largest users x items for the dense residual matrix. At ML-1M's size
#: (22 million entries) building and predicting peaks at 1.6 GB of memory;
#: ML-10M's 746 million entries (3 GB a copy) do not fit.
MAX_ENTRIES = 100_000_000


@dataclass
class KNNConfig:
    """Settings of :class:`KNNBaseline`.

    Attributes:
        neighbours: ``"item"`` (compare items) or ``"user"``.
        k: neighbours per prediction (scikit-surprise: 40).
        shrinkage: Koren's shrinkage of the similarities (100).
        batch_size: rows per prediction batch.
    """

    neighbours: str = "item"
    k: int = 40
    shrinkage: float = 100.0
    batch_size: int = 2048

    def __post_init__(self):
        validate(self, neighbours=one_of(("item", "user")), k=integer(1),
                 shrinkage=number(0), batch_size=integer(1))


def size_problem(data: RatingData, neighbours: str) -> str | None:
    """Why a dense :class:`KNNBaseline` does not fit ``data`` (None: it
    does)."""
    count = {"item": data.num_items, "user": data.num_users}[neighbours]
    if count > MAX_NEIGHBOURS:
        return (f"{count:,} {neighbours}s are too many for a dense "
                f"{neighbours} x {neighbours} similarity matrix (at most "
                f"MAX_NEIGHBOURS = {MAX_NEIGHBOURS:,})")
    entries = data.num_users * data.num_items
    if entries > MAX_ENTRIES:
        return (f"{data.num_users:,} users x {data.num_items:,} items are "
                f"too many for a dense residual matrix (at most "
                f"MAX_ENTRIES = {MAX_ENTRIES:,})")
    return None


def baseline_similarity(residuals: torch.Tensor, observed: torch.Tensor,
                        shrinkage: float = 100.0) -> torch.Tensor:
    """Shrunk Pearson-baseline similarity between the rows of ``residuals``
    (entities x raters, ratings minus baseline, zero where unobserved).

    ``s_ij = sum_u x_iu x_ju / sqrt(sum_u x_iu^2 * sum_u x_ju^2)`` over the
    raters ``u`` of both, times ``n_ij / (n_ij + shrinkage)`` for ``n_ij``
    common raters (Koren, 2008), so similarities resting on few ratings shrink
    towards zero. The diagonal is set to zero (nobody is their own
    neighbour)."""
    x, m = residuals, observed.to(residuals.dtype)
    squares = (x * x) @ m.T          # [i, j]: sum of x_iu^2 over common u
    scale = (squares * squares.T).sqrt().clamp(min=1e-12)
    common = m @ m.T
    sim = (x @ x.T) / scale * common / (common + shrinkage)
    return sim.fill_diagonal_(0.0)


class KNNBaseline(nn.Module):
    """``r_ui = b_ui + sum_j s_ij (r_uj - b_uj) / sum_j s_ij`` over the ``k``
    most similar neighbours ``j`` with a rating (and ``s_ij > 0``; equal
    similarities are taken in index order).

    ``neighbours="item"`` compares items (``j`` ranges over the items ``u``
    rated); ``"user"`` compares users (over the users who rated ``i``).
    ``b_ui = mu + b_u + b_i`` is a :class:`BiasBaseline`. Fitted in closed
    form when built; users or items unseen in training get the baseline.
    """

    def __init__(self, data: RatingData,
                 neighbours: str = KNNConfig.neighbours,
                 k: int = KNNConfig.k,
                 shrinkage: float = KNNConfig.shrinkage,
                 batch_size: int = KNNConfig.batch_size):
        super().__init__()
        if neighbours not in ("item", "user"):
            raise ValueError(f"neighbours must be 'item' or 'user', got "
                             f"{neighbours!r}")
        if k < 1:
            raise ValueError(f"k must be a positive number of neighbours, "
                             f"got {k}")
        problem = size_problem(data, neighbours)
        if problem:
            raise ValueError(f"KNNBaseline: {problem}")
        sizes = {"item": data.num_items, "user": data.num_users}
        self.neighbours, self.k, self.batch_size = neighbours, k, batch_size
        self.baseline = BiasBaseline(data)
        e = data.train_entries
        residual = e.ratings - self.baseline(e.users, e.items)
        # (raters x entities): row u holds what rater u gave every entity.
        raters, entities = ((e.users, e.items) if neighbours == "item"
                            else (e.items, e.users))
        shape = (sizes["user" if neighbours == "item" else "item"],
                 sizes[neighbours])
        by_rater = torch.zeros(shape).index_put_((raters, entities),
                                                 residual)
        rated = torch.zeros(shape, dtype=torch.bool).index_put_(
            (raters, entities), torch.tensor(True))
        # Derived from the data in closed form: rebuilt, not saved.
        self.register_buffer("by_rater", by_rater, persistent=False)
        self.register_buffer("rated", rated, persistent=False)
        self.register_buffer("similarity", baseline_similarity(
            by_rater.T, rated.T, shrinkage), persistent=False)

    def neighbour_term(self, entity: torch.Tensor, rater: torch.Tensor
                       ) -> torch.Tensor:
        """The similarity-weighted mean residual of the ``k`` nearest rated
        neighbours of ``entity`` (known indices), for each pair."""
        out = []
        for ent, rat in zip(entity.split(self.batch_size),
                            rater.split(self.batch_size)):
            sim = self.similarity[ent].masked_fill(~self.rated[rat], -1.0)
            # a stable sort takes equal similarities in index order
            top, idx = sim.sort(dim=1, descending=True, stable=True)
            top, idx = top[:, :self.k], idx[:, :self.k]
            weight = top.clamp(min=0.0)
            values = self.by_rater[rat].gather(1, idx)
            total = weight.sum(1)
            out.append(torch.where(total > 0, (weight * values).sum(1)
                                   / total.clamp(min=1e-12), 0.0))
        if not out:
            return entity.new_zeros(0, dtype=torch.float)
        return torch.cat(out)

    def forward(self, users: torch.Tensor, items: torch.Tensor
                ) -> torch.Tensor:
        pred = self.baseline(users, items)
        known = (users >= 0) & (items >= 0)
        entity, rater = ((items, users) if self.neighbours == "item"
                         else (users, items))
        pred[known] += self.neighbour_term(entity[known], rater[known])
        return pred

    def extra_repr(self) -> str:
        return f"neighbours={self.neighbours}, k={self.k}"
