"""auto1111-metadata / \\auto1111_metadata: A1111 "parameters" text from our own PNG/JPEG
metadata or a --output-configs file, read back with a small parser that follows A1111's format
(prompt lines, "Negative prompt: ...", then "Key: value" pairs; quoted values may hold commas)."""

import hashlib
import os
import re

import pytest
from PIL import Image

from dgenerate_core.cli import main
from dgenerate_core.script import ConfigRunner

try:
    from tests.httpserver import serve_directory
except ImportError:  # plain `pytest`: tests/ itself is on sys.path
    from httpserver import serve_directory

FAST = ["--inference-steps", "1", "--seeds", "5", "--output-size", "64", "--device", "cpu"]
# A1111's modules/infotext_utils.py: re_param_code
PARAM = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')


def parse_a1111(text):
    """A1111 infotext -> dict (prompt, negative prompt and every key of the last line)."""
    *lines, last = text.strip().split("\n")
    if len(PARAM.findall(last)) < 3:
        lines.append(last)
        last = ""
    prompt, negative, in_negative = [], [], False
    for line in lines:
        if line.startswith("Negative prompt:"):
            in_negative = True
            line = line[16:].strip()
        (negative if in_negative else prompt).append(line)
    result = {"Prompt": "\n".join(prompt), "Negative prompt": "\n".join(negative)}
    for key, value in PARAM.findall(last):
        result[key.strip()] = value[1:-1] if value.startswith('"') else value
    return result


def autov2(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:10]


@pytest.fixture(scope="module")
def generated(tiny_models, tmp_path_factory):
    out = tmp_path_factory.mktemp("a1111")
    common = [tiny_models.sd_single_file, "--original-config", tiny_models.sd, *FAST, "-cs", "1",
              "--schedulers", "EulerAncestralDiscreteScheduler",
              "--loras", tiny_models.lora + ";scale=0.5",
              "--prompts", "a cat, sitting; ugly, blurry", "-om", "-oc"]
    assert main([*common, "-o", str(out / "png")]) == 0
    assert main([*common, "-o", str(out / "jpg"), "-if", "jpg"]) == 0
    return out


def _one(folder, ext):
    [name] = [n for n in os.listdir(folder) if n.endswith(ext)]
    return str(folder / name)


def _check(fields, tiny_models):
    assert fields["Prompt"] == "a cat, sitting" and fields["Negative prompt"] == "ugly, blurry"
    assert fields["Steps"] == "1" and fields["Sampler"] == "Euler a"
    assert fields["CFG scale"] == "5.0" and fields["Seed"] == "5" and fields["Size"] == "64x64"
    assert fields["Model hash"] == autov2(tiny_models.sd_single_file)
    assert fields["Model"] == os.path.splitext(os.path.basename(tiny_models.sd_single_file))[0]
    assert fields["Clip skip"] == "2" and fields["Version"] == "dgenerate 5.0.0"
    lora = tiny_models.lora
    assert fields["Lora hashes"] == f"{os.path.splitext(os.path.basename(lora))[0]}: {autov2(lora)}"


def test_png_in_place_from_its_own_metadata(generated, tiny_models):
    png = _one(generated / "png", ".png")
    assert main(["--sub-command", "auto1111-metadata", png]) == 0
    with Image.open(png) as im:
        assert "DgenerateConfig" in im.text
        _check(parse_a1111(im.text["parameters"]), tiny_models)


def test_config_file_to_output_and_jpeg(generated, tiny_models, tmp_path):
    png, config = _one(generated / "png", ".png"), _one(generated / "png", ".dgen")
    bare = tmp_path / "bare.png"
    with Image.open(png) as im:
        im.save(bare)  # no metadata at all
    assert main(["--sub-command", "auto1111-metadata", str(bare), "-c", config,
                 "-o", str(tmp_path / "out.png")]) == 0
    with Image.open(tmp_path / "out.png") as im:
        _check(parse_a1111(im.text["parameters"]), tiny_models)
    jpg = _one(generated / "jpg", ".jpg")
    ConfigRunner().run_string(f'\\auto1111_metadata "{jpg}" -o "{tmp_path / "out.jpg"}"\n')
    from dgenerate_core.media.images import read_config_metadata

    _check(parse_a1111(read_config_metadata(str(tmp_path / "out.jpg"))), tiny_models)


def test_web_models_are_hashed_through_the_cache_and_offline_errors(tmp_path, capsys):
    served = tmp_path / "served"
    served.mkdir()
    (served / "web_model.safetensors").write_bytes(b"not really weights" * 100)
    image = tmp_path / "i.png"
    Image.new("RGB", (8, 8)).save(image)
    with serve_directory(str(served)) as base:
        url = f"{base}/web_model.safetensors"
        config = tmp_path / "c.dgen"
        config.write_text(f"#! dgenerate 5.0.0\n\n{url} \\\n--prompts \"a dog\" \\\n--seeds 1\n")
        args = ["--sub-command", "auto1111-metadata", str(image), "-c", str(config)]
        assert main(args + ["-ofm"]) != 0
        err = capsys.readouterr().err
        assert "web_model.safetensors" in err and "offline" in err.lower()
        assert "Traceback" not in err
        assert main(args) == 0
    with Image.open(image) as im:
        fields = parse_a1111(im.text["parameters"])
    assert fields["Model hash"] == autov2(served / "web_model.safetensors")
    assert fields["Model"] == "web_model" and fields["Prompt"] == "a dog"
    assert "Sampler" not in fields and fields["Size"] == "8x8"
    assert main(args + ["-ofm"]) == 0  # cached now
    cache = os.path.join(os.environ["DGENERATE_CACHE"], "model_hashes.json")
    assert autov2(served / "web_model.safetensors") in open(cache).read()  # hashes kept on disk


def test_errors_and_help(tmp_path, capsys):
    plain = tmp_path / "plain.png"
    Image.new("RGB", (8, 8)).save(plain)
    assert main(["--sub-command", "auto1111-metadata", str(plain)]) != 0
    assert "has no dgenerate metadata" in capsys.readouterr().err
    Image.new("RGB", (8, 8)).save(tmp_path / "x.bmp")
    assert main(["--sub-command", "auto1111-metadata", str(tmp_path / "x.bmp")]) != 0
    assert "only PNG and JPEG" in capsys.readouterr().err
    assert main(["--sub-command", "auto1111-metadata", "--help"]) == 0
    out = capsys.readouterr().out
    assert "-c CONFIG" in out and "--offline-mode" in out and "--output OUTPUT" in out


def test_generation_time_metadata_has_the_same_fields(tiny_models, tmp_path):
    assert main([tiny_models.sd_single_file, "--original-config", tiny_models.sd, *FAST, "-cs",
                 "1", "--schedulers", "EulerAncestralDiscreteScheduler",
                 "--loras", tiny_models.lora + ";scale=0.5",
                 "--prompts", "a cat, sitting; ugly, blurry", "-oam", "-o", str(tmp_path)]) == 0
    with Image.open(_one(tmp_path, ".png")) as im:
        _check(parse_a1111(im.text["parameters"]), tiny_models)
