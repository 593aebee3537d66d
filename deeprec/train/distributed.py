"""Training on several devices: ``torchrun`` and DistributedDataParallel.

``torchrun --nproc_per_node=N -m deeprec train ...`` starts N processes
(ranks). :func:`~deeprec.train.fit` sees ``WORLD_SIZE > 1`` and then:

- joins the process group (:func:`setup`): gloo for CPU tensors, NCCL for
  CUDA ones (``"cpu:gloo,cuda:nccl"`` where CUDA is available, so a
  tensor's device picks its backend); rank r trains on ``cuda:LOCAL_RANK``;
- wraps the model in DistributedDataParallel (:func:`wrap`);
- shuffles the rows with the run's seed (the same order on every rank) and
  gives each rank its slice of every global batch (:class:`Sharding`):
  ``batch.tensor_split(N)[rank]``, so a batch of B rows is split into
  slices of ``ceil(B/N)`` or ``floor(B/N)`` rows; a short last batch is
  split the same way, and a rank may get no rows at all (it still takes
  part in the gradient all-reduce, with zero gradients from the data);
- scales each rank's loss (:class:`Share`) so that DDP's *mean* of the
  ranks' gradients is exactly the gradient of the global batch's loss:
  the masked losses divide by the observed entries of the *global* batch
  (counted on every rank from the training matrix, no communication), and
  the data term is multiplied by N; the L2 penalty (identical on every
  rank) is not. A 2-process run therefore equals a 1-process run with the
  same ``batch_size`` to float rounding (without dropout, whose masks are
  drawn per rank);
- evaluates each rank on its share of the held-out ratings and all-reduces
  the sums of squared errors and counts (:func:`evaluate`).

Only rank 0 writes results and checkpoints (the writers ask
:func:`is_writer`; each write is atomic). A rank that raises ends its
process; torchrun then stops the others and exits non-zero, its report
naming the failed rank (:func:`tagged` names it in the error line).
:data:`FAIL_ENV` makes a chosen rank fail at a chosen epoch (for tests).
Other trainers (GLocal-K, MF, closed form) run unchanged on every rank.
Without ``WORLD_SIZE > 1`` nothing here does anything.
"""

from __future__ import annotations

import atexit
import contextlib
import math
import os
from dataclasses import dataclass
from typing import Iterator

import torch
import torch.distributed as dist
from torch import nn

from deeprec.data.matrix import CSR, Entries, RatingData
from deeprec.evaluate import evaluate_rmse, predict_ratings

#: ``"RANK:EPOCH"``: that rank raises at the start of that epoch (a test
#: hook for a dying rank; read only under torchrun).
FAIL_ENV = "DEEPREC_TEST_FAIL"
#: Added per rank to the seed of the dropout masks (rank 0 keeps the seed).
RANK_SEED_STRIDE = 1_000_003


def launched() -> bool:
    """Whether this process is one of several started by torchrun."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def setup() -> bool:
    """Join torchrun's process group once (a no-op when not launched by
    torchrun); True when this process is one of several ranks."""
    if not launched():
        return False
    if not dist.is_initialized():
        backend = ("cpu:gloo,cuda:nccl" if torch.cuda.is_available()
                   else "gloo")
        dist.init_process_group(backend)
        atexit.register(_teardown)
    return True


def _teardown() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def rank() -> int:
    """This process's rank (0 when not distributed)."""
    if dist.is_initialized():
        return dist.get_rank()
    return int(os.environ.get("RANK", "0")) if launched() else 0


def world_size() -> int:
    """The number of ranks (1 when not distributed)."""
    if dist.is_initialized():
        return dist.get_world_size()
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_writer() -> bool:
    """Whether this process writes results and checkpoints: rank 0 only."""
    return rank() == 0


def tagged(text: str) -> str:
    """``text`` naming this rank under torchrun: ``rank 1 of 2: text``."""
    return f"rank {rank()} of {world_size()}: {text}" if launched() else text


def barrier() -> None:
    """Wait for every rank (a no-op when not distributed)."""
    if setup():
        dist.barrier()


@contextlib.contextmanager
def rank_zero_first() -> Iterator[None]:
    """Run the block on rank 0 first, then on the others (e.g. a download
    into a shared cache); a plain block when not distributed."""
    first = not launched() or is_writer()
    if not first:
        barrier()
    yield
    if first and launched():
        barrier()


