import os
import stat
import subprocess
import sys
import time

import pytest
import torch

import deeprec as dr
from deeprec.utils import atomic_path


def _dead_pid() -> int:
    """The PID of a child process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.parametrize("value,expected", [("1", True), ("true", True),
                                            ("", False), ("0", False)])
def test_quick_switch(monkeypatch, value, expected):
    monkeypatch.setenv("DEEPREC_QUICK", value)
    assert dr.current_scale().quick is expected


def test_device_choice(monkeypatch):
    assert dr.get_device("cpu") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert dr.get_device("auto") == torch.device("cpu")
    assert dr.get_device(None) == torch.device("cpu")
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        dr.get_device("cuda")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert dr.get_device("auto") == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert dr.get_device("auto") == torch.device("cuda")  # cuda before mps
    assert dr.get_device("cuda:1") == torch.device("cuda", 1)


def test_set_seed_repeats_draws():
    dr.set_seed(3)
    a = torch.rand(4)
    dr.set_seed(3)
    assert torch.equal(a, torch.rand(4))


@pytest.mark.parametrize("error", [ZeroDivisionError, KeyboardInterrupt])
def test_atomic_path_leaves_nothing_on_failure(tmp_path, error):
    target = tmp_path / "out.txt"
    with pytest.raises(error):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise error
    assert list(tmp_path.iterdir()) == []
    target.write_text("old")
    with pytest.raises(error):
        with atomic_path(target) as tmp:
            tmp.unlink()  # the block removed (never made) the file itself
            raise error
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    assert target.read_text() == "old"


def test_atomic_path_fsyncs_file_then_renames_then_fsyncs_folder(
        tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        info = os.fstat(fd)
        events.append(("fsync", info.st_ino, stat.S_ISDIR(info.st_mode)))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", os.stat(src).st_ino, False))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    target = tmp_path / "out.txt"
    with atomic_path(target) as tmp:
        tmp.write_text("whole")
    assert target.read_text() == "whole"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    ino = target.stat().st_ino
    expected = [("fsync", ino, False), ("replace", ino, False)]
    if os.name == "posix":
        expected.append(("fsync", tmp_path.stat().st_ino, True))
    assert events == expected


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_atomic_path_gives_the_permissions_of_open(tmp_path, umask):
    old = os.umask(umask)
    try:
        with open(tmp_path / "plain.txt", "w") as f:
            f.write("x")
        with atomic_path(tmp_path / "atomic.txt") as tmp:
            tmp.write_text("x")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "plain.txt").stat().st_mode)
    assert stat.S_IMODE((tmp_path / "atomic.txt").stat().st_mode) == mode


@pytest.mark.skipif(os.name != "posix", reason="PIDs checked on POSIX only")
def test_atomic_path_removes_stale_temps_of_dead_processes(tmp_path):
    dead, alive = _dead_pid(), os.getpid()
    stale = tmp_path / f".out.txt.{dead}.abcd1234.tmp"
    live = tmp_path / f".out.txt.{alive}.abcd1234.tmp"
    other = tmp_path / f".other.txt.{dead}.abcd1234.tmp"  # another target
    old_style = tmp_path / ".out.txt.k3j_x9q2.tmp"  # mkstemp, no PID
    new_old_style = tmp_path / ".out.txt.zz9_x9q2.tmp"
    for path in (stale, live, other, old_style, new_old_style):
        path.write_text("half")
    two_hours_ago = time.time() - 7200
    os.utime(old_style, (two_hours_ago, two_hours_ago))
    with atomic_path(tmp_path / "out.txt") as tmp:
        tmp.write_text("whole")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["out.txt", live.name, other.name, new_old_style.name])


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
