"""Training configs: one dataclass per trainer, validated when made.

The config's type picks the trainer (:func:`deeprec.train.trainer_for`):
:class:`TrainConfig` -> :func:`~deeprec.train.fit` (autoencoders),
:class:`GLocalKTrainConfig` -> :func:`~deeprec.train.fit_glocal_k`,
:class:`MFTrainConfig` -> :func:`~deeprec.train.fit_mf`,
:class:`ConvMFTrainConfig` -> :func:`~deeprec.train.fit_convmf`,
:class:`ClosedFormConfig` -> :func:`~deeprec.train.fit_closed_form`,
:class:`BlendConfig` -> :func:`~deeprec.train.fit_blend_model`.
``l2`` is the one name of an L2 penalty on the weights in the objective;
``weight_decay`` is the optimizer's own decay.
"""

from __future__ import annotations

from dataclasses import dataclass

from deeprec.config import (  # noqa: F401
    BOOL, ConfigError, integer, number, one_of, validate,
)
from deeprec.train.pitfalls import PITFALLS, WEIGHTINGS

OPTIMIZERS = ("sgd", "adam", "rprop", "lbfgs")
LOSSES = ("mmse", "sse")
#: ``keep``: the epoch whose weights a run keeps.
KEEP = ("best", "last")
#: ``precision``: of the training passes (evaluation stays fp32).
PRECISIONS = ("fp32", "bf16")


