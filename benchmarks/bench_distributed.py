"""Data-parallel generation: 2 CPU ranks (torchrun, gloo) against 1 process, on the tiny SD model.

Run: ``python benchmarks/bench_distributed.py [REPEATS] [STEPS] [INFERENCE_STEPS] [SIZE]``
(defaults 2, 8, 30, 256). Each repeat runs, interleaved: one process and two ranks with STEPS
generation steps. Each run's time splits at the first ``Generation step`` line into L (start-up,
rendezvous, model load) and the render phase. Prints the medians, the speed-ups (whole run and
render phase), and the throughput model of docs/distributed.md, ``T(N) = L + ceil(S/N) * t``,
with ``t`` from the one-process run, checked against the two-rank run. Every process runs one
torch thread (OMP_NUM_THREADS=1), so two ranks use two cores where one process uses one.
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1",
               TOKENIZERS_PARALLELISM="false", DGENERATE_DISTRIBUTED_CPU="1")
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    return env


def _command(model: str, steps: int, inference: int, size: int, out: str,
             ranks: int) -> list[str]:
    head = [sys.executable, "-m", "dgenerate_core"] if ranks == 1 else [
        sys.executable, "-m", "torch.distributed.run", "--standalone",
        f"--nproc-per-node={ranks}", "-m", "dgenerate_core"]
    seeds = [str(s) for s in range(1, steps + 1)]
    return head + [model, "--seeds", *seeds, "--inference-steps", str(inference),
                   "--output-size", str(size), "--device", "cpu", "--output-path", out, "-ox",
                   "--no-stdin"]


def _time(command: list[str]) -> tuple[float, float]:
    """(seconds to the first step line = L, seconds of the render phase)."""
    start = time.perf_counter()
    first = None
    proc = subprocess.Popen(command, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        if first is None and line.startswith("Generation step"):
            first = time.perf_counter() - start
    if proc.wait(timeout=3600):
        raise SystemExit(f"failed: {' '.join(command)}")
    total = time.perf_counter() - start
    return first, total - first


def main() -> None:
    args = [int(a) for a in sys.argv[1:]] + [2, 8, 30, 256][len(sys.argv) - 1:]
    repeats, steps, inference, size = args[:4]
    from tiny_models import _Tokenizers, build_sd

    work = tempfile.mkdtemp(prefix="bench_distributed_")
    model = os.path.join(work, "sd")
    build_sd(_Tokenizers(work)).save_pretrained(model)
    out = os.path.join(work, "out")
    runs: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
    for _ in range(repeats):
        for ranks in (1, 2):
            runs[ranks].append(_time(_command(model, steps, inference, size, out, ranks)))
    med = {r: (statistics.median(a for a, _ in v), statistics.median(b for _, b in v))
           for r, v in runs.items()}
    (l1, r1), (l2, r2) = med[1], med[2]
    per_step = r1 / steps
    predicted = l2 + math.ceil(steps / 2) * per_step
    print(f"tiny SD, {steps} generation steps x {inference} inference steps, {size}x{size}, "
          f"{repeats} interleaved repeats, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}")
    for ranks, name in ((1, "1 process"), (2, "2 ranks  ")):
        detail = ", ".join(f"{a:.1f}+{b:.1f}" for a, b in runs[ranks])
        print(f"{name}: L {med[ranks][0]:6.1f} s + render {med[ranks][1]:6.1f} s  (runs: {detail})")
    print(f"speed-up 1 process / 2 ranks: whole run {(l1 + r1) / (l2 + r2):.2f}x, "
          f"render phase {r1 / r2:.2f}x")
    print(f"model: t = {per_step:.2f} s per step; predicts 2 ranks {predicted:.1f} s "
          f"(L {l2:.1f} + {math.ceil(steps / 2)} x t), measured {l2 + r2:.1f} s, "
          f"measured / predicted = {(l2 + r2) / predicted:.2f}")


if __name__ == "__main__":
    main()
