"""The examples gallery (examples/): every script passes the static check and says what it shows
and which hub model it is for; the ones the tiny stand-ins can run, run (copied to a temporary
folder, the hub ids replaced by tiny random-weight models, cheap arguments injected the way
``dgenerate --file script.dgen ARGS`` injects them)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from dgenerate_core.cli import main as dgenerate
from dgenerate_core.script.checker import static_check

from dgenerate_console.helpdocs import _text_of, local_copy

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted(EXAMPLES.rglob("*.dgen"))
CHEAP = ["--device", "cpu", "--dtype", "float32", "--output-size", "64", "--inference-steps", "3"]

# hub id -> tiny_models attribute
STANDINS = {"stable-diffusion-v1-5/stable-diffusion-v1-5": "sd",
            "stable-diffusion-v1-5/stable-diffusion-inpainting": "sd_inpaint",
            "stabilityai/stable-diffusion-xl-base-1.0": "sdxl"}
# example -> how many images (or animation frames) it writes under output/
MODEL_FREE = {"processors/image_process.dgen": 2, "sub_commands/tools.dgen": 1,
              "scripting/variables.dgen": 0, "plugins/use_plugin.dgen": 1}
ON_STANDINS = {"basic/sd15.dgen": 4, "basic/sdxl.dgen": 2, "image_seeds/img2img.dgen": 3,
               "image_seeds/inpaint.dgen": 1, "image_seeds/chain.dgen": 2,
               "animations/gif_img2img.dgen": 4,  # the GIF and its 3 frames
               "processors/post_and_seed.dgen": 1,
               "prompts/weighting.dgen": 1, "prompts/upscaling.dgen": 4,
               "scripting/templates.dgen": 2}


def test_the_gallery_covers_every_feature_family():
    folders = {p.parent.name for p in SCRIPTS}
    assert {"basic", "image_seeds", "animations", "controlnet", "processors", "prompts",
            "quantization", "sub_commands", "scripting", "plugins"} <= folders
    assert len(SCRIPTS) >= 20


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_passes_the_static_check_and_explains_itself(path):
    text = path.read_text(encoding="utf-8")
    diagnostics = static_check(text, str(path))
    assert diagnostics == [], "\n".join(f"{path}:{d.lineno}: {d.message}" for d in diagnostics)
    comments = [line for line in text.splitlines() if line.startswith("# ")]
    assert len(comments) >= 2, "a comment on what it shows"
    if path.name != "tiny_demo.dgen":
        assert any(re.match(r"# Models?: ", line) for line in comments), "names its hub model"


def test_the_help_menu_opens_this_gallery():
    assert local_copy("Config Examples") == EXAMPLES
    listing = _text_of(EXAMPLES)  # the console's window when there is no browser
    assert "basic/sd15.dgen    # Text to image with Stable Diffusion 1.5" in listing
    assert "media/ball.gif\n" in listing and "GIF89a" not in listing


def _written(folder: Path) -> list[Path]:
    out = folder / "output"
    return sorted(p for p in out.rglob("*") if p.suffix in (".png", ".gif")) if out.is_dir() else []


def _run(example: str, tmp_path: Path, monkeypatch, extra: list[str], models=None) -> list[Path]:
    work = tmp_path / "examples"
    shutil.copytree(EXAMPLES, work, ignore=shutil.ignore_patterns("output", "tiny_model*"))
    script = work / example
    if models is not None:
        text = script.read_text(encoding="utf-8")
        for repo, name in STANDINS.items():
            text = text.replace(repo, getattr(models, name))
        text = re.sub(r"^--variant fp16\n", "", text, flags=re.M)  # the stand-ins have no variants
        script.write_text(text.replace(';512"', ';64"'), encoding="utf-8")
    monkeypatch.chdir(script.parent)
    assert dgenerate(["--file", script.name, *extra]) == 0
    return _written(script.parent)


@pytest.mark.parametrize("example", sorted(MODEL_FREE))
def test_model_free_example_runs(example, tmp_path, monkeypatch, capsys):
    assert len(_run(example, tmp_path, monkeypatch, [])) == MODEL_FREE[example]
    if example == "plugins/use_plugin.dgen":
        assert "Hello, world!" in capsys.readouterr().out


@pytest.mark.parametrize("example", sorted(ON_STANDINS))
def test_example_runs_on_the_tiny_standins(example, tiny_models, tmp_path, monkeypatch):
    import torch

    torch.set_num_threads(1)
    written = _run(example, tmp_path, monkeypatch, CHEAP, tiny_models)
    assert len(written) == ON_STANDINS[example], [str(p) for p in written]
