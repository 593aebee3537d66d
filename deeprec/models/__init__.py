"""Models: AutoRec, the deep autoencoder and the baselines."""

from deeprec.models.activations import ACTIVATIONS, activation  # noqa: F401
from deeprec.models.autorec import AutoRec, AutoRecConfig  # noqa: F401
from deeprec.models.blend import (  # noqa: F401
    Blend, fit_blend, fit_blend_weights,
)
from deeprec.models.baselines import (  # noqa: F401
    BiasBaseline, BiasedMF, GlobalMean, MFConfig,
)
from deeprec.models.deep_ae import (  # noqa: F401
    DeepAEConfig, DeepAutoEncoder, count_parameters,
)
from deeprec.models.glocal_k import (  # noqa: F401
    GLocalK, GLocalKConfig, KernelLayer, local_kernel,
)