def device_for(device: torch.device) -> torch.device:
    """The device this rank trains on: ``cuda:LOCAL_RANK`` for CUDA."""
    if not launched() or device.type == "cpu":
        return device
    if device.type != "cuda":
        raise RuntimeError(f"training on several devices needs cpu (gloo) "
                           f"or cuda (nccl), not {device.type}")
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if local >= torch.cuda.device_count():
        raise RuntimeError(f"rank {rank()} wants cuda:{local} but only "
                           f"{torch.cuda.device_count()} GPU(s) are visible")
    torch.cuda.set_device(local)
    return torch.device("cuda", local)


def wrap(model: nn.Module, device: torch.device) -> nn.Module:
    """``model`` in DistributedDataParallel (rank 0's weights are copied to
    every rank)."""
    ids = [device.index] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(model, device_ids=ids)


def seed_rank(seed: int) -> None:
    """Seed this rank's dropout masks: rank 0 with ``seed``, others apart
    (identical masks on different rows would be correlated)."""
    if launched() and rank() > 0:
        torch.manual_seed(seed + RANK_SEED_STRIDE * rank())


def all_sum(tensor: torch.Tensor) -> torch.Tensor:
    """Sum ``tensor`` over the ranks, in place; returns it."""
    if setup():
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor


def fail_hook(epoch: int) -> None:
    """Raise on the rank and epoch named by :data:`FAIL_ENV` (tests)."""
    spec = os.environ.get(FAIL_ENV, "")
    if launched() and spec and spec == f"{rank()}:{epoch}":
        raise RuntimeError(f"rank {rank()} failed at epoch {epoch} "
                           f"({FAIL_ENV}={spec})")


@dataclass(frozen=True)
class Share:
    """A rank's part of a global batch, for the loss scaling.

    Attributes:
        world: the number of ranks (the data term is multiplied by it).
        count: observed entries of the whole global batch (the masked
            losses' normaliser), a 0-d int64 tensor.
        rows: rows of the whole global batch.
    """

    world: int
    count: torch.Tensor
    rows: int

    def dense(self, num_cols: int) -> "Share":
        """The share of a dense (re-fed) batch: every entry observed."""
        count = torch.tensor(self.rows * num_cols, device=self.count.device)
        return Share(self.world, count, self.rows)


class Sharding:
    """Splits every global batch across the ranks."""

    def __init__(self, inputs: CSR):
        self.world, self.rank = world_size(), rank()
        row_nnz = torch.zeros(inputs.shape[0], dtype=torch.int64,
                              device=inputs.device)
        self.row_nnz = row_nnz.index_add_(0, inputs.row_ids(),
                                          (inputs.values != 0).long())

    def split(self, batch: torch.Tensor) -> tuple[torch.Tensor, Share]:
        """This rank's rows of ``batch`` and the batch's :class:`Share`."""
        local = batch.tensor_split(self.world)[self.rank]
        return local, Share(self.world, self.row_nnz[batch].sum(), len(batch))


def mean_loss(losses: list[torch.Tensor], world: int) -> list[torch.Tensor]:
    """The global values of the ranks' scaled losses (their mean), in one
    all-reduce: the same numbers on every rank."""
    stacked = all_sum(torch.stack([loss.detach().float()
                                   for loss in losses])) / world
    return list(stacked.unbind())


def _shard(entries: Entries, orientation: str) -> Entries:
    """This rank's held-out entries: those of rows ``r % N == rank``."""
    rows = entries.users if orientation == "user" else entries.items
    keep = torch.remainder(rows, world_size()) == rank()
    return Entries(entries.users[keep], entries.items[keep],
                   entries.ratings[keep])


def evaluate(model: nn.Module, data: RatingData, part: str,
             batch_size: int = 1024, clip: bool = True) -> float:
    """:func:`~deeprec.evaluate.evaluate_rmse`, each rank scoring its
    share of the ratings (sums of squared errors and counts
    all-reduced, in float64)."""
    entries = data.part(part)
    if not launched() or len(entries) == 0:
        return evaluate_rmse(model, data, part, batch_size, clip)
    mine = _shard(entries, model.orientation)
    sums = torch.zeros(2, dtype=torch.float64,
                       device=next(model.parameters()).device)
    if len(mine):
        preds = predict_ratings(model, data, mine, batch_size, clip)
        diff = mine.ratings.to(preds.device).double() - preds.double()
        sums[0], sums[1] = (diff * diff).sum(), len(mine)
    sse, count = all_sum(sums).tolist()
    return math.sqrt(sse / count)
