"""What the command-line modules share: the study names, the usage error
and loading the data the options ask for."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

import deeprec as dr
from deeprec.options import DataConfig, apply
from deeprec.scale import current_scale
from deeprec.train import distributed

STUDIES = ["autorec-orientation", "autorec-activations", "autorec-hidden",
           "activations", "overfitting", "depth", "dropout", "refeeding",
           "comparison"]


class UsageError(Exception):
    """A command-line mistake: one line, exit code 2."""


def load_data(args: argparse.Namespace, values: dict, used: set
              ) -> dr.RatingData:
    """The data the options ask for, at the current scale."""
    config = apply(DataConfig(seed=args.seed), values, used)
    config = replace(config, dataset=current_scale().dataset(config.dataset))
    with distributed.rank_zero_first():  # under torchrun: one download
        data = dr.data.rating_data(config.dataset, config.split,
                                   config.seed, config.valid_fraction)
    print(data, file=sys.stderr)
    return data
