"""ConvMF (Kim, Park, Oh, Lee & Yu, RecSys 2016): probabilistic matrix
factorisation whose item vectors are tied to a CNN over each item's
document, ``v_j = cnn(W, X_j) + eps_j``; PMF is the same model with the
CNN switched off (``use_text=False``: ``v_j = eps_j``).

The model predicts ``u_i . v_j``. ``U`` and ``V`` are buffers, set by the
closed-form updates of :func:`~deeprec.train.fit_convmf`; the CNN's
weights are trained by back-propagation towards ``V``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from deeprec.config import BOOL, integer, number, optional, sizes, validate


@dataclass
class ConvMFConfig:
    """Configuration of :class:`ConvMF` (defaults: the paper's).

    Attributes:
        num_users, num_items: sized from the data (None until then).
        dim: length k of the latent vectors (paper: 50).
        use_text: tie the item vectors to the CNN (False: plain PMF).
        documents: where the item documents come from: ``"titles"`` (the
            data set's titles and genres) or a file of ``item_id<TAB>text``
            lines (see :mod:`deeprec.data.documents`).
        max_length: words kept of each document (paper: 300).
        vocab_size: words of highest tf-idf kept (paper: 8000).
        max_df: words in more than this share of documents are dropped.
        embed_dim: length p of the word vectors (paper: 200).
        windows: widths of the convolution windows (paper: 3, 4, 5).
        filters: convolution filters per window width (paper: 100).
        hidden: width of the layer before the projection to ``dim``.
        dropout: dropout before the projection.
        vocab_words, documents_digest: filled from the documents when
            sized (the vocabulary's size and the documents' identity, so
            a run's key changes with its text).
    """

    num_users: int | None = None
    num_items: int | None = None
    dim: int = 50
    use_text: bool = True
    documents: str = "titles"
    max_length: int = 300
    vocab_size: int = 8000
    max_df: float = 0.5
    embed_dim: int = 200
    windows: tuple[int, ...] = (3, 4, 5)
    filters: int = 100
    hidden: int = 200
    dropout: float = 0.2
    vocab_words: int | None = None
    documents_digest: str = ""

    def __post_init__(self):
        validate(self, num_users=optional(integer(1)),
                 num_items=optional(integer(1)), dim=integer(1),
                 use_text=BOOL, max_length=integer(1),
                 vocab_size=integer(1), max_df=number(0, 1, low_open=True,
                                                      high_open=False),
                 embed_dim=integer(1), windows=sizes(1), filters=integer(1),
                 hidden=integer(1), dropout=number(0, 1),
                 vocab_words=optional(integer(0)))


class TextCNN(nn.Module):
    """``cnn(W, X_j)``: word vectors, convolutions of each window width
    with ReLU, max-pooling over the document, then ``tanh`` layers down to
    ``dim`` with dropout before the projection (the paper's Figure 2).
    Word id 0 is padding (a zero vector)."""

    def __init__(self, vocab_words: int, config: ConvMFConfig):
        super().__init__()
        c = config
        self.embed = nn.Embedding(vocab_words + 1, c.embed_dim,
                                  padding_idx=0)
        self.convs = nn.ModuleList(nn.Conv1d(c.embed_dim, c.filters, w)
                                   for w in c.windows)
        self.widest = max(c.windows)
        self.hidden = nn.Linear(c.filters * len(c.windows), c.hidden)
        self.dropout = nn.Dropout(c.dropout)
        self.project = nn.Linear(c.hidden, c.dim)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """(items, length) word ids -> (items, dim) in (-1, 1)."""
        if tokens.shape[1] < self.widest:  # every window needs its width
            tokens = nn.functional.pad(tokens, (0, self.widest
                                                - tokens.shape[1]))
        x = self.embed(tokens).transpose(1, 2)  # (items, p, length)
        pooled = [torch.relu(conv(x)).amax(dim=2) for conv in self.convs]
        h = torch.tanh(self.hidden(torch.cat(pooled, dim=1)))
        return torch.tanh(self.project(self.dropout(h)))


class ConvMF(nn.Module):
    """Predicts ``U[u] . V[i]``; holds the item documents' word ids (a
    buffer, saved with the model) and, with ``use_text``, the CNN."""

    def __init__(self, config: ConvMFConfig):
        super().__init__()
        if config.num_users is None or config.num_items is None:
            raise ValueError("ConvMF needs num_users and num_items (build it "
                             "with deeprec.build_model, which sizes it)")
        self.config = config
        k = config.dim
        self.register_buffer("U", torch.zeros(config.num_users, k))
        self.register_buffer("V", torch.zeros(config.num_items, k))
        self.cnn = (TextCNN(config.vocab_words or 0, config)
                    if config.use_text else None)
        self.register_buffer("tokens", torch.zeros(config.num_items, 1,
                                                   dtype=torch.int64))

    def set_tokens(self, tokens: torch.Tensor) -> None:
        """Hold the documents' word ids ((num_items, length))."""
        if tokens.shape[0] != self.config.num_items:
            raise ValueError(f"{tokens.shape[0]} documents for "
                             f"{self.config.num_items} items")
        self.tokens = tokens.to(self.U.device)

    def theta(self, batch_size: int = 1024) -> torch.Tensor:
        """``cnn(W, X_j)`` of every item ((num_items, dim)); zeros without
        the CNN."""
        if self.cnn is None:
            return torch.zeros_like(self.V)
        return torch.cat([self.cnn(t) for t in self.tokens.split(batch_size)])

    def forward(self, users: torch.Tensor, items: torch.Tensor
                ) -> torch.Tensor:
        return (self.U[users] * self.V[items]).sum(-1)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        tokens = state_dict.get(prefix + "tokens")
        if tokens is not None:  # saved documents may be wider than 1
            self.tokens = torch.zeros_like(tokens, device=self.U.device)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
