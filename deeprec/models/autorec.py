"""AutoRec (Sedhain et al., 2015): h(r) = f(W g(V r + mu) + b)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from deeprec.config import integer, number, one_of, optional, validate
from deeprec.models.activations import ACTIVATIONS, activation


@dataclass
class AutoRecConfig:
    """Configuration of :class:`AutoRec`.

    Attributes:
        num_inputs: length of an input vector: the number of users for
            item-based AutoRec (I-AutoRec), of items for user-based
            (None: sized from the data by
            :func:`~deeprec.models.build_model`).
        hidden_dim: k, the number of hidden units (paper: 500).
        hidden_activation: g (paper's best: sigmoid).
        output_activation: f (paper's best: identity).
        orientation: ``"item"`` (I-AutoRec) or ``"user"`` (U-AutoRec).
        dropout: dropout on the hidden layer (0 in the paper; d2l uses 0.05).
    """

    num_inputs: int | None = None
    hidden_dim: int = 500
    hidden_activation: str = "sigmoid"
    output_activation: str = "identity"
    orientation: str = "item"
    dropout: float = 0.0

    def __post_init__(self):
        validate(self, num_inputs=optional(integer(1)),
                 hidden_dim=integer(1),
                 hidden_activation=one_of(ACTIVATIONS),
                 output_activation=one_of(ACTIVATIONS),
                 orientation=one_of(("item", "user")),
                 dropout=number(0, 1))


class AutoRec(nn.Module):
    """One hidden layer autoencoder over partially observed rating vectors.

    V is ``encoder.weight`` (k x m) with bias mu, W is ``decoder.weight``
    (m x k) with bias b: ``2mk + m + k`` parameters. Unobserved ratings are
    zeros in the input; the loss only looks at observed ones.
    """

    def __init__(self, config: AutoRecConfig):
        super().__init__()
        self.config = config
        self.orientation = config.orientation
        self.encoder = nn.Linear(config.num_inputs, config.hidden_dim)
        self.decoder = nn.Linear(config.hidden_dim, config.num_inputs)
        self.g = activation(config.hidden_activation)
        self.f = activation(config.output_activation)
        self.dropout = nn.Dropout(config.dropout)
        for layer in (self.encoder, self.decoder):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, r: torch.Tensor) -> torch.Tensor:
        """(batch, num_inputs) ratings (0 = unknown) -> reconstruction."""
        hidden = self.dropout(self.g(self.encoder(r)))  # (batch, k)
        return self.f(self.decoder(hidden))  # (batch, num_inputs)

    def weight_matrices(self) -> list[torch.Tensor]:
        """W and V, the matrices AutoRec's L2 penalty applies to."""
        return [self.encoder.weight, self.decoder.weight]
