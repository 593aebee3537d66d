"""The Colab path: a fresh environment, a chapter's setup cell, the chapter.

On Colab a reader opens a chapter and runs its first cell, which installs
the package from the repository with pip when it is missing. This test does
the same in a new virtual environment that holds nothing but what that pip
install brings (the package's own dependencies), with the repository's
committed state as the git URL. It needs the package registry, so it runs
only where ``DEEPREC_NETWORK_TESTS=1`` (``.ci/run`` sets it); torch is held
at the version of the test environment, as Colab's preinstalled torch is.
"""

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "book" / "01_rating_data.ipynb"
NETWORK = os.environ.get("DEEPREC_NETWORK_TESTS") == "1"

pytestmark = pytest.mark.skipif(
    not NETWORK, reason="needs the package registry: set "
                        "DEEPREC_NETWORK_TESTS=1 (CI does)")


def code_cells(path):
    return ["".join(c["source"]) for c in json.loads(path.read_text())[
        "cells"] if c["cell_type"] == "code"]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A new virtual environment (no system packages) and its python."""
    home = tmp_path_factory.mktemp("colab")
    venv.create(home / "env", with_pip=True)
    constraints = home / "constraints.txt"
    constraints.write_text(f"torch=={torch.__version__.split('+')[0]}\n")
    env = dict(os.environ, PIP_CONSTRAINT=str(constraints),
               DEEPREC_QUICK="1", DEEPREC_DATA=str(home / "data"),
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    python = home / "env" / "bin" / "python"
    # a current pip, as Colab has (venv's bundled pip may be too old to
    # parse "name @ git+file://" requirements)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "-U", "pip"],
                   env=env, check=True, capture_output=True, timeout=600)
    return python, env


def run(python, env, code, timeout=900):
    """Run ``code`` with the fresh python, outside the repository."""
    return subprocess.run([str(python), "-c", code], env=env,
                          cwd=Path(python).parents[2], capture_output=True,
                          text=True, timeout=timeout)


def test_setup_cell_installs_from_the_repository(fresh):
    python, env = fresh
    missing = run(python, env, "import deeprec")
    assert missing.returncode != 0  # really fresh: nothing installed yet
    setup = code_cells(CHAPTER)[0]
    url = "git+https://github.com/deeprec-book/deeprec"
    assert url in setup
    cell = setup.replace(url, f"git+file://{ROOT}")
    done = run(python, env, cell)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "deeprec 0." in done.stdout and "device" in done.stdout.lower()
    # only the package's own dependencies came with it
    listed = run(python, env, "import importlib.metadata as m; print("
                 "sorted(d.metadata['Name'].lower() for d in "
                 "m.distributions()))").stdout
    assert "deeprec-book" in listed
    for extra in ("jupyter-book", "pytest", "nbval", "playwright"):
        assert f"'{extra}'" not in listed


def test_the_chapter_runs_after_setup_with_colab_preinstalls(fresh):
    """Colab always has IPython and ipywidgets; with those, chapter 1 runs
    top to bottom (quick mode, as plain Python) in the fresh environment."""
    python, env = fresh
    pip = subprocess.run([str(python), "-m", "pip", "install", "-q",
                          "ipython", "ipywidgets"], env=env,
                         capture_output=True, text=True, timeout=900)
    assert pip.returncode == 0, pip.stderr[-3000:]
    script = "\n\n".join(code_cells(CHAPTER))
    script = "import matplotlib\nmatplotlib.use('Agg')\n" + script
    done = run(python, env, script)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "quick scale" in done.stdout  # the run record (P.record())
