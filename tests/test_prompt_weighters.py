"""Prompt weighters (sd-embed, compel, llm4gen) on the tiny models, through the command line and
on the pipelines directly: weighting changes the image, neutral weights do not, long prompts are
not truncated, and every named model type runs."""

import os

import numpy as np
import pytest
from PIL import Image

from dgenerate_core.cli import main
from dgenerate_core.prompts import build
from dgenerate_core.prompts.syntax import parse, strip, to_compel

FAST = ["--inference-steps", "2", "--seeds", "7", "--output-size", "64", "--device", "cpu"]
TYPES = {"sd": "sd", "sdxl": "sdxl", "sd3": "sd3", "flux": "flux"}


def _image(tiny_models, tmp_path, attr, name, *args):
    out = tmp_path / name
    rc = main([getattr(tiny_models, attr), "--model-type", TYPES[attr], *FAST, *args,
               "-o", str(out)])
    assert rc == 0
    files = os.listdir(out)
    assert len(files) == 1
    return np.asarray(Image.open(out / files[0])).astype(int)


# ------------------------------------------------------------------------------------ syntax
def test_web_ui_syntax_weights():
    assert parse("a (cat:1.5) [dog] ((big)) \\(x\\)") == [
        ("a ", 1.0), ("cat", 1.5), (" ", 1.0), ("dog", pytest.approx(1 / 1.1)), (" ", 1.0),
        ("big", pytest.approx(1.21)), (" (x)", 1.0)]
    assert parse("one BREAK two")[1] == ("BREAK", -1.0)
    assert parse("(open") == [("open", pytest.approx(1.1))]
    assert strip("a (cat:1.5) [dog] BREAK sky") == "a cat dog sky"
    assert to_compel("a (cat:1.5), ((big)) x-ray") == "a (cat)1.5, (big)1.21 x\\-ray"


# ------------------------------------------------------------------- sd-embed, every model type
@pytest.mark.parametrize("attr", ["sd", "sdxl", "sd3", "flux"])
def test_sd_embed_neutral_equals_plain_and_weights_change_pixels(tiny_models, tmp_path, attr):
    plain = _image(tiny_models, tmp_path, attr, "plain", "--prompts", "a cat on a mat; ugly")
    neutral = _image(tiny_models, tmp_path, attr, "neutral", "--prompt-weighter", "sd-embed",
                     "--prompts", "a (cat:1.0) on a mat; ugly")
    weighted = _image(tiny_models, tmp_path, attr, "weighted", "--prompt-weighter", "sd-embed",
                      "--prompts", "a (cat:3.0) on a mat; ugly")
    assert np.array_equal(plain, neutral)
    assert not np.array_equal(plain, weighted)


def _pipe(cls_name, path):
    import diffusers

    pipe = getattr(diffusers, cls_name).from_pretrained(path)
    pipe.set_progress_bar_config(disable=True)
    return pipe


LONG = " ".join(["cat dog"] * 60)  # well over 77 CLIP tokens


@pytest.mark.parametrize("cls_name, attr, keys", [
    ("StableDiffusionPipeline", "sd", ("prompt_embeds", "negative_prompt_embeds")),
    ("StableDiffusionXLPipeline", "sdxl", ("prompt_embeds", "pooled_prompt_embeds")),
    ("StableDiffusion3Pipeline", "sd3", ("prompt_embeds", "pooled_prompt_embeds")),
])
def test_sd_embed_long_prompt_is_not_truncated(tiny_models, cls_name, attr, keys):
    import torch

    pipe = _pipe(cls_name, getattr(tiny_models, attr))
    weighter = build("prompt-weighter", "sd-embed", context={"model_type": attr})
    short, long, tail = {"prompt": "cat dog"}, {"prompt": LONG}, {"prompt": LONG + " house"}
    for kwargs in (short, long, tail):
        weighter.apply(pipe, kwargs)
    assert all(k in long for k in keys) and "prompt" not in long
    clip_tokens = 77 if attr != "sd3" else 77 + 256
    assert short["prompt_embeds"].shape[1] == clip_tokens
    assert long["prompt_embeds"].shape[1] == clip_tokens + 77  # a second chunk, not truncated
    assert long["negative_prompt_embeds"].shape == long["prompt_embeds"].shape
    # a word beyond token 77 still changes the embeddings
    assert not torch.equal(long["prompt_embeds"][:, 77:154], tail["prompt_embeds"][:, 77:154])


def test_sd_embed_long_prompt_generates(tiny_models, tmp_path):
    img = _image(tiny_models, tmp_path, "sd", "long", "--prompt-weighter", "sd-embed",
                 "--prompts", LONG + "; " + LONG, "--clip-skips", "1")
    assert img.shape == (64, 64, 3)


def test_sd_embed_sdxl_second_prompt_and_refiner(tiny_models, tmp_path, capsys):
    out = tmp_path / "refined"
    rc = main([tiny_models.sdxl, "--model-type", "sdxl", "--sdxl-refiner",
               tiny_models.sdxl_refiner, *FAST, "--prompt-weighter", "sd-embed",
               "--second-prompts", "a (dog:1.3)", "--prompts", "a (cat:1.2); ugly",
               "--second-model-second-prompts", "ignored", "-o", str(out)])
    assert rc == 0 and len(os.listdir(out)) == 1
    assert "--second-model-second-prompts is not used" in capsys.readouterr().err