def _device(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


DEVICE = (_device, "a device name such as auto, cpu, cuda, cuda:1, mps")


@dataclass
class TrainConfig:
    """How :func:`~deeprec.train.fit` trains an autoencoder.

    Attributes:
        num_epochs: passes over the rows.
        batch_size: rows per step (ignored by full-batch lbfgs/rprop).
        optimizer: sgd (with momentum), adam, rprop or lbfgs (the last two
            take the full batch, as in AutoRec).
        lr: learning rate.
        momentum: SGD momentum.
        weight_decay: the optimizer's weight decay.
        loss: mmse (masked mean, deep-AE paper) or sse (AutoRec's sum of
            squares).
        l2: AutoRec's lambda: L2 penalty on the weight matrices.
        refeed: dense re-feeding steps per batch (0 = off).
        lr_milestones: fractions of num_epochs at which the learning rate
            is multiplied by lr_gamma.
        lr_gamma: learning-rate factor at each milestone.
        lbfgs_iters: L-BFGS iterations per epoch.
        keep: best (the epoch best on validation; the last one without a
            validation part) or last.
        clip: clip evaluation predictions to the rating range.
        eval_batch_size: rows per evaluation forward pass.
        seed: seeds the batch order and dropout. The weights are drawn
            when the model is built: run_study seeds that with this seed
            too; seed it yourself (``set_seed``) right before building a
            model you pass to a trainer. Runs repeat exactly with the same
            seed, thread count and CPU instruction set (GLocal-K's L-BFGS
            turns 1-ulp differences between those into ~0.002 RMSE).
        device: auto (cuda > mps > cpu) or a device name.
        progress: show a progress bar.
        precision: fp32, or bf16 (autocast of the training passes on CPU
            and CUDA; the loss and evaluation stay fp32).
        compile: torch.compile the model (skipped with a warning where
            compiling is unavailable).
        pitfalls: mistakes of public re-implementations to make on
            purpose (names of :data:`deeprec.train.pitfalls.PITFALLS`;
            default none), for the pitfalls chapter.
    """

    num_epochs: int = 50
    batch_size: int = 128
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.9
    weight_decay: float = 0.0
    loss: str = "mmse"
    l2: float = 0.0
    refeed: int = 0
    lr_milestones: tuple[float, ...] = ()
    lr_gamma: float = 0.5
    lbfgs_iters: int = 20
    keep: str = "best"
    clip: bool = True
    eval_batch_size: int = 1024
    seed: int = 0
    device: str = "auto"
    progress: bool = True
    precision: str = "fp32"
    compile: bool = False
    pitfalls: tuple[str, ...] = ()

    def __post_init__(self):
        validate(self, num_epochs=integer(1), batch_size=integer(1),
                 optimizer=one_of(OPTIMIZERS),
                 lr=number(0, low_open=True), momentum=number(0, 1),
                 weight_decay=number(0), loss=one_of(LOSSES),
                 l2=number(0), refeed=integer(0),
                 lr_milestones=((lambda v: isinstance(v, tuple) and all(
                     isinstance(f, (int, float)) and 0 < f < 1 for f in v)),
                     "fractions in (0, 1), e.g. 0.5,0.75"),
                 lr_gamma=number(0, low_open=True),
                 lbfgs_iters=integer(1), keep=one_of(KEEP), clip=BOOL,
                 eval_batch_size=integer(1), seed=integer(0),
                 device=DEVICE, progress=BOOL,
                 precision=one_of(PRECISIONS), compile=BOOL,
                 pitfalls=((lambda v: isinstance(v, tuple) and all(
                     p in PITFALLS for p in v)), "names from "
                     + ", ".join(PITFALLS) + " (or none)"))
        if len(set(self.pitfalls) & set(WEIGHTINGS)) > 1:
            raise ConfigError("pitfalls", self.pitfalls, "at most one of "
                              + ", ".join(WEIGHTINGS))


@dataclass
class GLocalKTrainConfig:
    """How :func:`~deeprec.train.fit_glocal_k` trains (defaults: GLocal-K's
    ML-100K code).

    Attributes:
        pretrain_epochs: epochs of the kernel layers alone (paper: 30).
        finetune_epochs: epochs with the global kernel on (paper: 60).
        lbfgs_iters: L-BFGS iterations per epoch (paper: 5); the optimizer
            restarts every epoch, as SciPy's L-BFGS-B does per call there.
        max_evals: loss evaluations per epoch, line searches included.
        keep, clip, seed, device, progress: as in :class:`TrainConfig`.
    """

    pretrain_epochs: int = 30
    finetune_epochs: int = 60
    lbfgs_iters: int = 5
    max_evals: int = 100
    keep: str = "best"
    clip: bool = True
    seed: int = 0
    device: str = "auto"
    progress: bool = True

    def __post_init__(self):
        validate(self, pretrain_epochs=integer(0),
                 finetune_epochs=integer(0), lbfgs_iters=integer(1),
                 max_evals=integer(1), keep=one_of(KEEP), clip=BOOL,
                 seed=integer(0), device=DEVICE, progress=BOOL)
        if self.pretrain_epochs + self.finetune_epochs < 1:
            raise ConfigError("finetune_epochs", self.finetune_epochs,
                              "at least 1 when pretrain_epochs is 0")


@dataclass
class MFTrainConfig:
    """How :func:`~deeprec.train.fit_mf` trains biased MF (scikit-surprise
    SVD's objective and defaults).

    Attributes:
        num_epochs: passes over the training ratings.
        lr: SGD learning rate.
        l2: L2 penalty per rating on the biases and factors.
        batch_size: ratings per step (small batches come closest to
            surprise's one-rating-at-a-time SGD).
        keep: last (surprise's protocol) or best (on validation).
        clip, seed, device, progress: as in :class:`TrainConfig`.
    """

    num_epochs: int = 20
    lr: float = 0.005
    l2: float = 0.02
    batch_size: int = 32
    keep: str = "last"
    clip: bool = True
    seed: int = 0
    device: str = "auto"
    progress: bool = True

    def __post_init__(self):
        validate(self, num_epochs=integer(1), lr=number(0, low_open=True),
                 l2=number(0), batch_size=integer(1), keep=one_of(KEEP),
                 clip=BOOL, seed=integer(0), device=DEVICE, progress=BOOL)


@dataclass
class ClosedFormConfig:
    """Models fitted in closed form when built (baselines, k-NN): nothing
    to train; :func:`~deeprec.train.fit_closed_form` evaluates them.

    Attributes:
        clip, device: as in :class:`TrainConfig`.
        seed: recorded only (the fit is deterministic).
        progress: unused (nothing to show).
    """

    clip: bool = True
    seed: int = 0
    device: str = "auto"
    progress: bool = True

    def __post_init__(self):
        validate(self, clip=BOOL, seed=integer(0), device=DEVICE,
                 progress=BOOL)


@dataclass
class BlendConfig:
    """How :func:`~deeprec.train.fit_blend_model` fits a
    :class:`~deeprec.models.Blend` of trained members.

    Attributes:
        ridge: ridge strength of the least-squares weights (None: chosen
            by cross-validation on the validation ratings).
        clip, device: as in :class:`TrainConfig`.
        seed: recorded only (the fit is deterministic).
        progress: unused (nothing to show).
    """

    ridge: float | None = None
    clip: bool = True
    seed: int = 0
    device: str = "auto"
    progress: bool = True

    def __post_init__(self):
        validate(self, ridge=((lambda v: v is None or (
            isinstance(v, (int, float)) and v >= 0)), "a number >= 0 or "
            "unset"), clip=BOOL, seed=integer(0), device=DEVICE,
            progress=BOOL)


@dataclass
class ConvMFTrainConfig:
    """How :func:`~deeprec.train.fit_convmf` trains ConvMF and PMF
    (defaults: the paper's ML-1M ConvMF, Table 2).

    Attributes:
        num_epochs: outer iterations, each: every ``u_i`` in closed form,
            every ``v_j`` in closed form, then the CNN towards ``V``.
        lambda_u: the paper's lambda_U (ratio of the rating noise to the
            users' prior variance).
        lambda_v: the paper's lambda_V (the pull of ``v_j`` towards
            ``cnn(W, X_j)``, towards 0 for PMF).
        cnn_epochs: passes of the CNN over the items per iteration.
        cnn_lr: the CNN's RMSprop learning rate.
        cnn_batch_size: items per CNN step.
        lambda_w: L2 penalty on the CNN's weights (the paper's lambda_W,
            as weight decay).
        init_scale: ``U`` (and PMF's ``V``) start uniform in
            ``[0, init_scale)``; ConvMF's ``V`` starts at the CNN's output.
        patience: stop after this many iterations without a lower
            validation RMSE (0: run every iteration).
        keep, clip, seed, device, progress: as in :class:`TrainConfig`.
    """

    num_epochs: int = 50
    lambda_u: float = 100.0
    lambda_v: float = 10.0
    cnn_epochs: int = 5
    cnn_lr: float = 1e-3
    cnn_batch_size: int = 128
    lambda_w: float = 0.0
    init_scale: float = 1.0
    patience: int = 5
    keep: str = "best"
    clip: bool = True
    seed: int = 0
    device: str = "auto"
    progress: bool = True

    def __post_init__(self):
        validate(self, num_epochs=integer(1),
                 lambda_u=number(0, low_open=True),
                 lambda_v=number(0, low_open=True), cnn_epochs=integer(0),
                 cnn_lr=number(0, low_open=True), cnn_batch_size=integer(1),
                 lambda_w=number(0), init_scale=number(0, low_open=True),
                 patience=integer(0), keep=one_of(KEEP), clip=BOOL,
                 seed=integer(0), device=DEVICE, progress=BOOL)


#: Fields of every train config that say where and how visibly a run
#: trains, not what it computes: left out of a run's identity.
PLACEMENT_FIELDS = ("device", "progress")
#: Fields added after results were saved, with their defaults: a run's
#: identity leaves each out while it holds its default, so the keys of
#: runs saved before they existed stay valid.
LATER_FIELDS = {"precision": "fp32", "compile": False, "pitfalls": ()}
#: Each train config's epoch-count fields (what the scale shortens).
EPOCH_FIELDS = {TrainConfig: ("num_epochs",),
                GLocalKTrainConfig: ("pretrain_epochs", "finetune_epochs"),
                MFTrainConfig: ("num_epochs",), ClosedFormConfig: (),
                ConvMFTrainConfig: ("num_epochs",),
                BlendConfig: ()}
