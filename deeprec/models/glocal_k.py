"""GLocal-K (Han et al., 2021): an item-based autoencoder whose weight
matrices are masked by a learned *local kernel*, fine-tuned on ratings
smoothed by a learned *global convolution kernel*.

A kernel layer keeps, besides its weights W (n_in x n_out), a small embedding
u_i for every input and v_j for every output. The effective weight is
``W * K`` with ``K_ij = max(0, 1 - ||u_i - v_j||^2)``: pairs whose embeddings
drift apart get exactly zero weight, so the layer learns its own sparsity.

Training has two stages (:func:`deeprec.train.fit_glocal_k`): pre-train the
kernel layers alone, then switch on the global kernel: the pre-trained
network's reconstruction is averaged per item, a dot product with a learned
(items x size^2) matrix turns that into a ``size x size`` convolution kernel,
and the network is fine-tuned on ``relu(conv(R, kernel))`` instead of R.
The convolution runs over the whole item x user matrix, so this model always
takes the whole training matrix at once (``whole_matrix = True``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from deeprec.config import integer, number, one_of, optional, sizes, validate


@dataclass
class GLocalKConfig:
    """Configuration of :class:`GLocalK` (defaults: the paper's ML-100K).

    Attributes:
        num_inputs: length of an input row: the number of users (of items
            when user-based; None: sized from the data by
            :func:`~deeprec.models.build_model`).
        num_rows: number of rows of the matrix (items; users when
            user-based), the length of the global kernel's pooled vector.
        hidden_dims: kernel layers of the encoder (paper: 500, 500).
        kernel_dim: length of the embeddings u, v (paper: 5).
        l2: L2 penalty on every W (the paper's lambda_2: 20 on ML-100K).
        kernel_l2: L2 penalty on every local kernel K, pushing it to zero
            (the paper's lambda_s).
        global_size: side of the global convolution kernel (paper: 3).
        dot_scale: scale of the global kernel's dot product (paper: 1).
        orientation: ``"item"`` (the paper: rows are items) or ``"user"``.
    """

    num_inputs: int | None = None
    num_rows: int | None = None
    hidden_dims: tuple[int, ...] = (500, 500)
    kernel_dim: int = 5
    l2: float = 20.0
    kernel_l2: float = 0.006
    global_size: int = 3
    dot_scale: float = 1.0
    orientation: str = "item"

    def __post_init__(self):
        validate(self, num_inputs=optional(integer(1)),
                 num_rows=optional(integer(1)), hidden_dims=sizes(1),
                 kernel_dim=integer(1), l2=number(0),
                 kernel_l2=number(0), global_size=integer(1),
                 dot_scale=number(0, low_open=True),
                 orientation=one_of(("item", "user")))


def local_kernel(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """``max(0, 1 - ||u_i - v_j||^2)`` for (n_in, d) u and (n_out, d) v:
    an (n_in, n_out) matrix in [0, 1], 1 where the embeddings meet
    (from the differences themselves, as the authors' code computes it)."""
    return (1 - (u[:, None, :] - v[None, :, :]).square().sum(-1)).clamp(min=0)


def _truncated_normal(*shape: int, std: float) -> torch.Tensor:
    return nn.init.trunc_normal_(torch.empty(*shape), 0.0, std, -2 * std,
                                 2 * std)


class KernelLayer(nn.Module):
    """``activation(x @ (W * K(u, v)) + b)`` with its own penalty."""

    def __init__(self, n_in: int, n_out: int, kernel_dim: int,
                 activation: nn.Module):
        super().__init__()
        self.W = nn.Parameter(nn.init.xavier_uniform_(torch.empty(n_in,
                                                                  n_out)))
        self.u = nn.Parameter(_truncated_normal(n_in, kernel_dim, std=1e-3))
        self.v = nn.Parameter(_truncated_normal(n_out, kernel_dim, std=1e-3))
        bound = (3 / n_out) ** 0.5  # Glorot-uniform, as TensorFlow's default
        self.b = nn.Parameter(torch.empty(n_out).uniform_(-bound, bound))
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(x @ (self.W * local_kernel(self.u, self.v))
                               + self.b)

    def penalty(self, l2: float, kernel_l2: float) -> torch.Tensor:
        """``kernel_l2/2 ||K||^2 + l2/2 ||W||^2`` (TensorFlow's l2)."""
        k = local_kernel(self.u, self.v)
        return 0.5 * (kernel_l2 * k.square().sum()
                      + l2 * self.W.square().sum())


class GLocalK(nn.Module):
    """Kernel layers ``n_u -> 500 -> 500 -> n_u`` (sigmoid, last linear)
    plus the global convolution kernel, used once ``use_global`` is on."""

    whole_matrix = True  # the global kernel sees every row at once

    def __init__(self, config: GLocalKConfig):
        super().__init__()
        self.config = config
        self.orientation = config.orientation
        dims = [config.num_inputs, *config.hidden_dims, config.num_inputs]
        last = len(dims) - 2
        self.layers = nn.ModuleList(
            KernelLayer(a, b, config.kernel_dim,
                        nn.Identity() if i == last else nn.Sigmoid())
            for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])))
        size = config.global_size
        self.conv_kernel = nn.Parameter(_truncated_normal(
            config.num_rows, size * size, std=0.1))
        self.register_buffer("use_global", torch.tensor(False))

    def local(self, r: torch.Tensor) -> torch.Tensor:
        """The kernel layers alone: (rows, n_u) ratings -> reconstruction."""
        for layer in self.layers:
            r = layer(r)
        return r

    def global_kernel(self, reconstruction: torch.Tensor) -> torch.Tensor:
        """Average each item's reconstructed row, dot with the learned
        (items x size^2) matrix: a (1, 1, size, size) convolution kernel."""
        size = self.config.global_size
        pooled = reconstruction.mean(dim=1)  # (rows,)
        return (pooled @ self.conv_kernel * self.config.dot_scale).view(
            1, 1, size, size)

    def forward(self, r: torch.Tensor) -> torch.Tensor:
        """The whole (rows, num_inputs) matrix -> its reconstruction."""
        if not self.use_global:
            return self.local(r)
        if r.shape[0] != self.config.num_rows:
            raise ValueError(f"GLocalK's global kernel needs the whole "
                             f"matrix ({self.config.num_rows} rows), got "
                             f"{r.shape[0]} rows")
        kernel = self.global_kernel(self.local(r))
        smoothed = F.relu(F.conv2d(r[None, None], kernel,
                                   padding=self.config.global_size // 2))
        return self.local(smoothed[0, 0])

    def penalty(self) -> torch.Tensor:
        """The regulariser added to the half sum of squared errors."""
        c = self.config
        return sum(layer.penalty(c.l2, c.kernel_l2)
                   for layer in self.layers)
