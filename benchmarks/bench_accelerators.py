"""Diffusion accelerators on the tiny random-weight models: denoiser work and time per image,
each against the plain run of the same pipeline, interleaved (plain, accelerated, plain, ...).

Run: ``PYTHONPATH=. python benchmarks/bench_accelerators.py [ROUNDS] [STEPS]`` (default 5, 30).
Prints, per accelerator: full denoiser calls of the accelerated run / of the plain run, its own
work measure (deep blocks skipped, image tokens run, ...), median seconds per image of both runs
and their ratio. On tiny models a denoiser call costs little next to the hooks, the scheduler and
the VAE, so the time ratios are an upper bound of what real models gain; the call ratios carry over.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from typing import Any, Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _pipes(root: str) -> dict[str, Any]:
    import diffusers

    from tests.tiny_models import build_all

    diffusers.utils.logging.set_verbosity_error()
    diffusers.utils.logging.disable_progress_bar()

    models = build_all(root)
    out = {}
    for name, cls in (("sd", "StableDiffusionPipeline"), ("sdxl", "StableDiffusionXLPipeline"),
                      ("flux", "FluxPipeline"), ("sd3", "StableDiffusion3Pipeline")):
        pipe = getattr(diffusers, cls).from_pretrained(getattr(models, name))
        if name == "sd":
            pipe.scheduler = diffusers.EulerDiscreteScheduler.from_config(pipe.scheduler.config)
        pipe.set_progress_bar_config(disable=True)
        out[name] = pipe
    return out


def _cases(steps: int) -> list[tuple[str, str, int, Callable[[Any], Any]]]:
    from dgenerate_core.accelerators.deepcache import deep_cache
    from dgenerate_core.accelerators.hidiffusion import hi_diffusion
    from dgenerate_core.accelerators.ras import RasParams, ras
    from dgenerate_core.accelerators.sada import SadaParams, sada
    from dgenerate_core.accelerators.teacache import tea_cache

    sada_params = SadaParams(acc_start=10, acc_end=steps, lagrange_step=steps - steps % 4 - 8)
    return [
        ("deep-cache interval 3 (sd)", "sd", 64, lambda p: deep_cache(p, 3, 1)),
        ("deep-cache interval 5 (sdxl)", "sdxl", 64, lambda p: deep_cache(p, 5, 1)),
        ("tea-cache 0.6 (flux)", "flux", 64, lambda p: tea_cache(p, 0.6)),
        ("tea-cache 0.3 (flux)", "flux", 64, lambda p: tea_cache(p, 0.3)),
        ("sada defaults (sd)", "sd", 64, lambda p: sada(p, sada_params)),
        ("ras 0.5 (sd3, 256 tokens)", "sd3", 256, lambda p: ras(p, RasParams())),
        ("hi-diffusion (sd 256px)", "sd", 256, lambda p: hi_diffusion(p, "sd")),
    ]


class _Count:
    """Real forward runs of a module and the tokens/pixels it saw."""

    def __init__(self, module: Any) -> None:
        self.calls = 0
        self.elements = 0
        module.register_forward_hook(self._hook)

    def _hook(self, module: Any, args: Any, out: Any) -> None:
        self.calls += 1
        first = out[0] if isinstance(out, tuple) else out
        self.elements += int(first[0].numel()) if hasattr(first, "numel") else 0


def _probe(pipe: Any) -> _Count:
    """The module whose real runs measure the denoiser's work: the UNet's mid block (skipped by
    DeepCache, smaller under RAU-Net), the last Flux block, the first SD3 block (fewer tokens)."""
    unet = getattr(pipe, "unet", None)
    if unet is not None:
        return _Count(unet.mid_block.resnets[0])
    transformer = pipe.transformer
    if hasattr(transformer, "single_transformer_blocks"):
        return _Count(transformer.single_transformer_blocks[-1].norm)
    return _Count(transformer.transformer_blocks[0].norm1)


def _image(pipe: Any, size: int, steps: int) -> None:
    import torch

    pipe(prompt="a cat", num_inference_steps=steps, height=size, width=size, output_type="np",
         generator=torch.Generator().manual_seed(0))


def main() -> None:
    import torch

    torch.set_num_threads(1)
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    with tempfile.TemporaryDirectory() as root:
        pipes = _pipes(root)
        probes = {name: _probe(p) for name, p in pipes.items()}
        print(f"{rounds} rounds, {steps} steps, 1 thread, tiny random-weight models")
        print(f"{'accelerator':30} {'full calls':>11} {'work':>7} {'plain s':>8} {'accel s':>8} "
              f"{'time':>6}")
        for label, name, size, make in _cases(steps):
            pipe, probe = pipes[name], probes[name]
            _image(pipe, size, steps)                  # warm-up
            times: dict[str, list[float]] = {"plain": [], "accel": []}
            work: dict[str, tuple[int, int]] = {}
            full = ""
            for _ in range(rounds):
                for kind in ("plain", "accel"):
                    probe.calls = probe.elements = 0
                    start = time.perf_counter()
                    if kind == "plain":
                        _image(pipe, size, steps)
                    else:
                        with make(pipe) as stats:
                            _image(pipe, size, steps)
                        full = f"{stats.computed}/{stats.calls}"
                    times[kind].append(time.perf_counter() - start)
                    work[kind] = (probe.calls, probe.elements)
            plain, accel = statistics.median(times["plain"]), statistics.median(times["accel"])
            ratio = work["accel"][1] / max(1, work["plain"][1])
            print(f"{label:30} {full:>11} {ratio:>7.2f} {plain:>8.3f} {accel:>8.3f} "
                  f"{accel / plain:>6.2f}")
    print("full calls: denoiser calls that ran the whole network / all calls (plain: all of them);"
          "\nwork: elements through the probe module, accelerated / plain (mid block for UNets, "
          "last block for Flux, first block's tokens for SD3); time: accelerated / plain.")


if __name__ == "__main__":
    main()
