"""Baselines: global mean, user + item biases, biased matrix factorisation.

Each predicts ``forward(users, items) -> ratings`` for index tensors; unseen
users/items (index -1) get the parts of the model that exist for them.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from deeprec.config import integer, number, optional, validate
from deeprec.data.matrix import RatingData


@dataclass
class GlobalMeanConfig:
    """:class:`GlobalMean` has no settings (fitted in closed form)."""


@dataclass
class BiasConfig:
    """Settings of :class:`BiasBaseline` (scikit-surprise's defaults).

    Attributes:
        reg_user: shrinkage of each user's bias towards 0 (ratings-worth).
        reg_item: shrinkage of each item's bias towards 0.
        num_epochs: alternating least-squares sweeps.
    """

    reg_user: float = 15.0
    reg_item: float = 10.0
    num_epochs: int = 10

    def __post_init__(self):
        validate(self, reg_user=number(0), reg_item=number(0),
                 num_epochs=integer(1))


class GlobalMean(nn.Module):
    """Predicts the mean training rating for everything."""

    def __init__(self, data: RatingData):
        super().__init__()
        self.register_buffer("mu", torch.tensor(data.global_mean))

    def forward(self, users: torch.Tensor, items: torch.Tensor
                ) -> torch.Tensor:
        return self.mu.expand(users.shape)


def _lookup(table: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """table[index] with zeros for index -1 (unseen in training)."""
    known = index >= 0
    out = table[index.clamp(min=0)]
    mask = known.view(-1, *([1] * (out.dim() - 1)))
    return out * mask


class BiasBaseline(nn.Module):
    """r_ui = mu + b_u + b_i, fitted by regularised alternating least squares
    (the algorithm of scikit-surprise's BaselineOnly)."""

    def __init__(self, data: RatingData,
                 reg_user: float = BiasConfig.reg_user,
                 reg_item: float = BiasConfig.reg_item,
                 num_epochs: int = BiasConfig.num_epochs):
        super().__init__()
        self.register_buffer("mu", torch.tensor(data.global_mean))
        e = data.train_entries
        u, i, r = e.users, e.items, e.ratings - data.global_mean
        n_u = torch.bincount(u, minlength=data.num_users).float()
        n_i = torch.bincount(i, minlength=data.num_items).float()
        b_u, b_i = torch.zeros(data.num_users), torch.zeros(data.num_items)
        for _ in range(num_epochs):  # alternating closed-form updates
            b_u = torch.zeros_like(b_u).index_add_(0, u, r - b_i[i])
            b_u /= reg_user + n_u
            b_i = torch.zeros_like(b_i).index_add_(0, i, r - b_u[u])
            b_i /= reg_item + n_i
        self.register_buffer("user_bias", b_u)
        self.register_buffer("item_bias", b_i)

    def forward(self, users: torch.Tensor, items: torch.Tensor
                ) -> torch.Tensor:
        return (self.mu + _lookup(self.user_bias, users)
                + _lookup(self.item_bias, items))


@dataclass
class MFConfig:
    """Biased MF hyper-parameters (scikit-surprise SVD's defaults).

    Attributes:
        num_users, num_items: sizes (None: from the data, by
            :func:`~deeprec.models.build_model`).
        num_factors: length of the factor vectors p_u, q_i.
        init_std: standard deviation of the factors' initialisation.
        global_mean: mu (None: the training mean, from the data).
    """

    num_users: int | None = None
    num_items: int | None = None
    num_factors: int = 100
    init_std: float = 0.1
    global_mean: float | None = None

    def __post_init__(self):
        validate(self, num_users=optional(integer(1)),
                 num_items=optional(integer(1)), num_factors=integer(1),
                 init_std=number(0), global_mean=optional(number(-1e9)))


class BiasedMF(nn.Module):
    """r_ui = mu + b_u + b_i + p_u . q_i (Koren et al.; "BiasedMF" in the
    AutoRec paper's Table (c)). Train with :func:`deeprec.train.fit_mf`."""

    def __init__(self, config: MFConfig):
        super().__init__()
        self.config = config
        c = config
        mean = 3.5 if c.global_mean is None else c.global_mean
        self.register_buffer("mu", torch.tensor(float(mean)))
        self.user_bias = nn.Parameter(torch.zeros(c.num_users))
        self.item_bias = nn.Parameter(torch.zeros(c.num_items))
        self.P = nn.Parameter(torch.randn(c.num_users, c.num_factors)
                              * c.init_std)
        self.Q = nn.Parameter(torch.randn(c.num_items, c.num_factors)
                              * c.init_std)

    def forward(self, users: torch.Tensor, items: torch.Tensor
                ) -> torch.Tensor:
        dot = (_lookup(self.P, users) * _lookup(self.Q, items)).sum(-1)
        return (self.mu + _lookup(self.user_bias, users)
                + _lookup(self.item_bias, items) + dot)
