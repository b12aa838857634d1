"""Benchmark: model-based image processors (random weights of the real architectures).

* memory: peak RSS of ``image-process`` on a 400-frame video against a 40-frame one, through
  ``openpose`` and through ``upscaler`` (each in its own process, the peak reset after a one
  frame warm-up so the model load does not hide growth); flat means 400 <= 1.05 x 40;
* speed: the processor on a 512x512 image against calling the library directly (controlnet-aux's
  ``OpenposeDetector`` / ``HEDdetector`` / ``LeresDetector`` / ``ZoeDetector``, spandrel's
  descriptor), interleaved, median of N. ``leres-boost`` (minutes per image on one thread) runs
  only when named in ``--speed-only``. For zoe also the load (ours: meta-device build + assigned
  weights; controlnet-aux's ``from_pretrained``: random initialisation + load), interleaved, and
  the largest pixel difference of the two outputs.

    OMP_NUM_THREADS=1 python benchmarks/bench_processors.py [--n 3] [--frames 40 400] [--size 64]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

MEMORY_SCRIPT = textwrap.dedent("""
    import sys
    import torch
    torch.set_num_threads(1)
    from dgenerate_core.subcommands.image_process import image_process
    video, out, uri = sys.argv[1:4]
    image_process([video, "-o", out + "/warm.png", "-p", uri, "--frame-end", "0", "-ox"])
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset VmHWM: only the whole video counts
    image_process([video, "-o", out + "/out.mp4", "-p", uri, "-ox"])
    with open("/proc/self/status") as f:
        print("PEAK_KB", next(int(l.split()[1]) for l in f if l.startswith("VmHWM")))
""")


def _video(path: str, frames: int, size: int) -> str:
    import av
    import numpy
    from PIL import Image

    rng = numpy.random.default_rng(0)
    with av.open(path, "w") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width = stream.height = size
        stream.pix_fmt = "yuv420p"
        for _ in range(frames):
            pixels = rng.integers(0, 255, (size, size, 3), dtype=numpy.uint8)
            frame = av.VideoFrame.from_image(Image.fromarray(pixels))
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def memory(work: str, hub: str, uris: list[str], lengths: list[int], size: int
           ) -> dict[str, list[int]]:
    """Peak RSS (KiB) per processor URI and video length; all processes run at once."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_HUB_CACHE=hub, OMP_NUM_THREADS="1",
               PYTHONPATH=ROOT, PYTHONWARNINGS="ignore")
    videos = {n: _video(os.path.join(work, f"v{n}.mp4"), n, size) for n in lengths}
    procs = {}
    for uri in uris:
        for n in lengths:
            out = tempfile.mkdtemp(dir=work)
            procs[uri, n] = subprocess.Popen([sys.executable, "-c", MEMORY_SCRIPT, videos[n],
                                              out, uri], stdout=subprocess.PIPE,
                                             stderr=subprocess.PIPE, text=True, env=env)
    peaks: dict[str, list[int]] = {uri: [] for uri in uris}
    for (uri, n), proc in procs.items():
        stdout, stderr = proc.communicate()
        if proc.returncode:
            raise SystemExit(stderr[-3000:])
        peaks[uri].append(int(stdout.split("PEAK_KB")[1].split()[0]))
    return peaks


