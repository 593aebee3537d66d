"""The rating matrix: CSR on the training device, id maps from training data.

:class:`RatingData` turns a :class:`~deeprec.data.splits.Split` into index
space. Users and items are numbered from the training part only; a held-out
rating whose user or item never occurs in training keeps index ``-1`` and is
scored with the fallback prediction (the training mean).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from deeprec.constants import ITEM, RATING, USER
from deeprec.data.splits import Split


@dataclass(frozen=True)
class CSR:
    """A sparse matrix in compressed-sparse-row form, as torch tensors.

    Attributes:
        indptr: (num_rows + 1,) int64; row r holds entries
            ``indptr[r]:indptr[r + 1]``.
        indices: (nnz,) int64 column of each entry.
        values: (nnz,) float32 value of each entry.
        shape: (num_rows, num_cols).
    """

    indptr: torch.Tensor
    indices: torch.Tensor
    values: torch.Tensor
    shape: tuple[int, int]

    @classmethod
    def from_coo(cls, rows: np.ndarray, cols: np.ndarray, values: np.ndarray,
                 shape: tuple[int, int]) -> "CSR":
        """Build from coordinate arrays (any order, no duplicates)."""
        order = np.lexsort((cols, rows))
        counts = np.bincount(rows, minlength=shape[0])
        indptr = np.concatenate([[0], np.cumsum(counts)])
        return cls(torch.as_tensor(indptr, dtype=torch.int64),
                   torch.as_tensor(cols[order], dtype=torch.int64),
                   torch.as_tensor(values[order], dtype=torch.float32),
                   (int(shape[0]), int(shape[1])))

    @property
    def nnz(self) -> int:
        return int(self.values.numel())

    @property
    def device(self) -> torch.device:
        return self.values.device

    def to(self, device: torch.device | str) -> "CSR":
        return CSR(self.indptr.to(device), self.indices.to(device),
                   self.values.to(device), self.shape)

    def row_ids(self) -> torch.Tensor:
        """(nnz,) the row of each entry."""
        counts = self.indptr[1:] - self.indptr[:-1]
        rows = torch.arange(self.shape[0], device=self.device)
        return torch.repeat_interleave(rows, counts)

    def transpose(self) -> "CSR":
        """The same matrix, column-major (item-based from user-based)."""
        rows = self.row_ids().cpu().numpy()
        return CSR.from_coo(self.indices.cpu().numpy(), rows,
                            self.values.cpu().numpy(),
                            (self.shape[1], self.shape[0])).to(self.device)

    def to_dense(self) -> torch.Tensor:
        """(num_rows, num_cols) dense tensor, zeros where unobserved."""
        out = torch.zeros(self.shape, device=self.device)
        out[self.row_ids(), self.indices] = self.values
        return out

    def dense_rows(self, rows: torch.Tensor) -> torch.Tensor:
        """(len(rows), num_cols) dense batch of the given rows, built by
        tensor indexing (no Python loop over rows or ratings)."""
        start = self.indptr[rows]
        length = self.indptr[rows + 1] - start
        total = int(length.sum())
        batch = torch.repeat_interleave(
            torch.arange(len(rows), device=self.device), length,
            output_size=total)
        first = torch.repeat_interleave(start - (length.cumsum(0) - length),
                                        length, output_size=total)
        pos = first + torch.arange(total, device=self.device)
        out = torch.zeros(len(rows), self.shape[1], device=self.device)
        out[batch, self.indices[pos]] = self.values[pos]
        return out


@dataclass(frozen=True)
class Entries:
    """Held-out ratings in index space (``-1``: unseen in training)."""

    users: torch.Tensor  # (n,) int64
    items: torch.Tensor  # (n,) int64
    ratings: torch.Tensor  # (n,) float32

    def __len__(self) -> int:
        return int(self.ratings.numel())

    @property
    def known(self) -> torch.Tensor:
        """(n,) bool: both user and item were seen in training."""
        return (self.users >= 0) & (self.items >= 0)

    def to(self, device: torch.device | str) -> "Entries":
        return Entries(self.users.to(device), self.items.to(device),
                       self.ratings.to(device))

    def seen(self) -> "Entries":
        """Only the entries whose user and item were seen in training
        (dropping the others is a pitfall: it removes the hardest
        ratings from a test set)."""
        keep = self.known
        return Entries(self.users[keep], self.items[keep],
                       self.ratings[keep])


class RatingData:
    """A split in index space: the training matrix and held-out entries.

    Attributes:
        user_ids, item_ids: raw ids; position = index used by the models.
        train: user-major CSR of the training ratings,
            (num_users, num_items).
        train_entries, valid, test: :class:`Entries`.
        global_mean: mean training rating (the stated fallback prediction).
        rating_range: (min, max) of the training ratings, for clipping.

    ``ids="all"`` maps the ids of every part, test included (a pitfall:
    users and items without a training rating get rows and columns of
    their own, and the model, not the fallback, predicts their ratings).
    """

    def __init__(self, split: Split, ids: str = "train"):
        train = split.train
        if len(train) == 0:
            raise ValueError("the training part of the split is empty")
        if ids not in ("train", "all"):
            raise ValueError(f"ids must be 'train' or 'all', got {ids!r}")
        self.name = split.name
        mapped = train if ids == "train" else pd.concat(
            [train, split.valid, split.test])
        self.user_ids = np.sort(mapped[USER].unique())
        self.item_ids = np.sort(mapped[ITEM].unique())
        self._user_index = pd.Index(self.user_ids)
        self._item_index = pd.Index(self.item_ids)
        self._train_entries, self._from_csr = self.entries(train), False
        self.train = CSR.from_coo(
            self.train_entries.users.numpy(), self.train_entries.items.numpy(),
            self.train_entries.ratings.numpy(),
            (len(self.user_ids), len(self.item_ids)))
        self.valid = self.entries(split.valid)
        self.test = self.entries(split.test)
        self.global_mean = float(train[RATING].mean())
        self.rating_range = (float(train[RATING].min()),
                             float(train[RATING].max()))
        self._cache: dict[tuple[str, str], CSR] = {}

    @classmethod
    def from_csr(cls, name: str, train: CSR, user_ids: np.ndarray,
                 item_ids: np.ndarray, valid: Entries, test: Entries
                 ) -> "RatingData":
        """From a training CSR built elsewhere (the streaming Netflix
        pipeline's ``ColumnSplit.train_csr``), without DataFrames: about
        12 bytes a training rating instead of ~100. ``train_entries``
        come in CSR order (so the fingerprint differs from the DataFrame
        path's for the same ratings)."""
        self = cls.__new__(cls)
        self.name, self.user_ids, self.item_ids = name, user_ids, item_ids
        self._user_index = pd.Index(user_ids)
        self._item_index = pd.Index(item_ids)
        self.train = train
        self._train_entries = None  # built from the CSR when first asked
        self._from_csr = True  # the fingerprint hashes the CSR
        self.valid, self.test = valid, test
        values = train.values.cpu().numpy()  # summed without a copy
        self.global_mean = float(np.sum(values, dtype=np.float64)
                                 / max(train.nnz, 1))
        self.rating_range = (float(train.values.min()),
                             float(train.values.max()))
        self._cache = {}
        return self

    @property
    def train_entries(self) -> Entries:
        """The training ratings as :class:`Entries` (8 more bytes a rating
        than the CSR: the full-size path builds them only when a model
        asks)."""
        if self._train_entries is None:
            t = self.train
            self._train_entries = Entries(t.row_ids(), t.indices, t.values)
        return self._train_entries

    @property
    def num_users(self) -> int:
        return len(self.user_ids)

    @property
    def num_items(self) -> int:
        return len(self.item_ids)

    def entries(self, frame: pd.DataFrame) -> Entries:
        """Map a ratings frame to index space (unknown ids become -1)."""
        users = self._user_index.get_indexer(frame[USER].to_numpy())
        items = self._item_index.get_indexer(frame[ITEM].to_numpy())
        ratings = frame[RATING].to_numpy(np.float32, copy=True)
        return Entries(torch.as_tensor(users, dtype=torch.int64),
                       torch.as_tensor(items, dtype=torch.int64),
                       torch.as_tensor(ratings))

    def part(self, name: str) -> Entries:
        """Entries of ``"train"``, ``"valid"`` or ``"test"``."""
        parts = {"train": self.train_entries, "valid": self.valid,
                 "test": self.test}
        if name not in parts:
            raise ValueError(f"part must be train, valid or test: {name!r}")
        return parts[name]

    def matrix(self, orientation: str,
               device: torch.device | str | None = None) -> CSR:
        """The training matrix whose rows are the model's input vectors:
        ``"user"`` (rows = users) or ``"item"`` (rows = items), on
        ``device`` (copied there once and cached)."""
        if orientation not in ("user", "item"):
            raise ValueError(f"orientation must be 'user' or 'item', "
                             f"got {orientation!r}")
        key = (orientation, str(torch.device(device or "cpu")))
        if key not in self._cache:
            if orientation == "user":
                base = self.train
            else:
                cpu = (orientation, "cpu")
                base = self._cache.get(cpu) or self.train.transpose()
                self._cache[cpu] = base
            self._cache[key] = base.to(key[1])
        return self._cache[key]

    @property
    def fingerprint(self) -> str:
        """A hash of every rating of every part (and the ids): the data's
        identity in a run's definition (computed once)."""
        if getattr(self, "_fingerprint", None) is None:
            import hashlib
            digest = hashlib.blake2b(digest_size=12)
            for ids in (self.user_ids, self.item_ids):
                digest.update(pd.util.hash_array(np.asarray(ids)).tobytes())
            t, e = self.train, self._train_entries
            parts = [(t.indptr, t.indices, t.values) if self._from_csr
                     else (e.users, e.items, e.ratings)]
            parts += [(p.users, p.items, p.ratings)
                      for p in (self.valid, self.test)]
            for part in parts:
                for x in part:  # the arrays' own bytes, never copied
                    digest.update(np.ascontiguousarray(x.cpu().numpy()))
            self._fingerprint = digest.hexdigest()
        return self._fingerprint

    def __repr__(self) -> str:
        density = self.train.nnz / (self.num_users * self.num_items)
        return (f"RatingData({self.name!r}: {self.num_users} users x "
                f"{self.num_items} items, {self.train.nnz} train "
                f"({density:.2%} dense), {len(self.valid)} valid, "
                f"{len(self.test)} test)")
