"""First-run demo: build a tiny random-weight Stable Diffusion model locally and render with it.

Nothing is downloaded. The pictures are noise (the weights are random), but every part of the
engine runs: option lists multiplying into generation steps, file naming, ``--output-configs``,
and a ``.dgen`` script (``tiny_demo.dgen``) run through ``dgenerate --file``.

    python examples/tiny_demo.py                # model in ./tiny_model, images in ./tiny_demo_output
    python examples/tiny_demo.py --model DIR --output DIR
"""

from __future__ import annotations

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # the repository root, for tests.tiny_models


def build_tiny_sd(folder: str) -> str:
    """Save a tiny random SD 1.x pipeline (with a locally trained tokenizer) into ``folder``."""
    if os.path.isfile(os.path.join(folder, "model_index.json")):
        return folder
    from tests.tiny_models import _Tokenizers, build_sd

    os.makedirs(folder, exist_ok=True)
    build_sd(_Tokenizers(os.path.join(folder, ".tokenizer_work"))).save_pretrained(folder)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny_model", help="where to build the tiny model")
    parser.add_argument("--output", default="tiny_demo_output", help="output folder")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from dgenerate_core.cli import main as dgenerate

    start = time.perf_counter()
    model = build_tiny_sd(os.path.abspath(args.model))
    print(f"built a tiny model in {model} ({time.perf_counter() - start:.1f} s)")
    # 2 prompts x 2 seeds x 2 guidance scales = 8 images, each with a reproducing .dgen config
    status = dgenerate([model, "--output-size", "64", "--inference-steps", "4",
                        "--prompts", "a red chair; blurry", "a lake at sunset",
                        "--seeds", "1", "2", "--guidance-scales", "4", "7",
                        "--output-path", args.output, "--output-configs"])
    if status:
        return status
    # the same engine driven by a script; the model path comes in as a variable
    script = os.path.join(HERE, "tiny_demo.dgen")
    status = dgenerate(["--file", script, "--set", f"model={model}",
                        f"output={os.path.abspath(args.output)}"])
    print(f"done in {time.perf_counter() - start:.1f} s; see {os.path.abspath(args.output)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
