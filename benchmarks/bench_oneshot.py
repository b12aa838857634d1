"""One-shot CPU time of the plain command line (``dgenerate MODEL ...``) from process start to the
moment the model would load, against a baseline interleaved in the same run.

The child runs ``dgenerate <folder> --prompts "a cat" --device cpu --output-size 64`` with
``load_pipelines`` replaced by an exit: every start-up step of a one-shot generation runs (meta
arguments, init config, plugins, web-cache sweep, parsing, validation, the engine's own modules)
and nothing of torch, so the figure is the overhead every one-shot generation pays before its
model. Any revision stops at the same point.

Baselines (each run alternates with the measured one; user + system CPU seconds of the child):

* ``engine``: the same tree with an init.dgen holding one statement, which builds the script engine
  (jinja2, the directives) as every one-shot run did before;
* ``--rev REV``: the same command from git revision REV of this repository (``git archive``).

    python benchmarks/bench_oneshot.py [--n 15] [--rev HEAD~5]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


CHILD = """
import sys
def reached(*args, **kwargs):
    print("reached the model load; torch loaded:", "torch" in sys.modules, file=sys.stderr)
    sys.exit(0)
import dgenerate_core.pipelines.load as load
load.load_pipelines = reached
import dgenerate_core.pipelines as pipelines
pipelines.load_pipelines = reached
from dgenerate_core.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _cpu_of(cmd: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=env["PYTHONPATH"])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if "reached the model load; torch loaded: False" not in done.stderr:
        raise SystemExit(f"unexpected output of {cmd}: {done.stderr.strip()}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _tree_of(rev: str, into: str) -> str:
    archive = os.path.join(into, "rev.tar")
    subprocess.run(["git", "-C", ROOT, "archive", "-o", archive, rev], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(os.path.join(into, "rev"), filter="data")
    return os.path.join(into, "rev")


def _env(tree: str, home: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=tree, HOME=home, USERPROFILE=home)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the warm-up run writes the byte code of each tree
    return env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=15)
    parser.add_argument("--rev", help="git revision to compare against")
    ns = parser.parse_args()
    work = tempfile.mkdtemp()
    try:
        model = os.path.join(work, "model")
        os.makedirs(model)
        cmd = [sys.executable, "-c", CHILD, model, "--prompts", "a cat", "--device", "cpu",
               "--output-size", "64"]
        homes = {name: os.path.join(work, name) for name in ("plain", "engine")}
        for home in homes.values():
            os.makedirs(os.path.join(home, ".dgenerate"))
        with open(os.path.join(homes["engine"], ".dgenerate", "init.dgen"), "w") as f:
            f.write("\\set unused 1\n")
        runs = {"plain": _env(ROOT, homes["plain"]), "engine": _env(ROOT, homes["engine"])}
        if ns.rev:
            runs[ns.rev] = _env(_tree_of(ns.rev, work), homes["plain"])
        for env in runs.values():  # warm the byte-code caches
            _cpu_of(cmd, env)
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(ns.n):
            for name, env in runs.items():
                times[name].append(_cpu_of(cmd, env))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    plain = statistics.median(times["plain"])
    print(f"plain one-shot (this tree):             {plain:.3f} s CPU (median of {ns.n})")
    for name in runs:
        if name != "plain":
            base = statistics.median(times[name])
            label = "with the script engine built" if name == "engine" else f"revision {name}"
            print(f"{label + ':':40s} {base:.3f} s CPU   ratio plain/baseline {plain / base:.2f}")


if __name__ == "__main__":
    main()
