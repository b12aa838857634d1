"""Run every upstream corpus script against tiny stand-in models and print what happened.

    python tools/corpus_report.py [--work DIR] [--timeout S] [--pretend-gpu] [--heavy]
                                  [--only SUBSTRING ...] [--inject ARG ...]

Scripts run unchanged (see tests/corpus_standins.py for how: a stand-in Hugging Face hub cache,
a copy of the corpus with stand-in media, cheap injected arguments), one at a time, each in its
own process forked from one that imported torch once, on one CPU thread, each with a timeout.
The table lists every script as "ok" or its first error line, grouped by the reason, largest
group first; the summary counts scripts per reason. The stand-in models are built once under
--work and reused by later runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("SDNQ_USE_TORCH_COMPILE", "0")
os.environ["HF_HUB_OFFLINE"] = "1"

from corpus_standins import Result, build_standins, corpus_scripts, run_scripts  # noqa: E402


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                                   "dgenerate-corpus-report"))
    p.add_argument("--timeout", type=float, default=180, help="seconds per script")
    p.add_argument("--pretend-gpu", action="store_true",
                   help="have_cuda() answers True (scripts take their GPU branch)")
    p.add_argument("--heavy", action="store_true",
                   help="also build the large stand-ins: SAM assets sam_l, sam2.1_l and MAT (~45 s, 1.1 GB)")
    p.add_argument("--only", nargs="*", default=[], help="scripts whose path contains one of these")
    p.add_argument("--inject", nargs=argparse.REMAINDER, default=[],
                   help="more injected arguments (last), e.g. --inject --quantizer sdnq")
    return p.parse_args(argv)


def _table(results: list[Result]) -> str:
    groups: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        groups["ok" if r.ok else r.reason()].append(r)
    order = sorted(groups, key=lambda k: (k != "ok", -len(groups[k]), k))
    lines = []
    for reason in order:
        lines.append(f"\n## {reason}  ({len(groups[reason])})")
        for r in sorted(groups[reason], key=lambda r: r.script):
            lines.append(f"    {r.script}  [{r.seconds:.1f} s]"
                         + ("" if r.ok else f"  {r.first_error()}"))
    lines.append("\n## summary: scripts per outcome")
    for reason in order:
        lines.append(f"{len(groups[reason]):5d}  {reason}")
    lines.append(f"{len(results):5d}  total")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    scripts = [s for s in corpus_scripts() if not args.only or any(o in s for o in args.only)]
    t0 = time.perf_counter()
    standins = build_standins(os.path.join(args.work, "standins"), heavy=args.heavy)
    print(f"stand-ins ready in {time.perf_counter() - t0:.1f} s; running {len(scripts)} scripts",
          file=sys.stderr, flush=True)
    done = 0

    def progress(r: Result) -> None:
        nonlocal done
        done += 1
        print(f"[{done}/{len(scripts)}] {r.script}: {'ok' if r.ok else r.first_error()}",
              file=sys.stderr, flush=True)

    work = os.path.join(args.work, "run-" + time.strftime("%Y%m%d-%H%M%S"))
    results = run_scripts(scripts, standins, work, pretend_gpu=args.pretend_gpu,
                          timeout=args.timeout, on_result=progress, extra=args.inject)
    print(_table(results))
    print(f"\n{time.perf_counter() - t0:.0f} s in all", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
