"""Model configs -> models: one table, one builder.

A run names its model by a config (:class:`AutoRecConfig`, ...) whose size
fields may be unset; :func:`build_model` fills them from the data and
builds the model. The same table tells which models are trained (and can
be saved with :func:`deeprec.save_model`) and which are fitted in closed
form when built (the baselines and k-NN, rebuilt from the data on load).
"""

from __future__ import annotations

from dataclasses import replace

from torch import nn

from deeprec.data.matrix import RatingData
from deeprec.models.autorec import AutoRec, AutoRecConfig
from deeprec.models.baselines import (BiasBaseline, BiasConfig, BiasedMF,
                                      GlobalMean, GlobalMeanConfig, MFConfig)
from deeprec.models.convmf import ConvMF, ConvMFConfig
from deeprec.models.deep_ae import DeepAEConfig, DeepAutoEncoder
from deeprec.models.glocal_k import GLocalK, GLocalKConfig
from deeprec.models.knn import KNNBaseline, KNNConfig

#: Trained models: config class -> model class (built from the config).
TRAINED = {AutoRecConfig: AutoRec, DeepAEConfig: DeepAutoEncoder,
           MFConfig: BiasedMF, GLocalKConfig: GLocalK, ConvMFConfig: ConvMF}
#: Closed-form models: config class -> model class (built from the data).
CLOSED_FORM = {GlobalMeanConfig: GlobalMean, BiasConfig: BiasBaseline,
               KNNConfig: KNNBaseline}


def sized(config, data: RatingData):
    """``config`` with its unset size fields taken from ``data``."""
    users, items = data.num_users, data.num_items
    if isinstance(config, (AutoRecConfig, DeepAEConfig)):
        inputs = users if config.orientation == "item" else items
        return replace(config, num_inputs=config.num_inputs or inputs)
    if isinstance(config, GLocalKConfig):
        rows, inputs = ((items, users) if config.orientation == "item"
                        else (users, items))
        return replace(config, num_inputs=config.num_inputs or inputs,
                       num_rows=config.num_rows or rows)
    if isinstance(config, ConvMFConfig):
        return _sized_convmf(config, data)
    if isinstance(config, MFConfig):
        mean = (data.global_mean if config.global_mean is None
                else config.global_mean)
        return replace(config, num_users=config.num_users or users,
                       num_items=config.num_items or items,
                       global_mean=float(mean))
    return config


def _sized_convmf(config: ConvMFConfig, data: RatingData) -> ConvMFConfig:
    """ConvMF sized for ``data``; with text, the vocabulary's size and the
    documents' digest from the tokenized documents of its items."""
    config = replace(config, num_users=config.num_users or data.num_users,
                     num_items=config.num_items or data.num_items)
    if not config.use_text:
        return config
    from deeprec.data.documents import item_tokens
    tokens = item_tokens(config.documents, data.name.split("/")[0],
                         data.item_ids, config.max_length, config.vocab_size,
                         config.max_df)
    return replace(config, vocab_words=len(tokens.vocabulary),
                   documents_digest=tokens.digest)


def build_model(config, data: RatingData) -> nn.Module:
    """A fresh model of ``config`` sized for ``data`` (closed-form models
    are fitted on ``data``'s training ratings as they are built)."""
    kind = type(config)
    if kind in TRAINED:
        return TRAINED[kind](sized(config, data))
    if kind in CLOSED_FORM:
        return CLOSED_FORM[kind](data, **vars(config))
    known = ", ".join(c.__name__ for c in (*TRAINED, *CLOSED_FORM))
    raise TypeError(f"no model for a {kind.__name__}; known configs: "
                    f"{known}")


def is_closed_form(config) -> bool:
    """True for models fitted when built (no training loop)."""
    return type(config) in CLOSED_FORM
