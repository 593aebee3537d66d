"""Activation functions by name (the set of NVIDIA's DeepRecommender)."""

from __future__ import annotations

from torch import nn

class ScaledSigmoid(nn.Module):
    """A sigmoid stretched to ``(low, high)``: an output activation that can
    reach every rating (a plain sigmoid output stops at 1)."""

    def __init__(self, low: float = 0.0, high: float = 5.0):
        super().__init__()
        self.low, self.high = low, high

    def forward(self, x):
        return self.low + (self.high - self.low) * x.sigmoid()


ACTIVATIONS = {
    "sigmoid": nn.Sigmoid,
    "relu": nn.ReLU,
    "relu6": nn.ReLU6,
    "tanh": nn.Tanh,
    "elu": nn.ELU,
    "lrelu": nn.LeakyReLU,  # negative slope 0.01, as in DeepRecommender
    "selu": nn.SELU,
    "swish": nn.SiLU,  # x * sigmoid(x)
    "sigmoid5": ScaledSigmoid,  # sigmoid scaled to (0, 5), for outputs
    "none": nn.Identity,
    "identity": nn.Identity,
}


def activation(name: str) -> nn.Module:
    """A fresh activation module for ``name`` (see :data:`ACTIVATIONS`)."""
    try:
        return ACTIVATIONS[name.lower()]()
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; choose from "
                         f"{', '.join(ACTIVATIONS)}") from None
