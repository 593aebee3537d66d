"""The GPU check: ``python -m deeprec.gpu_check --out DIR`` on a CUDA
machine, one command of at most ten minutes.

1. the tests that touch devices (``tests/test_devices.py``, and
   ``tests/test_distributed.py``'s torchrun runs);
2. the benchmark's paper-scale case on CUDA: an epoch of the deep-AE
   paper's Netflix Full model, fp32 and bf16 (timed batches, the epoch
   extrapolated, its FLOP floor);
3. a short run of that model on the full-size synthetic Netflix Full
   split (written here, streamed to CSR), bf16: seconds per epoch
   (training and evaluation) and the peak GPU memory.

Everything measured goes to ``DIR/gpu_check.json`` (written atomically,
after each step, so a cut-off check keeps what it measured) and is
printed. Without CUDA it says so and exits 1.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

#: The tests of step 1 (paths relative to the repository root).
DEVICE_TESTS = ("tests/test_devices.py", "tests/test_distributed.py")


def device_info() -> dict:
    """The GPU, its memory and the software versions."""
    from deeprec import __version__
    free, total = torch.cuda.mem_get_info()
    return {"gpu": torch.cuda.get_device_name(), "gpus":
            torch.cuda.device_count(), "memory_gib": total / 2**30,
            "free_gib": free / 2**30, "torch": torch.__version__,
            "cuda": torch.version.cuda, "deeprec": __version__}


def run_tests(root: Path, timeout: int) -> dict:
    """Step 1: pytest on :data:`DEVICE_TESTS`; its summary line."""
    tick = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         *DEVICE_TESTS], cwd=root, capture_output=True, text=True,
        timeout=timeout)
    lines = done.stdout.strip().splitlines()
    return {"returncode": done.returncode, "summary": lines[-1] if lines
            else done.stderr.strip()[-300:],
            "seconds": time.perf_counter() - tick}


def bench(batches: int) -> list[dict]:
    """Step 2: the paper-scale epoch on CUDA: fp32, bf16 and fp32 with
    torch.compile."""
    from deeprec.bench_scale import netflix_epoch
    return netflix_epoch(torch.device("cuda"), batches=batches).to_dict(
        "records")


def netflix_run(folder: Path, epochs: int) -> dict:
    """Step 3: the Full model on the full-size synthetic Netflix Full
    split, ``epochs`` epochs in bf16."""
    import deeprec as dr
    from deeprec.data import write_synthetic_netflix
    from deeprec.studies.paper_rows import paper_row
    tick = time.perf_counter()
    if not (folder / "netflix" / "combined_data_4.txt").exists():
        write_synthetic_netflix(folder / "netflix", seed=0, scale=1.0)
    written = time.perf_counter() - tick
    data = dr.rating_data("netflix", "full", home=folder)
    loaded = time.perf_counter() - tick - written
    run = paper_row("deep-table3-full").runs[0]
    model = dr.build_model(run.model, data)
    torch.cuda.reset_peak_memory_stats()
    config = replace(run.train, num_epochs=epochs, precision="bf16",
                     device="cuda", progress=False)
    result = dr.fit(model, data, config)
    history = result.history
    return {"synthetic": True, "users": data.num_users,
            "items": data.num_items, "train_ratings": data.train.nnz,
            "write_s": written, "load_s": loaded,
            "epoch_s": history.seconds.tolist(),
            "valid_rmse": history.valid_rmse.tolist(),
            "peak_gib": torch.cuda.max_memory_allocated() / 2**30}


def save(out: Path, results: dict) -> None:
    from deeprec.utils import atomic_path
    with atomic_path(out / "gpu_check.json") as tmp:
        tmp.write_text(json.dumps(results, indent=1, default=str))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m deeprec.gpu_check",
                                description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, help="folder for the JSON")
    p.add_argument("--data", default=None, help="folder for the synthetic "
                   "Netflix files (default: OUT/data)")
    p.add_argument("--batches", type=int, default=50)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--skip-tests", action="store_true")
    args = p.parse_args(argv)
    if not torch.cuda.is_available():
        print("error: no CUDA device: the GPU check runs on a CUDA machine",
              file=sys.stderr)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = {"device": device_info()}
    steps = [("bench", lambda: bench(args.batches)),
             ("netflix_run", lambda: netflix_run(
                 Path(args.data or out / "data"), args.epochs))]
    if not args.skip_tests:
        root = Path(__file__).resolve().parent.parent
        steps.insert(0, ("tests", lambda: run_tests(root, 240)))
    for name, step in steps:
        try:
            results[name] = step()
        except Exception as error:  # keep what the other steps measured
            results[name] = {"error": f"{type(error).__name__}: {error}"}
        save(out, results)
        print(name, json.dumps(results[name], default=str)[:2000],
              flush=True)
    return 0 if all("error" not in results[n] for n, _ in steps) else 1


if __name__ == "__main__":
    sys.exit(main())
