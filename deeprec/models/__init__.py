"""Models: AutoRec, the deep autoencoder and the baselines."""

from deeprec.models.activations import ACTIVATIONS, activation  # noqa: F401
from deeprec.models.autorec import AutoRec, AutoRecConfig  # noqa: F401
from deeprec.models.baselines import (  # noqa: F401
    BiasBaseline, BiasedMF, GlobalMean, MFConfig,
)
from deeprec.models.deep_ae import (  # noqa: F401
    DeepAEConfig, DeepAutoEncoder, count_parameters,
)
