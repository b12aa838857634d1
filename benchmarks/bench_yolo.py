"""The yolo processor against ultralytics called directly, on a 512x512 image, interleaved.

Run: ``python benchmarks/bench_yolo.py [N]``. Builds a random-weight YOLOv8n (``yolov8n.yaml``)
and times N rounds of: ``YOLO.predict`` on the image (the library alone), and the ``yolo``
processor in mask mode and in preview mode (detect, filter, sort, draw with Pillow). Prints the
medians and the ratios processor / library. One torch thread; CPU (or ``--device`` via DEVICE).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time


def main(rounds: int = 10) -> None:
    import torch

    torch.set_num_threads(1)
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    from PIL import Image, ImageDraw

    from dgenerate_core.processors.registry import build_processor
    from tests.tiny_yolo import build_detector

    device = os.environ.get("DEVICE", "cpu")
    folder = tempfile.mkdtemp()
    path = build_detector(os.path.join(folder, "det.pt"))
    image = Image.new("RGB", (512, 512), (90, 60, 140))
    ImageDraw.Draw(image).ellipse((150, 100, 350, 380), fill=(230, 190, 160))
    masks = build_processor(f"yolo;model={path};confidence=0.05;masks=True;device={device}",
                            "image")
    preview = build_processor(f"yolo;model={path};confidence=0.05;device={device}", "image")
    model = masks.model
    runs: dict[str, list[float]] = {"library": [], "masks": [], "preview": []}
    calls = {"library": lambda: model.predict(image, conf=0.05, device=device, verbose=False),
             "masks": lambda: masks.process(image), "preview": lambda: preview.process(image)}
    for fn in calls.values():  # warm up
        fn()
    for _ in range(rounds):
        for name, fn in calls.items():
            start = time.perf_counter()
            fn()
            runs[name].append(time.perf_counter() - start)
    base = statistics.median(runs["library"])
    for name, values in runs.items():
        median = statistics.median(values)
        print(f"{name:8s} median {median * 1000:7.1f} ms  ratio {median / base:5.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
