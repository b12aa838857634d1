"""Data-parallel generation: 2 CPU ranks (torchrun, gloo) against 1 process, on the tiny SD model.

Run: ``python benchmarks/bench_distributed.py [REPEATS] [STEPS] [INFERENCE_STEPS]``
(defaults 2, 8, 20). Each repeat runs, interleaved: one process with STEPS generation steps,
one process with STEPS/2 steps (to split the time into a fixed start-up + load part and a
per-step part), and two ranks with STEPS steps. Prints the medians, the speed-up, and the
throughput model of docs/distributed.md, ``T(N) = L + ceil(S / N) * t + R * c``, fitted on the
one-process runs and checked against the two-rank run. Every process runs one torch thread
(OMP_NUM_THREADS=1), so two ranks use two cores where one process uses one.
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


def _command(model: str, steps: int, inference: int, out: str, ranks: int) -> list[str]:
    head = [sys.executable, "-m", "dgenerate_core"] if ranks == 1 else [
        sys.executable, "-m", "torch.distributed.run", "--standalone",
        f"--nproc-per-node={ranks}", "-m", "dgenerate_core"]
    seeds = [str(s) for s in range(1, steps + 1)]
    return head + [model, "--seeds", *seeds, "--inference-steps", str(inference),
                   "--output-size", "64", "--device", "cpu", "--output-path", out, "-ox",
                   "--no-stdin"]


def _time(command: list[str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, env=_env(), capture_output=True, text=True, timeout=3600)
    if result.returncode:
        raise SystemExit(result.stderr[-3000:])
    return time.perf_counter() - start


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    inference = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    from tiny_models import _Tokenizers, build_sd

    work = tempfile.mkdtemp(prefix="bench_distributed_")
    model = os.path.join(work, "sd")
    build_sd(_Tokenizers(work)).save_pretrained(model)
    out = os.path.join(work, "out")
    full, half, two = [], [], []
    for _ in range(repeats):
        full.append(_time(_command(model, steps, inference, out, 1)))
        half.append(_time(_command(model, steps // 2, inference, out, 1)))
        two.append(_time(_command(model, steps, inference, out, 2)))
    t_full, t_half, t_two = (statistics.median(x) for x in (full, half, two))
    per_step = (t_full - t_half) / (steps - steps // 2)
    fixed = t_full - steps * per_step
    predicted = fixed + math.ceil(steps / 2) * per_step
    print(f"tiny SD, {steps} generation steps x {inference} inference steps, 64x64, "
          f"{repeats} interleaved repeats, {os.cpu_count()} CPUs")
    print(f"1 process:  {t_full:7.2f} s  (runs: {', '.join(f'{x:.2f}' for x in full)})")
    print(f"2 ranks:    {t_two:7.2f} s  (runs: {', '.join(f'{x:.2f}' for x in two)})")
    print(f"speed-up 1 process / 2 ranks: {t_full / t_two:.2f}x")
    print(f"model: L (start-up + load) = {fixed:.2f} s, t (one step) = {per_step:.2f} s")
    print(f"model predicts 2 ranks: {predicted:.2f} s; measured / predicted = "
          f"{t_two / predicted:.2f} (the rest is the rendezvous and the per-round meeting, R*c)")


if __name__ == "__main__":
    main()
