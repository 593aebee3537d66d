"""Tools for the book's authors: execute chapters, check their headline
numbers against a fresh run, time them (``python -m deeprec book ...``).
"""

from __future__ import annotations

import glob
import tempfile
import time
from pathlib import Path

from deeprec.book.runtime import read_headline
from deeprec.book.text_sources import strip_timestamps, sync
from deeprec.scale import FRACTION_ENV, QUICK_ENV
from deeprec.utils import PROGRESS_ENV, atomic_path, environment


#: Relative tolerance of ``book check`` on the headline numbers.
TOLERANCE = 0.02


def chapter_paths() -> list[str]:
    """Every chapter notebook, ``book/NN_*.ipynb``."""
    return sorted(glob.glob("book/[0-9]*.ipynb"))


def _text_source(path: str | Path) -> Path:
    path = Path(path)
    return path.parent.parent / "chapters" / (path.stem + ".md")


def sync_text_sources(paths) -> None:
    """Bring each chapter's notebook up to date with its text source (the
    newer copy wins; outputs are kept)."""
    pairs = [p for p in map(_text_source, paths) if p.exists()]
    if pairs:
        sync(pairs)


def execute_notebook(path, out_path=None, timeout: int | None = None,
                     quick: bool = False) -> dict:
    """Execute a chapter top to bottom in a fresh kernel (widget state
    stored, no per-cell timestamps) and write it to ``out_path`` (default:
    in place, atomically).

    Returns:
        The notebook's headline numbers.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    # no progress bars in a stored notebook (they show as blank boxes)
    with environment(**{QUICK_ENV: "1" if quick else "", PROGRESS_ENV: "0"}):
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       store_widget_state=True,
                       resources={"metadata": {"path": str(path.parent)}}
                       ).execute()
    nb = nbformat.from_dict(strip_timestamps(nb))
    with atomic_path(out_path or path) as tmp:
        nbformat.write(nb, str(tmp))
    return read_headline(nb)


def compare_headlines(committed: dict, fresh: dict,
                      tolerance: float = TOLERANCE) -> list[str]:
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


def run_chapters(paths) -> None:
    """Sync, then execute each chapter in place at full scale (the
    published outputs)."""
    sync_text_sources(paths)
    for path in paths:
        numbers = execute_notebook(path)
        print(f"{path}: executed; headline {numbers}", flush=True)


def check_chapters(paths, tolerance: float = TOLERANCE) -> bool:
    """Re-execute each chapter into a temporary folder, nothing reused
    from saved results, and compare its headline numbers with the
    committed ones; True when all agree."""
    import nbformat
    sync_text_sources(paths)
    ok = True
    for path in paths:
        committed = read_headline(nbformat.read(path, as_version=4))
        with tempfile.TemporaryDirectory() as tmp, environment(
                DEEPREC_RESULTS=tmp):
            fresh = execute_notebook(path, Path(tmp) / Path(path).name)
        problems = compare_headlines(committed, fresh, tolerance)
        ok &= not problems
        print(f"{path}: " + ("; ".join(problems) if problems else
                             f"headline numbers agree within "
                             f"{tolerance:.0%}: {fresh}"), flush=True)
    return ok


def time_chapters(paths, fraction: float) -> None:
    """Execute each chapter at ``fraction`` of its epochs into a temporary
    folder, nothing reused from saved results, and print its wall time:
    how long a class would wait for it on this machine."""
    for path in paths:
        with tempfile.TemporaryDirectory() as tmp, environment(
                DEEPREC_RESULTS=tmp, **{FRACTION_ENV: str(fraction)}):
            start = time.perf_counter()
            execute_notebook(path, Path(tmp) / Path(path).name)
            minutes = (time.perf_counter() - start) / 60
        print(f"{path}: {minutes:.1f} min at fraction {fraction:g}",
              flush=True)
