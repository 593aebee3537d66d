"""Models: AutoRec, the deep autoencoder, GLocal-K, ConvMF and PMF, the
baselines and k-NN."""

from deeprec.models.activations import ACTIVATIONS, activation  # noqa: F401
from deeprec.models.autorec import AutoRec, AutoRecConfig  # noqa: F401
from deeprec.models.blend import (  # noqa: F401
    Blend, choose_ridge, fit_blend, fit_blend_weights,
)
from deeprec.models.baselines import (  # noqa: F401
    BiasBaseline, BiasConfig, BiasedMF, GlobalMean, GlobalMeanConfig,
    MFConfig,
)
from deeprec.models.convmf import ConvMF, ConvMFConfig, TextCNN  # noqa: F401
from deeprec.models.deep_ae import (  # noqa: F401
    DeepAEConfig, DeepAutoEncoder, count_parameters,
)
from deeprec.models.glocal_k import (  # noqa: F401
    GLocalK, GLocalKConfig, KernelLayer, local_kernel,
)
from deeprec.models.knn import (  # noqa: F401
    KNNBaseline, KNNConfig, baseline_similarity,
)
from deeprec.models.registry import build_model, is_closed_form  # noqa: F401
