"""Round trip of a ``\\print`` command through ``dgenerate --shell-protocol`` over pipes.

Starts ``python -m dgenerate_core --shell-protocol``, waits for ``ready``, then sends N framed
``\\print`` commands one at a time and times each from writing the frame to reading its ``done``.
Prints the start-up time (spawn to first ``ready``) and the median / p90 round trip.

    python benchmarks/bench_shell_roundtrip.py [N]
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


def _events(proc):
    for raw in iter(proc.stdout.readline, b""):
        if raw.startswith(RS):
            yield json.loads(raw[1:])


def main(n: int = 100) -> None:
    env = dict(os.environ, HOME=tempfile.mkdtemp(prefix="dgen-bench-home-"))
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "dgenerate_core", "--shell-protocol"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env)
    stream = _events(proc)
    for event in stream:
        if event["event"] == "ready":
            break
    startup = time.perf_counter() - start
    times = []
    for i in range(n):
        frame = RS + json.dumps({"id": str(i), "text": f"\\print round trip {i}"}).encode() + b"\n"
        t0 = time.perf_counter()
        proc.stdin.write(frame)
        proc.stdin.flush()
        for event in stream:
            if event["event"] == "done" and event["id"] == str(i):
                break
        times.append(time.perf_counter() - t0)
    proc.stdin.close()
    proc.wait(timeout=30)
    times.sort()
    print(f"shell start-up to first ready: {startup * 1000:.1f} ms")
    print(f"\\print round trip over pipes, n={n}: median {statistics.median(times) * 1000:.3f} ms, "
          f"p90 {times[int(0.9 * (n - 1))] * 1000:.3f} ms, min {times[0] * 1000:.3f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
