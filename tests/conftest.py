"""Shared fixtures: every test runs offline on synthetic data, on the CPU."""

import pytest
import torch

import deeprec as dr


@pytest.fixture(autouse=True, scope="session")
def _offline_cache(tmp_path_factory):
    """Point the data cache at a temporary folder for the whole session."""
    mp = pytest.MonkeyPatch()
    mp.setenv("DEEPREC_DATA", str(tmp_path_factory.mktemp("data")))
    torch.set_num_threads(2)
    yield
    mp.undo()


@pytest.fixture(scope="session")
def split():
    """The small synthetic data set, fold u1, with a validation part."""
    return dr.synthetic_split("u1", valid_fraction=0.1)


@pytest.fixture(scope="session")
def data(split):
    return dr.RatingData(split)


def write(path, text):
    path.write_text(text)
    return path
