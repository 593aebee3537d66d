"""Helpers for the book's notebooks: the setup line and the parameters cell.

Every chapter starts with :func:`setup` (prints the library version and the
device) and a parameters cell that calls :func:`chapter_params`. The scale
(quick mode for tests and CI, or a fraction of the epochs) comes from
:func:`deeprec.scale.current_scale`; :meth:`ChapterParams.study` and
:meth:`ChapterParams.scaled` apply it to every run.
"""

from __future__ import annotations

import platform
import textwrap
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
        studies: (name, result) of every :meth:`study` so far, for
            :meth:`record`.
        direct: how many train configs :meth:`scaled` made (trainings in
            the chapter's own cells, not saved).
    """

    dataset: str
    split: str
    scale: Scale
    device: torch.device
    seed: int
    started: float = field(default_factory=time.perf_counter, repr=False)
    studies: list = field(default_factory=list, repr=False)
    direct: int = field(default=0, repr=False)

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
        self.direct += 1
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
        result = run_study(runs, data, path, **kw)
        self.studies.append((name or "unsaved", result))
        return result

    def track(self, name: str, result):
        """Add a study run outside :meth:`study` (e.g. the comparison's
        ``comparison_study``) to :meth:`record`; returns ``result``."""
        self.studies.append((name, result))
        return result

    def results(self, name: str, split: str | None = None):
        """Folder where a study of this chapter saves its tables (so a
        cut-off run resumes and figures redraw without retraining):
        ``$DEEPREC_RESULTS`` (else ``<data home>/results``) /
        ``<dataset>-<split>-<scale>/<name>``; ``split`` names another
        split than the chapter's (the comparison's other folds)."""
        import os
        from pathlib import Path

        from deeprec.data import data_home
        home = os.environ.get("DEEPREC_RESULTS") or data_home() / "results"
        return (Path(home) / f"{self.dataset}-{split or self.split}-"
                f"{self.scale.name}" / name)

    def compute(self) -> str:
        """The device, library and torch version behind this execution."""
        from deeprec import __version__
        name = (torch.cuda.get_device_name(self.device)
                if self.device.type == "cuda" else
                f"{platform.processor() or platform.machine()}, "
                f"{torch.get_num_threads()} threads")
        return (f"{self.device.type.upper()} {name}; deeprec {__version__}, "
                f"torch {torch.__version__}")

    def run_info(self) -> str:
        """One line: data set, device, library version, wall time so far."""
        seconds = time.perf_counter() - self.started
        return (f"dataset {self.dataset} (split {self.split}), scale "
                f"{self.scale.name}, device {self.compute()}, wall time "
                f"{seconds:.0f} s")

    def record(self) -> None:
        """Print the chapter's run record on short lines: the data, the
        compute, the wall time of this execution, and per study what was
        trained here and what was loaded (recipe keys, original time).
        Glues ``run_time`` (the wall time), ``run_scratch`` (that plus the
        original training time of every run read back: a first
        execution's time) and ``run_device`` for the run-time notes."""
        from deeprec.book.glue import glue
        seconds = time.perf_counter() - self.started
        glue("run_time", _minutes(seconds, short=True))
        loaded = sum(float(result.summary.set_index("key").seconds.get(k, 0))
                     for _, result in self.studies for k in result.reused)
        # what a first execution would take: this one plus the training
        # time of every run it read back
        glue("run_scratch", _minutes(seconds + loaded, short=True))
        glue("run_device", self.compute())
        lines = [f"data: {self.dataset}, split {self.split}, "
                 f"{self.scale.name} scale, seed {self.seed}",
                 f"compute: {self.compute()}",
                 f"this execution: {_minutes(seconds)} wall"]
        for name, result in self.studies:
            lines.append(f"study {name}: {result.record()}")
            if result.reused:
                keys = ", ".join(k[:8] for k in result.reused)
                lines.append(f"  loaded run keys: {keys}")
        if self.direct:
            lines.append(f"trained in the cells (not saved): {self.direct} "
                         f"train configs")
        print("\n".join(textwrap.fill(line, 78, subsequent_indent="  ")
                        for line in lines))


def _minutes(seconds: float, short: bool = False) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min" + ("" if short else f" ({seconds:.0f} s)")


def setup() -> torch.device:
    """Print the library version and the device; return the device."""
    from deeprec import __version__
    from deeprec.book.figures import apply_style
    apply_style()
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
#: The mime type of the hidden output that holds a chapter's headline.
HEADLINE_MIME = "application/vnd.deeprec.headline+json"


def headline(**numbers: float) -> None:
    """Store a chapter's headline numbers, which ``python -m deeprec book
    check`` compares with a fresh full-scale run, in a hidden output (a
    mime type the book does not render)."""
    from IPython.display import display
    clean = {k: round(float(v), 4) for k, v in numbers.items()}
    display({HEADLINE_MIME: clean}, raw=True)


def read_headline(notebook: dict) -> dict:
    """The headline numbers stored in an executed notebook (``{}`` if
    none); also reads the printed ``HEADLINE {...}`` line of older
    executions."""
    import json
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            if HEADLINE_MIME in output.get("data", {}):
                return dict(output["data"][HEADLINE_MIME])
            text = output.get("text", "")
            text = "".join(text) if isinstance(text, list) else text
            for line in text.splitlines():
                if line.startswith(HEADLINE):
                    return json.loads(line[len(HEADLINE):])
    return {}
