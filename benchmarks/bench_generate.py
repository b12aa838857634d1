"""Benchmark: the same tiny SD generation through dgenerate and through raw diffusers, in one run.

Measures, on a tiny random-weight SD model built locally (64x64, few steps):

* in process: N generations with ``invoke_dgenerate`` (first call loads the model, then the
  object cache serves it) against ``StableDiffusionPipeline.from_pretrained`` once + N calls;
  steady state per generation (both warm) and totals (load included);
* as a command: one ``dgenerate`` subprocess rendering N seeds against one ``python`` subprocess
  doing the same with raw diffusers (interpreter start and imports included);
* ``dgenerate --version`` start-up time (subprocess, median of 10).

Prints the figures and the ratios dgenerate / diffusers (1.00 = same speed).

    OMP_NUM_THREADS=1 python benchmarks/bench_generate.py [--n 10] [--steps 4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

RAW_SCRIPT = """
import sys, torch
torch.set_num_threads(1)
from diffusers import StableDiffusionPipeline
model, n, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pipe = StableDiffusionPipeline.from_pretrained(model)
for seed in range(1, n + 1):
    g = torch.Generator("cpu").manual_seed(seed)
    pipe("", num_inference_steps=steps, guidance_scale=5.0, width=64, height=64,
         generator=g).images[0].save(f"{sys.argv[4]}/raw_{seed}.png")
"""


def _env() -> dict[str, str]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false")
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _dgenerate_argv(model: str, out: str, seeds: list[int], steps: int) -> list[str]:
    return [model, "--output-size", "64", "--inference-steps", str(steps), "--seeds",
            *map(str, seeds), "--output-path", out, "--output-overwrite"]


def bench_in_process(model: str, out: str, n: int, steps: int) -> dict[str, float]:
    import torch
    from diffusers import StableDiffusionPipeline

    from dgenerate_core.invoke import invoke_dgenerate

    torch.set_num_threads(1)
    holder = {}
    raw_load = _timed(lambda: holder.setdefault(
        "pipe", StableDiffusionPipeline.from_pretrained(model)))
    pipe = holder["pipe"]  # both show diffusers' progress bar, as dgenerate does

    def raw(seed: int) -> None:
        gen = torch.Generator("cpu").manual_seed(seed)
        pipe("", num_inference_steps=steps, guidance_scale=5.0, width=64, height=64,
             generator=gen).images[0].save(os.path.join(out, f"raw_{seed}.png"))
    times, raw_times = [], []
    for seed in range(1, n + 1):  # interleaved, so neither side gets the warmer machine
        times.append(_timed(lambda: invoke_dgenerate(_dgenerate_argv(model, out, [seed], steps))))
        raw_times.append(_timed(lambda: raw(seed)))
    return {"dg_first": times[0], "dg_warm": statistics.median(times[1:] or times),
            "dg_total": sum(times), "raw_load": raw_load,
            "raw_warm": statistics.median(raw_times), "raw_total": raw_load + sum(raw_times)}


def bench_commands(model: str, out: str, n: int, steps: int) -> dict[str, float]:
    seeds = list(range(1, n + 1))
    dg = [sys.executable, "-m", "dgenerate_core", *_dgenerate_argv(model, out, seeds, steps)]
    raw = [sys.executable, "-c", RAW_SCRIPT, model, str(n), str(steps), out]
    run = lambda cmd: subprocess.run(cmd, env=_env(), check=True,  # noqa: E731
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return {"dg_cmd": _timed(lambda: run(dg)), "raw_cmd": _timed(lambda: run(raw))}


def bench_version(repeats: int = 10) -> float:
    cmd = [sys.executable, "-m", "dgenerate_core", "--version"]
    return statistics.median(_timed(lambda: subprocess.run(
        cmd, env=_env(), check=True, stdout=subprocess.DEVNULL)) for _ in range(repeats))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="dgenerate vs raw diffusers on a tiny SD model")
    parser.add_argument("--n", type=int, default=10, help="generations per measurement")
    parser.add_argument("--steps", type=int, default=4, help="inference steps")
    args = parser.parse_args(argv)
    os.environ.update(HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1")
    from tests.tiny_models import _Tokenizers, build_sd

    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "sd")
        build_sd(_Tokenizers(os.path.join(tmp, "tok"))).save_pretrained(model)
        out = os.path.join(tmp, "out")
        os.makedirs(out)
        ip = bench_in_process(model, out, args.n, args.steps)
        cmd = bench_commands(model, out, args.n, args.steps)
    version = bench_version()
    print(f"tiny SD 64x64, {args.steps} steps, N={args.n}, one thread")
    print(f"in process, per generation (warm): dgenerate {ip['dg_warm'] * 1000:.1f} ms, "
          f"diffusers {ip['raw_warm'] * 1000:.1f} ms, ratio {ip['dg_warm'] / ip['raw_warm']:.2f}")
    print(f"in process, total incl. load:      dgenerate {ip['dg_total']:.2f} s "
          f"(first call {ip['dg_first']:.2f} s), diffusers {ip['raw_total']:.2f} s "
          f"(load {ip['raw_load']:.2f} s), ratio {ip['dg_total'] / ip['raw_total']:.2f}")
    print(f"as a command, N images:            dgenerate {cmd['dg_cmd']:.2f} s, "
          f"python+diffusers {cmd['raw_cmd']:.2f} s, ratio {cmd['dg_cmd'] / cmd['raw_cmd']:.2f}")
    print(f"dgenerate --version start-up (median of 10): {version * 1000:.0f} ms")


if __name__ == "__main__":
    main()
