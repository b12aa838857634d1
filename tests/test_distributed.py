"""Data-parallel generation (docs/distributed.md): two gloo ranks on the CPU write exactly the
files (names, bytes) of one process, for a multi-seed invocation and a script with a loop;
side-effect directives run once; a killed rank ends the run with one clear line."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dgenerate_core import distributed
from dgenerate_core.distributed import launch
from dgenerate_core.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from httpserver import serve  # noqa: E402  (tests/ is not a package)

SCRIPT = """#! dgenerate 5.0.0
\\set common --inference-steps 2 --output-size 32 --device cpu --output-path out --output-configs
{model} --seeds 1 2 3 {{{{ common }}}}
\\print first: {{{{ last_images | length }}}}
{{% for p in ["a cat", "a dog"] %}}
{model} --prompts "{{{{ p }}}}" --seeds 4 5 {{{{ common }}}}
\\print loop: {{{{ last_images }}}}
{{% endfor %}}
{model} --seeds 1 {{{{ common }}}}
\\download img {url}/seed.png -o dl/
{model} --seeds 8 9 --output-prefix {{{{ img.split("/")[-2] }}}} {{{{ common }}}}
\\mkdir made
\\print done
"""

KILL = """#! dgenerate 5.0.0
{model} --seeds 1 2 --inference-steps 1 --output-size 32 --device cpu --output-path out
{{% set os = import_module("os") %}}{{% if os.environ.get("RANK") == "1" %}}{{{{ os.kill(os.getpid(), 9) }}}}{{% endif %}}
{model} --seeds 3 4 --inference-steps 1 --output-size 32 --device cpu --output-path out2
"""


@pytest.fixture(scope="module")
def tiny_sd(tmp_path_factory) -> str:
    """Only the tiny SD pipeline (the other families are not needed here)."""
    try:
        from tests.tiny_models import _Tokenizers, build_sd
    except ImportError:
        from tiny_models import _Tokenizers, build_sd
    root = tmp_path_factory.mktemp("tiny_sd")
    build_sd(_Tokenizers(str(root))).save_pretrained(str(root / "sd"))
    return str(root / "sd")


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1",
               TOKENIZERS_PARALLELISM="false")
    env[distributed.CPU_ENV] = "1"
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    return env


def _run(folder: Path, argv: list[str], ranks: int = 1) -> subprocess.CompletedProcess:
    folder.mkdir(parents=True, exist_ok=True)
    prefix = [sys.executable, "-m", "dgenerate_core"] if ranks == 1 else [
        sys.executable, "-m", "torch.distributed.run", "--standalone",
        f"--nproc-per-node={ranks}", "-m", "dgenerate_core"]
    return subprocess.run(prefix + argv, cwd=folder, env=_env(), capture_output=True, text=True,
                          timeout=400, stdin=subprocess.DEVNULL)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix != ".dgen"} | {
        str(p.relative_to(folder)): p.read_text().replace(str(folder), "<here>").encode()
        for p in sorted(folder.rglob("*.dgen"))}


class _CountingPng(http.server.BaseHTTPRequestHandler):
    """Serves a few PNG bytes and counts the requests (\\download must fetch once per run)."""

    requests = 0

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        type(self).requests += 1
        body = b"\x89PNG\r\n\x1a\n" + bytes(64)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def two_runs(tiny_sd, tmp_path_factory):
    """The same script run by one process and by two torchrun ranks; the number of downloads
    each made."""
    runs = {}
    with serve(_CountingPng) as url:
        script = SCRIPT.format(model=tiny_sd, url=url)
        for ranks in (1, 2):
            folder = tmp_path_factory.mktemp(f"ranks{ranks}")
            (folder / "s.dgen").write_text(script)
            before = _CountingPng.requests
            runs[ranks] = (folder, _run(folder, ["--file", "s.dgen"], ranks),
                           _CountingPng.requests - before)
    return runs


def test_two_ranks_write_the_files_of_one_process(two_runs):
    (one, first, _), (two, second, _) = two_runs[1], two_runs[2]
    assert first.returncode == 0, first.stderr[-2000:]
    assert second.returncode == 0, second.stderr[-2000:]
    files = _files(one / "out")
    assert len([n for n in files if n.endswith(".png")]) == 3 + 2 + 2 + 2 + 1
    assert "dl_s_9_g_5-0_i_2_step_2.png" in files  # rank 1 got rank 0's \\download variable
    assert "s_4_g_5-0_i_2_step_1_duplicate_1.png" in files  # the loop's second turn
    assert "s_1_g_5-0_i_2_step_1_duplicate_1.png" in files
    assert _files(two / "out") == files  # names, pixels and configs
    assert (two / "made").is_dir()


def test_side_effect_directives_run_once(two_runs):
    assert two_runs[1][2] == 1 and two_runs[2][2] == 1  # one download in each run
    assert (two_runs[2][0] / "made").is_dir()


def test_rank_zero_prints_the_whole_log_once_in_step_order(two_runs):
    (one, first, _), (two, second, _) = two_runs[1], two_runs[2]
    expected = [line.replace(str(one), "<here>") for line in first.stdout.splitlines()
                if line.startswith(("Generation step", "Wrote", "first:", "loop:", "done"))]
    got = [line.replace(str(two), "<here>") for line in second.stdout.splitlines()
           if line.startswith(("Generation step", "Wrote", "first:", "loop:", "done"))]
    assert got == expected
    assert "first: 3" in got and got.count("done") == 1
    assert any("step_2" in line for line in got if line.startswith("loop:"))  # rank 1's file


def test_a_killed_rank_ends_the_run_with_one_line(tiny_sd, tmp_path):
    (tmp_path / "k.dgen").write_text(KILL.format(model=tiny_sd))
    result = _run(tmp_path, ["--ranks", "2", "--file", "k.dgen"])
    errors = [line for line in result.stderr.splitlines() if "error" in line.lower()]
    assert result.returncode != 0
    assert errors == ["dgenerate: error: --ranks: rank 1 was killed by SIGKILL; the run was "
                      "stopped on every rank"], result.stderr[-3000:]
    assert len(list((tmp_path / "out").glob("*.png"))) == 2
    assert not (tmp_path / "out2").exists()


def test_steps_are_dealt_in_rounds():
    assert distributed.rounds(list(range(5)), 2) == [[0, 1], [2, 3], [4]]
    assert distributed.rounds([], 3) == []


def test_ranks_option_is_taken_off_the_command_line():
    assert launch.take_option(["m", "--ranks", "2", "-v"]) == ("2", ["m", "-v"])
    assert launch.take_option(["m", "--ranks=auto"]) == ("auto", ["m"])
    assert launch.rank_count("3") == 3
    with pytest.raises(UsageError):
        launch.rank_count("0")


def test_only_rank_zero_reports_what_every_rank_has(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    agreed = distributed.RankFailed("bad value")
    lost = distributed.PeerLost("rank 1: another rank stopped")
    assert distributed.quiet_error(agreed) and not distributed.quiet_error(agreed, verbose=True)
    assert not distributed.quiet_error(lost)
    monkeypatch.setenv(distributed.LAUNCHER_ENV, "1")
    assert distributed.quiet_error(lost)
    monkeypatch.setenv("RANK", "0")
    assert not distributed.quiet_error(agreed)


def test_an_error_on_one_rank_is_reported_once_by_rank_zero(tiny_sd, tmp_path):
    """Step 2 (rank 1) reads a broken image seed: every rank stops, rank 0 prints one line."""
    from PIL import Image

    Image.new("RGB", (32, 32), (200, 30, 30)).save(tmp_path / "good.png")
    (tmp_path / "bad.png").write_bytes(b"not an image")
    result = _run(tmp_path, [tiny_sd, "--image-seeds", "good.png", "bad.png", "--seeds", "7",
                             "--inference-steps", "2", "--output-size", "32", "--device", "cpu",
                             "--output-path", "out", "--no-stdin"], ranks=2)
    errors = [line for line in result.stderr.splitlines() if line.startswith("dgenerate: error")]
    assert result.returncode != 0
    assert len(errors) == 1 and errors[0].startswith("dgenerate: error: rank 1: --image-seeds "
                                                     '"bad.png"'), result.stderr[-3000:]
    assert [p.name for p in (tmp_path / "out").glob("*.png")] == [
        "s_7_st_0-8_g_5-0_i_2_step_1.png"]


def test_the_shell_is_refused_in_a_distributed_run(tmp_path):
    env = dict(_env(), WORLD_SIZE="2", RANK="0")
    result = subprocess.run([sys.executable, "-m", "dgenerate_core", "--shell"], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=120,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "dgenerate: error: --shell in a distributed run (torchrun, --ranks) is not supported yet")
