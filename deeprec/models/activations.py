"""Activation functions by name (the set of NVIDIA's DeepRecommender)."""

from __future__ import annotations

from torch import nn

ACTIVATIONS = {
    "sigmoid": nn.Sigmoid,
    "relu": nn.ReLU,
    "relu6": nn.ReLU6,
    "tanh": nn.Tanh,
    "elu": nn.ELU,
    "lrelu": nn.LeakyReLU,  # negative slope 0.01, as in DeepRecommender
    "selu": nn.SELU,
    "swish": nn.SiLU,  # x * sigmoid(x)
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
