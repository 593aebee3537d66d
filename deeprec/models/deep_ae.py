"""The deep autoencoder of Kuchaiev & Ginsburg (2017).

Encoder layers ``l = f(W x + b)`` of sizes ``hidden_dims``; the decoder
mirrors them. A constrained decoder reuses the encoder's weights transposed
(``W_d = W_e^T``) with biases of its own. Dropout acts on the code (the
encoder's output) only.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from deeprec.config import integer, number, one_of, optional, sizes, validate
from deeprec.models.activations import ACTIVATIONS, activation


@dataclass
class DeepAEConfig:
    """Configuration of :class:`DeepAutoEncoder`.

    Attributes:
        num_inputs: input length (items for the paper's user-based model;
            None: sized from the data by
            :func:`~deeprec.models.build_model`).
        hidden_dims: encoder sizes, e.g. ``(512, 512, 1024)``; the decoder
            runs them backwards to ``num_inputs``.
        activation: one of :data:`~deeprec.models.activations.ACTIVATIONS`.
        dropout: drop probability on the code layer (paper's best: 0.8).
        constrained: tie decoder weights to the transposed encoder weights.
        last_activation: apply the activation to the output layer too
            (NVIDIA's code does; the paper keeps it linear for sigmoid and
            tanh). False = linear output.
        orientation: ``"user"`` (the paper) or ``"item"``.
        layer_dropout: dropout after every hidden layer (a contrast to
            the paper's dropout on the code only).
    """

    num_inputs: int | None = None
    hidden_dims: tuple[int, ...] = (512, 512, 1024)
    activation: str = "selu"
    dropout: float = 0.0
    constrained: bool = False
    last_activation: bool = False
    orientation: str = "user"
    layer_dropout: float = 0.0

    def __post_init__(self):
        validate(self, num_inputs=optional(integer(1)),
                 hidden_dims=sizes(1), activation=one_of(ACTIVATIONS),
                 dropout=number(0, 1), orientation=one_of(("user", "item")),
                 layer_dropout=number(0, 1))


class DeepAutoEncoder(nn.Module):
    """Fully connected encoder/decoder, optionally with a tied decoder."""

    def __init__(self, config: DeepAEConfig):
        super().__init__()
        self.config = config
        self.orientation = config.orientation
        dims = [config.num_inputs, *config.hidden_dims]
        self.encoder = nn.ModuleList(
            nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        back = dims[::-1]  # e.g. 1024, 512, 512, n
        if config.constrained:
            self.decoder = None
            self.decoder_biases = nn.ParameterList(
                nn.Parameter(torch.zeros(b)) for b in back[1:])
        else:
            self.decoder = nn.ModuleList(
                nn.Linear(a, b) for a, b in zip(back[:-1], back[1:]))
            self.decoder_biases = None
        self.act = activation(config.activation)
        self.code_dropout = nn.Dropout(config.dropout)
        self.layer_dropout = nn.Dropout(config.layer_dropout)
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, num_inputs) -> (batch, hidden_dims[-1]) code."""
        for layer in self.encoder:
            x = self.layer_dropout(self.act(layer(x)))
        return x

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """(batch, hidden_dims[-1]) code -> (batch, num_inputs)."""
        layers = len(self.encoder)
        for depth in range(layers):
            if self.decoder is None:  # W_d = W_e^T, own bias
                weight = self.encoder[layers - 1 - depth].weight.t()
                z = F.linear(z, weight, self.decoder_biases[depth])
            else:
                z = self.decoder[depth](z)
            last = depth == layers - 1
            if not last:
                z = self.layer_dropout(self.act(z))
            elif self.config.last_activation:
                z = self.act(z)
        return z

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """f(x) = decode(dropout(encode(x)))."""
        return self.decode(self.code_dropout(self.encode(x)))

    def weight_matrices(self) -> list[torch.Tensor]:
        """The weight matrices (for an optional L2 penalty)."""
        layers = list(self.encoder) + list(self.decoder or [])
        return [layer.weight for layer in layers]


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters (tied weights counted once)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
