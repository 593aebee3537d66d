"""Helpers for the book's notebooks: the setup line and the parameters cell.

Every chapter starts with :func:`setup` (prints the library version and the
device) and a parameters cell that calls :func:`chapter_params`. The scale
(quick mode for tests and CI, or a fraction of the epochs) comes from
:func:`deeprec.scale.current_scale`; :meth:`ChapterParams.study` and
:meth:`ChapterParams.scaled` apply it to every run.
"""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass, field, replace

import torch

from deeprec.scale import Scale, current_scale, scaled
from deeprec.utils import get_device, set_seed


@dataclass
class ChapterParams:
    """The knobs of one chapter run.

    Attributes:
        dataset: data set name (``synthetic`` in quick mode).
        split: split name (``u1``, ``random``, ``time``, ...).
        scale: full, quick or a fraction of the epochs
            (:class:`~deeprec.scale.Scale`), applied to every run by
            :meth:`study` and :meth:`scaled`.
        device: the torch device every cell uses.
        seed: the seed of every run.
    """

    dataset: str
    split: str
    scale: Scale
    device: torch.device
    seed: int
    started: float = field(default_factory=time.perf_counter, repr=False)

    @property
    def quick(self) -> bool:
        return self.scale.quick

    def epochs(self, full: int) -> int:
        """An epoch count of a hand-written loop, at this chapter's
        scale."""
        return self.scale.epochs(full)

    def scaled(self, config):
        """A train config (a recipe) at this chapter's scale, device and
        seed: what a direct ``dr.fit(model, data, ...)`` call trains."""
        return replace(scaled(config, self.scale), device=str(self.device),
                       seed=self.seed)

    def study(self, runs, data, name: str | None = None, **kw):
        """:func:`~deeprec.run_study` at this chapter's scale, device and
        seed, saving into (and resuming from) :meth:`results` ``(name)``
        (None: not saved)."""
        from deeprec.studies import run_study
        path = self.results(name) if name else None
        kw = {"seed": self.seed, "scale": self.scale,
              "device": str(self.device), **kw}
        return run_study(runs, data, path, **kw)

    def results(self, name: str):
        """Folder where a study of this chapter saves its tables (so a
        cut-off run resumes and figures redraw without retraining):
        ``$DEEPREC_RESULTS`` (else ``<data home>/results``) /
        ``<dataset>-<split>-<scale>/<name>``."""
        import os
        from pathlib import Path

        from deeprec.data import data_home
        home = os.environ.get("DEEPREC_RESULTS") or data_home() / "results"
        return (Path(home) / f"{self.dataset}-{self.split}-"
                f"{self.scale.name}" / name)

    def run_info(self) -> str:
        """One line: data set, device, library version, wall time so far."""
        from deeprec import __version__
        seconds = time.perf_counter() - self.started
        name = (torch.cuda.get_device_name(self.device)
                if self.device.type == "cuda" else
                f"{platform.processor() or platform.machine()} CPU, "
                f"{torch.get_num_threads()} threads")
        return (f"dataset {self.dataset} (split {self.split}), scale "
                f"{self.scale.name}, device {self.device} ({name}), deeprec "
                f"{__version__}, torch {torch.__version__}, wall time "
                f"{seconds:.0f} s")


def setup() -> torch.device:
    """Print the library version and the device; return the device."""
    from deeprec import __version__
    device = get_device("auto")
    print(f"deeprec {__version__}, torch {torch.__version__}, "
          f"device: {device}")
    if device.type == "cpu":
        print("No GPU found: every cell runs on the CPU. On Colab, "
              "Runtime > Change runtime type > GPU for the deep models.")
    return device


def chapter_params(dataset: str = "ml-100k", split: str = "u1",
                   device: str = "auto", seed: int = 0,
                   fraction: float | None = None) -> ChapterParams:
    """The parameters of a chapter; the scale decides data and epochs.

    Args:
        dataset: real data set for the full run.
        split: split name for :func:`deeprec.load_split`.
        device: ``"auto"`` (cuda > mps > cpu) or a device name.
        seed: seed for every run (also set here, globally).
        fraction: train every run for this fraction of its epochs, in
            (0, 1] (default: ``$DEEPREC_FRACTION``, else 1): the knob that
            makes a chapter fit a class period. Results of a fraction are
            saved apart from the full-scale ones.
    """
    scale = current_scale(fraction)
    set_seed(seed)
    return ChapterParams(dataset=scale.dataset(dataset), split=split,
                         scale=scale, device=get_device(device), seed=seed)


def show_source(obj) -> "object":
    """The library's own source of ``obj``, highlighted (the book shows
    the code that runs, never a second copy)."""
    import inspect

    from IPython.display import Code
    return Code(inspect.getsource(obj), language="python")


HEADLINE = "HEADLINE "


def headline(**numbers: float) -> None:
    """Print a chapter's headline numbers on one line that
    ``python -m deeprec book check`` compares with a fresh full-scale run."""
    import json
    clean = {k: round(float(v), 4) for k, v in numbers.items()}
    print(HEADLINE + json.dumps(clean, sort_keys=True))


def read_headline(notebook: dict) -> dict:
    """The headline numbers stored in an executed notebook (``{}`` if
    none)."""
    import json
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            text = output.get("text", "")
            text = "".join(text) if isinstance(text, list) else text
            for line in text.splitlines():
                if line.startswith(HEADLINE):
                    return json.loads(line[len(HEADLINE):])
    return {}