def _median(fn, n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _direct(name: str, hub: str, model: str):
    """The library call on a 512x512 RGB array (what the processor wraps)."""
    from huggingface_hub import hf_hub_download

    if name == "upscaler":
        import spandrel
        import torch

        desc = spandrel.ModelLoader().load_from_file(model).eval()

        def run(array):  # what a caller of spandrel does: array in, uint8 array out
            with torch.inference_mode():
                t = torch.from_numpy(array).float().div(255).permute(2, 0, 1)[None]
                out = desc(t)[0].permute(1, 2, 0).clamp(0, 1).mul(255).round()
                return out.to(torch.uint8).numpy()
        return run
    repo = "lllyasviel/Annotators"
    if name.startswith("leres"):
        from controlnet_aux.leres import LeresDetector

        argv, sys.argv = sys.argv, sys.argv[:1]  # its pix2pix options parse sys.argv
        try:
            det = LeresDetector.from_pretrained(repo, cache_dir=hub)
        finally:
            sys.argv = argv
        boost = name == "leres-boost"
        return lambda array: det(array, boost=boost, detect_resolution=512,
                                 image_resolution=512, output_type="np")
    if name == "zoe":
        from controlnet_aux.zoe import ZoeDetector

        det = ZoeDetector.from_pretrained(repo, cache_dir=hub)
        return lambda array: det(array, 512, 512, output_type="np")
    if name == "openpose":
        from controlnet_aux.open_pose import Body, OpenposeDetector

        det = OpenposeDetector(Body(hf_hub_download(repo, "body_pose_model.pth", cache_dir=hub)))
        return lambda array: det(array, 512, 512, output_type="np")
    from controlnet_aux.hed import HEDdetector

    det = HEDdetector.from_pretrained(repo, cache_dir=hub)
    return lambda array: det(array, 512, 512, output_type="np")


def zoe_load(hub: str, n: int) -> None:
    """Loading ZoeD_M12_N: ours against controlnet-aux's ``from_pretrained``, interleaved."""
    import gc

    from controlnet_aux.zoe import ZoeDetector
    from huggingface_hub import hf_hub_download

    from dgenerate_core.processors.image.zoe import load_network

    path = hf_hub_download("lllyasviel/Annotators", "ZoeD_M12_N.pt", cache_dir=hub)
    load_network(path, "zoe")  # the imports and the file in the page cache, for both
    ours, theirs = [], []
    for _ in range(n):
        ours.append(_median(lambda: load_network(path, "zoe"), 1))
        gc.collect()
        theirs.append(_median(lambda: ZoeDetector.from_pretrained(
            "lllyasviel/Annotators", cache_dir=hub), 1))
        gc.collect()
    a, b = statistics.median(ours), statistics.median(theirs)
    print(f"load  zoe       ZoeD_M12_N: dgenerate {a:6.1f} s, library {b:6.1f} s, "
          f"ratio {a / b:.2f}", flush=True)


def speed(hub: str, model: str, n: int, only: list[str] | None = None) -> None:
    import numpy
    import torch
    from PIL import Image

    from dgenerate_core.processors.registry import build_processor

    torch.set_num_threads(1)
    pixels = numpy.random.default_rng(1).integers(0, 255, (512, 512, 3), dtype=numpy.uint8)
    image = Image.fromarray(pixels)
    uris = {"openpose": "openpose;device=cpu", "hed": "hed;device=cpu",
            "upscaler": f"upscaler;model={model};tile=512;device=cpu", "leres": "leres;device=cpu",
            "leres-boost": "leres;boost=true;device=cpu", "zoe": "zoe;device=cpu"}
    for name, uri in uris.items():
        if (only and name not in only) or (not only and name == "leres-boost"):
            continue
        if name == "zoe":
            zoe_load(hub, n)
        processor = build_processor(uri, "image")
        direct = _direct(name, hub, model)
        first = processor.process(image)  # warm both (model load, allocator)
        expected = direct(pixels)
        if name == "zoe":
            diff = numpy.abs(numpy.asarray(first, numpy.int16) - expected.astype(numpy.int16))
            print(f"zoe 512x512 outputs differ by at most {diff.max()} (of 255)", flush=True)
        ours, theirs = [], []
        for _ in range(n):
            ours.append(_median(lambda: processor.process(image), 1))
            theirs.append(_median(lambda: direct(pixels), 1))
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"speed {name:9s} 512x512: dgenerate {a * 1000:8.1f} ms, library {b * 1000:8.1f} ms,"
              f" ratio {a / b:.2f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=3)
    parser.add_argument("--frames", type=int, nargs=2, default=[40, 400])
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--speed-only", nargs="*",
                        help="openpose, hed, upscaler, leres, leres-boost and/or zoe")
    args = parser.parse_args()
    os.environ.update(HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1")
    import warnings

    warnings.simplefilter("ignore")
    import tiny_processors

    with tempfile.TemporaryDirectory() as work:
        wanted = args.speed_only or ["openpose", "hed", "upscaler", "leres", "zoe"]
        hub = tiny_processors.build(os.path.join(work, "hub"), ["openpose", "hed", "leres"]
                                    + (["zoe"] if "zoe" in wanted and not args.skip_speed else []))
        os.environ["HF_HUB_CACHE"] = hub
        model = tiny_processors.compact_upscaler(os.path.join(work, "x4.pth"), num_feat=16,
                                                 num_conv=4)
        if not args.skip_memory:
            uris = ["openpose", f"upscaler;model={model};tile=32;overlap=8"]
            for uri, (a, b) in memory(work, hub, uris, args.frames, args.size).items():
                print(f"memory {uri.split(';')[0]:9s} peak RSS {args.frames[0]} frames "
                      f"{a / 1024:.1f} MiB, {args.frames[1]} frames {b / 1024:.1f} MiB, "
                      f"ratio {b / a:.3f}", flush=True)
        if not args.skip_speed:
            speed(hub, model, args.n, args.speed_only)


if __name__ == "__main__":
    main()