# ---------------------------------------------------------------------------------- compel
@pytest.mark.parametrize("attr, prompt", [
    ("sd", "a (cat)1.4 on a mat; ugly"),
    ("sdxl", "a (cat)++ on a mat; ugly"),
    ("flux", "a (cat)1.5 on a mat"),
])
def test_compel_weights_change_pixels(tiny_models, tmp_path, attr, prompt):
    weighted = _image(tiny_models, tmp_path, attr, "w", "--prompt-weighter", "compel",
                      "--prompts", prompt)
    plain = _image(tiny_models, tmp_path, attr, "p", "--prompt-weighter", "compel",
                   "--prompts", prompt.replace("1.4", "").replace("++", "")
                   .replace("1.5", ""))
    assert not np.array_equal(weighted, plain)


def test_compel_sdwui_syntax_matches_compel_syntax(tiny_models, tmp_path):
    sdwui = _image(tiny_models, tmp_path, "sd", "a", "--prompt-weighter", "compel;syntax=sdwui",
                   "--prompts", "a (cat:1.4) on a mat")
    compel = _image(tiny_models, tmp_path, "sd", "b", "--prompt-weighter", "compel",
                    "--prompts", "a (cat)1.4 on a mat")
    assert np.array_equal(sdwui, compel)


def test_compel_sdxl_refiner_and_second_prompt(tiny_models, tmp_path):
    out = tmp_path / "refined"
    rc = main([tiny_models.sdxl, "--model-type", "sdxl", "--sdxl-refiner",
               tiny_models.sdxl_refiner, *FAST, "--prompt-weighter", "compel",
               "--second-prompts", "a (dog)1.3", "--prompts", "a (cat)1.2; ugly",
               "-o", str(out)])
    assert rc == 0 and len(os.listdir(out)) == 1


def test_embedded_weighter_applies_to_its_prompt_only(tiny_models, tmp_path):
    out = tmp_path / "two"
    rc = main([tiny_models.sd, *FAST, "--prompts", "<weighter: sd-embed> a (cat:3)",
               "a (cat:3)", "-o", str(out)])
    assert rc == 0
    first, second = (np.asarray(Image.open(out / f)).astype(int) for f in sorted(os.listdir(out)))
    assert not np.array_equal(first, second)


# ---------------------------------------------------------------------------- errors, help
@pytest.mark.parametrize("args, message", [
    (["--model-type", "sd3", "--prompt-weighter", "compel"],
     'prompt weighter "compel" does not support --model-type sd3'),
    (["--prompt-weighter", "nope"], 'unknown prompt weighter "nope"'),
    (["--prompt-weighter", "compel;syntax=bad"], 'argument "syntax" must be'),
    (["--prompt-weighter", "sd-embed;x=1"], "unknown argument 'x'"),
    (["--prompt-weighter", "llm4gen;encoder=huge"], 'argument "encoder" must be one of'),
    (["--prompt-weighter", "llm4gen;weighter=sd-embed;llm-dtype=float16;projector=PROJ"],
     "llm4gen prompt weighter (the RankGen encoder and LLM4GEN projector) is not supported yet"),
    (["--prompts", "<weighter: llm4gen;encoder=base-all;projector=PROJ> a cat"],
     "is not supported yet"),
    (["--prompt-weighter", "llm4gen;projector=/nonexistent/dir"],
     'llm4gen: cannot get the projector "projector.pth" from "/nonexistent/dir"'),
])
def test_weighter_errors_are_one_line(tiny_models, tmp_path, capsys, args, message):
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "projector.pth").write_bytes(b"stand-in")
    args = [a.replace("PROJ", str(tmp_path / "proj")) for a in args]
    rc = main([tiny_models.sd, *FAST, *args, "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc != 0 and message in err and "Traceback" not in err


def test_prompt_weighter_help(capsys):
    assert main(["--prompt-weighter-help"]) == 0
    listing = capsys.readouterr().out
    assert all(f'"{n}"' in listing for n in ("compel", "llm4gen", "sd-embed"))
    assert main(["--prompt-weighter-help", "llm4gen", "compel"]) == 0
    text = capsys.readouterr().out
    assert 'projector-weight-name: str = "projector.pth"' in text
    assert 'syntax: str = "compel"' in text and "--model-type flux-kontext" in text


def test_textual_inversion_tokens_with_weighters(tiny_models, tmp_path):
    ti = ["--textual-inversions", tiny_models.textual_inversion]
    plain = _image(tiny_models, tmp_path, "sd", "p", *ti, "--prompts", "a <tiny-ti> cat")
    embed = _image(tiny_models, tmp_path, "sd", "e", *ti, "--prompt-weighter", "sd-embed",
                   "--prompts", "a <tiny-ti> cat")
    assert np.array_equal(plain, embed)
    compel = _image(tiny_models, tmp_path, "sd", "c", *ti, "--prompt-weighter", "compel",
                    "--prompts", "a (<tiny-ti>)1.3 cat")
    assert compel.shape == (64, 64, 3)


def test_second_model_weighters(tiny_models, tmp_path, monkeypatch):
    from dgenerate_core.render import prompted

    used = []
    real = prompted.get_weighter

    def spy(job, uri, model_type, option):
        used.append((uri, option))
        return real(job, uri, model_type, option)

    monkeypatch.setattr(prompted, "get_weighter", spy)
    base = [tiny_models.sdxl, "--model-type", "sdxl", "--sdxl-refiner", tiny_models.sdxl_refiner,
            *FAST, "--prompts", "a (cat)1.2"]
    assert main(base + ["--second-model-prompt-weighter", "compel", "-o", str(tmp_path)]) == 0
    assert used == [("compel", "--second-model-prompt-weighter")]
    used.clear()
    assert main(base + ["--second-model-prompt-weighter", "compel", "--second-model-prompts",
                        "<weighter: sd-embed> a (dog:1.2)", "-o", str(tmp_path)]) == 0
    assert used == [("sd-embed", "--second-model-prompt-weighter")]
