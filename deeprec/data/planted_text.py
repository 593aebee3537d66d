"""Ratings with item text that carries a planted signal, for ConvMF.

Users and items have latent factors; a rating is a rounded, noisy
function of their dot product, as in :mod:`deeprec.data.synthetic`. Each
item's document draws ``signal`` of its words from topic words tied to
its own factors (for latent dimension ``d``: ``t{d}p{w}`` when the item
scores high on ``d``, ``t{d}n{w}`` when low, more words on its strongest
dimensions) and the rest from filler words that say nothing. With
``signal=0`` the text is pure noise; with ``signal=1`` a reader of the
text alone could place the item in the factor space.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from deeprec.constants import ITEM, RATING, TIMESTAMP, USER


@dataclass(frozen=True)
class PlantedTextConfig:
    """Knobs of :func:`planted_text` (defaults: small and quick)."""

    num_users: int = 400
    num_items: int = 300
    rank: int = 4
    ratings_per_user: int = 40
    noise: float = 0.5  # std of the Gaussian noise before rounding
    signal: float = 0.7  # share of each document's words that are topical
    topic_words: int = 10  # words per (dimension, sign)
    filler_words: int = 400
    words_per_doc: int = 40
    seed: int = 0


def planted_text(config: PlantedTextConfig = PlantedTextConfig()
                 ) -> tuple[pd.DataFrame, pd.Series]:
    """The ratings (``user_id, item_id, rating, timestamp``, ids from 1)
    and the documents (text by item id) of ``config``."""
    c = config
    if c.ratings_per_user > c.num_items:
        raise ValueError("ratings_per_user must be at most num_items")
    rng = np.random.default_rng(c.seed)
    users = rng.standard_normal((c.num_users, c.rank))
    items = rng.standard_normal((c.num_items, c.rank))
    # each user rates ratings_per_user distinct items (Gumbel top-k)
    keys = rng.random((c.num_users, c.num_items))
    chosen = np.argsort(keys, axis=1)[:, :c.ratings_per_user]
    u = np.repeat(np.arange(c.num_users), c.ratings_per_user)
    i = chosen.ravel()
    expected = 3.0 + (users[u] * items[i]).sum(1) / np.sqrt(c.rank)
    noisy = expected + c.noise * rng.standard_normal(len(u))
    ratings = pd.DataFrame({
        USER: u + 1, ITEM: i + 1,
        RATING: np.clip(np.rint(noisy), 1, 5).astype(np.float32),
        TIMESTAMP: 10**9 + rng.permutation(len(u)).astype(np.int64)})
    return ratings, _documents(items, c, rng)


def _documents(items: np.ndarray, c: PlantedTextConfig,
               rng: np.random.Generator) -> pd.Series:
    """Each item's words: topical with probability ``signal`` (a dimension
    drawn in proportion to |factor|, the pool of the factor's sign), else
    filler."""
    n = len(items)
    weight = np.abs(items) / np.abs(items).sum(1, keepdims=True)
    cumulative = weight.cumsum(1)
    draws = rng.random((n, c.words_per_doc))
    dims = (draws[..., None] > cumulative[:, None, :]).sum(2)
    dims = np.minimum(dims, c.rank - 1)
    sign = np.where(np.take_along_axis(items, dims, 1) > 0, "p", "n")
    word = rng.integers(0, c.topic_words, (n, c.words_per_doc))
    topical = rng.random((n, c.words_per_doc)) < c.signal
    filler = rng.integers(0, c.filler_words, (n, c.words_per_doc))
    texts = []
    for j in range(n):  # one string per item (items, not ratings)
        texts.append(" ".join(
            f"t{d}{s}{w}" if t else f"f{f}" for d, s, w, t, f in zip(
                dims[j], sign[j], word[j], topical[j], filler[j])))
    return pd.Series(texts, index=pd.Index(np.arange(1, n + 1), name=ITEM),
                     name="text")
