"""Helpers for the book's notebooks: the setup line and the parameters cell.

Every chapter starts with :func:`setup` (prints the library version and the
device) and a parameters cell that calls :func:`chapter_params`. Quick mode
(synthetic data, tiny runs: tests and CI only) comes from one switch, the
``DEEPREC_QUICK`` environment variable, read here and nowhere else in the
notebooks.
"""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass, field

import torch

from deeprec.utils import get_device, is_quick, set_seed


@dataclass
class ChapterParams:
    """The knobs of one chapter run.

    Attributes:
        dataset: data set name (``synthetic`` in quick mode).
        split: split name (``u1``, ``random``, ``time``, ...).
        scale: ``"full"`` (real data, the runs behind the published
            outputs), ``"quick"`` (synthetic data, a few epochs) or
            ``"fraction-<f>"`` (real data, a fraction of the epochs).
        device: the torch device every cell uses.
        seed: the seed of every run.
        fraction: the instructor's knob: every run trains for this fraction
            of its full-scale epochs (1 = the published runs).
    """

    dataset: str
    split: str
    scale: str
    device: torch.device
    seed: int
    fraction: float = 1.0
    started: float = field(default_factory=time.perf_counter, repr=False)

    @property
    def quick(self) -> bool:
        return self.scale == "quick"

    def epochs(self, full: int, quick: int = 3) -> int:
        """``full`` epochs (times ``fraction``, at least 1) on real data,
        ``quick`` in quick mode."""
        return quick if self.quick else max(1, round(full * self.fraction))

    def pick(self, full, quick):
        """``full`` at full scale, ``quick`` in quick mode (any value)."""
        return quick if self.quick else full

    def results(self, name: str):
        """Folder where a study of this chapter saves its tables (so a
        cut-off run resumes and figures redraw without retraining):
        ``$DEEPREC_RESULTS`` (else ``<data home>/results``) /
        ``<dataset>-<split>-<scale>/<name>``."""
        import os
        from pathlib import Path

        from deeprec.data import data_home
        home = os.environ.get("DEEPREC_RESULTS") or data_home() / "results"
        return Path(home) / f"{self.dataset}-{self.split}-{self.scale}" / name

    def run_info(self) -> str:
        """One line: data set, device, library version, wall time so far."""
        from deeprec import __version__
        seconds = time.perf_counter() - self.started
        name = (torch.cuda.get_device_name(self.device)
                if self.device.type == "cuda" else
                f"{platform.processor() or platform.machine()} CPU, "
                f"{torch.get_num_threads()} threads")
        return (f"dataset {self.dataset} (split {self.split}), scale "
                f"{self.scale}, device {self.device} ({name}), deeprec "
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


#: Environment variable with the instructors' default ``fraction``.
FRACTION_ENV = "DEEPREC_FRACTION"


def chapter_params(dataset: str = "ml-100k", split: str = "u1",
                   device: str = "auto", seed: int = 0,
                   fraction: float | None = None) -> ChapterParams:
    """The parameters of a chapter; quick mode overrides data and scale.

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
    import os
    if fraction is None:
        raw = os.environ.get(FRACTION_ENV) or "1"
        try:
            fraction = float(raw)
        except ValueError:
            raise ValueError(f"${FRACTION_ENV} must be a number in (0, 1], "
                             f"got {raw!r}") from None
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction!r} "
                         f"(from the call or ${FRACTION_ENV})")
    quick = is_quick()
    set_seed(seed)
    scale = ("quick" if quick else "full" if fraction == 1
             else f"fraction-{fraction:g}")
    return ChapterParams(dataset="synthetic" if quick else dataset,
                         split=split, scale=scale, device=get_device(device),
                         seed=seed, fraction=fraction)


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


def execute_notebook(path, out_path=None, timeout: int | None = None,
                     quick: bool = False) -> dict:
    """Execute a chapter top to bottom in a fresh kernel (widget state
    stored) and write it to ``out_path`` (default: in place, atomically).

    Returns:
        The notebook's headline numbers.
    """
    from pathlib import Path

    import nbformat
    from nbclient import NotebookClient

    from deeprec.utils import QUICK_ENV, atomic_path, environment
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    with environment(**{QUICK_ENV: "1" if quick else ""}):
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       store_widget_state=True,
                       resources={"metadata": {"path": str(path.parent)}}
                       ).execute()
    with atomic_path(out_path or path) as tmp:
        nbformat.write(nb, str(tmp))
    return read_headline(nb)


def compare_headlines(committed: dict, fresh: dict,
                      tolerance: float = 0.02) -> list[str]:
    """Differences larger than ``tolerance`` (relative) between two sets of
    headline numbers; an empty list means they agree."""
    problems = []
    for key, value in committed.items():
        if key not in fresh:
            problems.append(f"{key}: missing in the fresh run")
            continue
        new = fresh[key]
        scale = max(abs(value), 1e-12)
        if abs(new - value) / scale > tolerance:
            problems.append(f"{key}: committed {value}, fresh {new} "
                            f"(> {tolerance:.0%} apart)")
    return problems


def _directive(cell, name: str) -> bool:
    return (cell.get("cell_type") == "markdown"
            and "".join(cell.get("source", "")).lstrip().startswith(
                "```{" + name))


def student_version(notebook: dict) -> dict:
    """A copy of a chapter for students: every solution block (from its
    ``solution-start`` cell to its ``solution-end`` cell) is replaced by one
    code cell that fails clearly until the student writes an answer — and,
    where the block declares its answers (see :mod:`deeprec.exercises`),
    checks them against the hidden solution. All outputs are cleared (the
    student runs the chapter)."""
    import copy

    import nbformat

    from deeprec.exercises import stub_source
    nb = copy.deepcopy(notebook)
    cells, block = [], None
    for cell in nb["cells"]:
        if _directive(cell, "solution-start"):
            label = "".join(cell["source"]).split("}", 1)[1].split("\n")[0]
            answers = cell.get("metadata", {}).get("deeprec", {}).get(
                "check", [])
            block = (label.strip(), answers, [])
            continue
        if block is not None:
            if _directive(cell, "solution-end"):
                label, answers, code = block
                cells.append(nbformat.v4.new_code_cell(
                    stub_source(label, "\n\n".join(code), answers),
                    metadata={"tags": ["raises-exception"]}))
                block = None
            elif cell.get("cell_type") == "code":
                block[2].append("".join(cell["source"]))
            continue
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
    if block is not None:
        raise ValueError(f"solution {block[0]!r} has no solution-end cell")
    nb["cells"] = cells
    nb.get("metadata", {}).pop("widgets", None)
    return nb


def write_student_versions(paths, out_dir) -> list:
    """Write the student version of each chapter in ``paths`` into
    ``out_dir`` (same file names); returns the written paths."""
    from pathlib import Path

    import nbformat

    from deeprec.utils import atomic_path
    written = []
    for path in map(Path, paths):
        nb = student_version(nbformat.read(path, as_version=4))
        target = Path(out_dir) / path.name
        with atomic_path(target) as tmp:
            nbformat.write(nbformat.from_dict(nb), str(tmp))
        written.append(target)
    return written
