"""The first generation of a fresh ``dgenerate --shell-protocol``, with and without the idle
warm-up (``DGENERATE_WARMUP``), runs interleaved (cold, warm, cold, warm ...).

Each run starts the shell, stays idle for the same IDLE seconds (the user typing a command),
then sends one tiny 2-step generation and times, from sending it, the first ``progress`` event
and its ``done``. Builds a tiny random-weight Stable Diffusion model first (tests/tiny_models.py).

    python benchmarks/bench_first_generation.py [RUNS] [IDLE_SECONDS]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

RS = b"\x1e"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _build_model(folder: str) -> str:
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    from tiny_models import _Tokenizers, build_sd  # noqa: PLC0415 (heavy, only here)

    path = os.path.join(folder, "sd")
    build_sd(_Tokenizers(folder)).save_pretrained(path)
    return path


def _events(proc):
    for raw in iter(proc.stdout.readline, b""):
        if raw.startswith(RS):
            yield json.loads(raw[1:])


def _run(model: str, out: str, warm: bool, idle: float, env: dict) -> tuple[float, float, bool]:
    env = dict(env, DGENERATE_WARMUP="0.2" if warm else "0")
    proc = subprocess.Popen([sys.executable, "-m", "dgenerate_core", "--shell-protocol"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    events = _events(proc)
    warmed = False
    for event in events:
        if event["event"] == "ready":
            break
    time.sleep(idle)
    text = f"{model} --inference-steps 2 --output-size 64 --seeds 1 -o {out}"
    sent = time.perf_counter()
    proc.stdin.write(RS + json.dumps({"type": "run", "id": "g", "text": text}).encode() + b"\n")
    proc.stdin.flush()
    first = None
    for event in events:
        if event["event"] == "warm":
            warmed = True
        if event["event"] == "progress" and first is None:
            first = time.perf_counter() - sent
        if event["event"] == "done" and event.get("id") == "g":
            break
    done = time.perf_counter() - sent
    proc.stdin.close()
    proc.wait(timeout=60)
    return first or done, done, warmed


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    idle = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
    work = tempfile.mkdtemp(prefix="dgen-bench-first-")
    env = dict(os.environ, HOME=work, HF_HUB_OFFLINE="1", PYTHONPATH=ROOT)
    model = _build_model(work)
    results: dict[bool, list[tuple[float, float, bool]]] = {False: [], True: []}
    for i in range(runs):
        for warm in (False, True):
            results[warm].append(_run(model, os.path.join(work, "out"), warm, idle, env))
            print(("warm" if warm else "cold"), [round(x, 2) if isinstance(x, float) else x
                                                  for x in results[warm][-1]], flush=True)
    cold_first = statistics.median(r[0] for r in results[False])
    warm_first = statistics.median(r[0] for r in results[True])
    cold_done = statistics.median(r[1] for r in results[False])
    warm_done = statistics.median(r[1] for r in results[True])
    print(f"idle before the command: {idle:.0f} s, {runs} interleaved runs each")
    print(f"first progress: cold {cold_first:.2f} s, warmed up {warm_first:.2f} s, "
          f"ratio warm/cold {warm_first / cold_first:.2f}")
    print(f"generation done: cold {cold_done:.2f} s, warmed up {warm_done:.2f} s, "
          f"ratio warm/cold {warm_done / cold_done:.2f}")


if __name__ == "__main__":
    main()
