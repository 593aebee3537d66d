import pytest
import torch

import deeprec as dr
from deeprec.utils import atomic_path


@pytest.mark.parametrize("value,expected", [("1", True), ("true", True),
                                            ("", False), ("0", False)])
def test_quick_switch(monkeypatch, value, expected):
    monkeypatch.setenv("DEEPREC_QUICK", value)
    assert dr.is_quick() is expected


def test_device_choice():
    assert dr.get_device("cpu") == torch.device("cpu")
    auto = dr.get_device("auto")
    assert auto.type in {"cuda", "mps", "cpu"}
    if not torch.cuda.is_available():
        assert auto.type in {"mps", "cpu"}
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            dr.get_device("cuda")


def test_set_seed_repeats_draws():
    dr.set_seed(3)
    a = torch.rand(4)
    dr.set_seed(3)
    assert torch.equal(a, torch.rand(4))


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(ZeroDivisionError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            1 / 0
    assert list(tmp_path.iterdir()) == []
    with atomic_path(target) as tmp:
        tmp.write_text("whole")
    assert target.read_text() == "whole"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_environment_sets_then_restores(monkeypatch):
    import os

    from deeprec.utils import environment
    monkeypatch.setenv("DEEPREC_A", "old")
    monkeypatch.delenv("DEEPREC_B", raising=False)
    with pytest.raises(RuntimeError):
        with environment(DEEPREC_A="new", DEEPREC_B="set"):
            assert (os.environ["DEEPREC_A"], os.environ["DEEPREC_B"]) == (
                "new", "set")
            raise RuntimeError  # restored even on errors
    assert os.environ["DEEPREC_A"] == "old" and "DEEPREC_B" not in os.environ
