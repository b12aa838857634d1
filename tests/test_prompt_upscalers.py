"""Prompt upscalers: dynamicprompts expansion multiplies the generation steps, magicprompt runs a
tiny GPT-2 built here, translate runs a tiny MarianMT model from a local hub cache, chains,
the prompt-upscale sub-command and the \\prompt_upscale directive, and clear lines for what
cannot run here (argos, attention, gpt4all)."""

import importlib.util
import json
import os
import tomllib

import pytest
import yaml

from dgenerate_core.cli import main
from dgenerate_core.prompts.expand import upscale_plain

try:
    from tests.tiny_llm import build_gpt2, build_marian_in_cache
except ImportError:  # plain `pytest`: tests/ itself is on sys.path
    from tiny_llm import build_gpt2, build_marian_in_cache

FAST = ["--inference-steps", "1", "--seeds", "7", "--output-size", "64", "--device", "cpu"]
CPU = {"default_device": "cpu"}


@pytest.fixture(scope="module")
def gpt2(tmp_path_factory):
    return build_gpt2(str(tmp_path_factory.mktemp("gpt2")))


def _magic(gpt2, **args):
    extra = "".join(f";{k.replace('_', '-')}={v}" for k, v in args.items())
    return f"magicprompt;model={gpt2};max-length=6{extra}"


# ----------------------------------------------------------------------------- dynamicprompts
def test_dynamicprompts_combinations_multiply_steps(tiny_models, tmp_path, capsys):
    rc = main([tiny_models.sd, *FAST, "--prompt-upscalers", "dynamicprompts",
               "--prompts", "a {cat|dog}; {ugly|bad}", "plain", "-o", str(tmp_path)])
    assert rc == 0
    assert len(os.listdir(tmp_path)) == 5  # 2 x 2 combinations + the plain prompt
    out = capsys.readouterr().out
    assert 'Prompt: "a dog"' in out and 'Negative Prompt: "bad"' in out


def test_dynamicprompts_random_is_seeded_and_chains():
    uri = "dynamicprompts;random=true;seed=3;variations=3"
    first = upscale_plain(["a {red|green|blue|white} {car|bus}"], [uri], CPU)
    assert len(first) == 3 and first == upscale_plain(["a {red|green|blue|white} {car|bus}"],
                                                       [uri], CPU)
    chained = upscale_plain(["<upscaler: dynamicprompts> <upscaler: dynamicprompts;random=true;"
                             "variations=2;seed=1> a {x|y}"], ["ignored-when-embedded"], CPU)
    assert chained == ["a x", "a x", "a y", "a y"]  # each result of the first feeds the second
    assert upscale_plain(["a {x|y} <inference-steps: 3>"], ["dynamicprompts"], CPU) == [
        "a x <inference-steps: 3>", "a y <inference-steps: 3>"]


def test_dynamicprompts_part_and_wildcards(tmp_path):
    (tmp_path / "colors.txt").write_text("red\nblue\n")
    uri = f"dynamicprompts;part=negative;wildcards={tmp_path}"
    assert sorted(upscale_plain(["{a|b}; __colors__"], [uri], CPU)) == ["{a|b}; blue",
                                                                        "{a|b}; red"]


# -------------------------------------------------------------------------------- magicprompt
def test_magicprompt_variations_seed_and_preamble(gpt2):
    uri = _magic(gpt2, seed=4, variations=3, preamble="photo of")
    out = upscale_plain(["a cat; ugly"], [uri], CPU)
    assert len(out) == 3
    assert all(p.startswith("a cat") and "; ugly" in p for p in out)
    assert out == upscale_plain(["a cat; ugly"], [uri], CPU)
    pos_only = upscale_plain(["a cat; ugly"], [_magic(gpt2, seed=4, part="positive")], CPU)
    assert pos_only[0].endswith("; ugly")


def test_magicprompt_block_regex_gives_up_after_max_attempts(gpt2, capsys):
    from dgenerate_core.logs import set_verbose

    set_verbose(False)
    out = upscale_plain(["a cat"], [_magic(gpt2, seed=1, block_regex=".", max_attempts=2)],
                        CPU)
    assert len(out) == 1
    assert "block-regex still matches after 2 attempts" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["json", "toml", "yaml"])
def test_magicprompt_cleanup_config(gpt2, tmp_path, fmt):
    (tmp_path / "fn.py").write_text("def shout(text):\n    return text + '!'\n")
    ops = [{"pattern": "^.*$", "substitution": "clean", "dotall": True, "count": 1},
           {"function": "fn.py:shout"}]
    path = tmp_path / f"cleanup.{fmt}"
    if fmt == "json":
        path.write_text(json.dumps(ops))
    elif fmt == "yaml":
        path.write_text(yaml.safe_dump(ops))
    else:
        path.write_text('[[operations]]\npattern = "^.*$"\nsubstitution = "clean"\n'
                        'dotall = true\ncount = 1\n\n[[operations]]\nfunction = "fn.py:shout"\n')
    out = upscale_plain(["a cat"], [_magic(gpt2, seed=1, cleanup_config=path)], CPU)
    assert out == ["clean!"]


def test_magicprompt_upscales_generation_prompts(tiny_models, gpt2, tmp_path):
    rc = main([tiny_models.sd, *FAST, "--prompt-upscalers", _magic(gpt2, variations=2),
               "--prompts", "a cat", "-o", str(tmp_path)])
    assert rc == 0 and len(os.listdir(tmp_path)) == 2


@pytest.mark.parametrize("uri, message", [
    ("magicprompt;dtype=int8", 'argument "dtype" must be one of'),
    ("magicprompt;variations=0", 'argument "variations" must be at least 1'),
    ("magicprompt;block-regex=(", 'argument "block-regex"'),
    ("magicprompt;model=/nonexistent/model", 'cannot load the model "/nonexistent/model"'),
    ("dynamicprompts;variations=2", 'argument "variations" can only be used with random=true'),
    ("dynamicprompts;part=middle", 'argument "part" must be one of'),
    ("translate", 'missing required argument "input"'),
    ("translate;input=de;provider=deepl", 'argument "provider" must be "argos" or "mariana"'),
    ("attention;lang=xx", 'argument "lang" must be one of'),
    ("gpt4all;compute=tpu", None),
    ("nope", 'unknown prompt upscaler "nope"'),
])
def test_upscaler_errors_are_one_line(capsys, uri, message):
    if message is None:
        message = ('"gpt4all" needs the Python package "gpt4all"'
                   if importlib.util.find_spec("gpt4all") is None else "argument \"compute\"")
    rc = main(["--sub-command", "prompt-upscale", "-d", "cpu", "--prompts", "a cat", "-u", uri])
    err = capsys.readouterr().err
    assert rc != 0 and message in err and "Traceback" not in err


@pytest.mark.skipif(importlib.util.find_spec("argostranslate") is not None
                    or importlib.util.find_spec("spacy") is not None,
                    reason="argostranslate / spaCy installed")
def test_missing_packages_are_named(capsys):
    assert main(["--sub-command", "prompt-upscale", "--prompts", "ein hund", "-u",
                 "translate;input=german"]) != 0
    assert 'needs the Python package "argostranslate"' in capsys.readouterr().err
    assert main(["--sub-command", "prompt-upscale", "--prompts", "a cat", "-u",
                 "attention;seed=1;min=0.2;max=0.5;syntax=compel"]) != 0
    assert 'needs the Python package "spacy" and its model "en_core_web_sm"' \
        in capsys.readouterr().err


# ---------------------------------------------------------------------------------- translate
def test_translate_mariana_with_a_local_model(tmp_path, monkeypatch, capsys):
    import huggingface_hub.constants

    hub = tmp_path / "hub"
    build_marian_in_cache(str(hub), "de", "en")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(hub))
    args = ["--sub-command", "prompt-upscale", "-d", "cpu", "-of", "json", "--prompts",
            "ein hund; eine katze", "-u"]
    assert main(args + ["translate;input=german;provider=mariana"]) == 0
    [item] = json.loads(capsys.readouterr().out)
    assert set(item) == {"positive", "negative"} and item["negative"] is not None
    assert main(args + ["translate;input=fr;provider=mariana"]) != 0
    err = capsys.readouterr().err
    assert 'cannot load "Helsinki-NLP/opus-mt-fr-en"' in err and "Traceback" not in err
    assert main(args + ["translate;input=en;output=english;provider=mariana"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["positive"] == "ein hund"


# ------------------------------------------------------------------- sub-command and directive
def test_sub_command_output_formats(tmp_path, capsys):
    base = ["--sub-command", "prompt-upscale", "--prompts", "a {cat|dog}; it's bad", "-u",
            "dynamicprompts"]
    assert main(base + ["-q", "shell"]) == 0
    assert capsys.readouterr().out.splitlines() == ["'a cat; it'\"'\"'s bad'",
                                                    "'a dog; it'\"'\"'s bad'"]
    assert main(base + ["-of", "yaml"]) == 0
    assert yaml.safe_load(capsys.readouterr().out)[1] == {"positive": "a dog",
                                                          "negative": "it's bad"}
    out = tmp_path / "p.toml"
    assert main(base + ["-of", "toml", "-o", str(out)]) == 0
    assert tomllib.loads(out.read_text())["prompts"][0]["positive"] == "a cat"
    assert main(["--sub-command", "prompt-upscale", "--prompts", "<seed: 3> a {x|y}",
                 "-u", "dynamicprompts", "-of", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["positive"] == "<seed: 3> a x"


def test_prompt_upscale_directive_setp(tmp_path, capsys):
    script = tmp_path / "s.dgen"
    script.write_text('\\prompt_upscale --prompts "a {cat|dog}" -u dynamicprompts --setp out\n'
                      "\\print {{ out | length }} {{ out[1] }}\n"
                      '\\prompt_upscale --prompts "x" --setp out -of json\n')
    assert main(["--file", str(script)]) != 0
    captured = capsys.readouterr()
    assert "2 a dog" in captured.out
    assert "--setp only works with --prompts and --upscaler" in captured.err


def test_prompt_upscaler_help(capsys):
    assert main(["--prompt-upscaler-help"]) == 0
    listing = capsys.readouterr().out
    for name in ("attention", "dynamicprompts", "gpt4all", "magicprompt", "translate"):
        assert f'"{name}"' in listing
    assert main(["--prompt-upscaler-help", "magicprompt", "translate"]) == 0
    text = capsys.readouterr().out
    assert 'model: str = "Gustavosta/MagicPrompt-Stable-Diffusion"' in text
    assert "max-batch: int | None = 50" in text
    lines = [ln.strip() for ln in text[text.index("translate:"):].splitlines()]
    assert lines[2:5] == ["input: str", 'output: str = "en"', 'part: str = "both"']
    assert main(["--sub-command-help", "prompt-upscale"]) == 0
    assert "without performing image generation" in capsys.readouterr().out


def test_secondary_prompt_options_use_their_own_chains_or_the_main_one():
    from types import SimpleNamespace

    from dgenerate_core.prompts.expand import upscale_options

    opts = SimpleNamespace(
        prompts=["a {x|y}"], second_prompts=["b {x|y}"], third_prompts=None,
        second_model_prompts=["c {x|y}"], second_model_second_prompts=["d {x|y}"],
        prompt_upscalers=["dynamicprompts"], second_prompt_upscalers=None,
        third_prompt_upscalers=None, second_model_prompt_upscalers=[
            "dynamicprompts;random=true;seed=1"],
        second_model_second_prompt_upscalers=["dynamicprompts;part=negative"])
    assert upscale_options(opts, CPU)
    assert opts.prompts == ["a x", "a y"] and opts.second_prompts == ["b x", "b y"]
    assert len(opts.second_model_prompts) == 1
    assert opts.second_model_second_prompts == ["d {x|y}"]  # only the (absent) negative part


@pytest.mark.parametrize("kind, schema", [("prompt-weighter", "prompt_weighters.json"),
                                          ("prompt-upscaler", "prompt_upscalers.json")])
def test_console_schemas_name_the_real_arguments(kind, schema):
    from dgenerate_core import prompt_registry

    path = os.path.join(os.path.dirname(__file__), "..", "resources", "schemas", schema)
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    classes = prompt_registry.classes(kind)
    assert set(data) == set(classes)
    for name, cls in classes.items():
        assert {a["name"] for a in data[name]["args"]} == {a.name for a in cls.arg_specs()}, name


def test_a_registered_upscaler_class_is_used_like_a_built_in(capsys):
    from dgenerate_core import prompt_registry
    from dgenerate_core.prompts import PromptUpscaler, register_upscaler

    class Shout(PromptUpscaler):
        NAMES = ("shout",)
        HELP = "Upper case, times."

        def __init__(self, times: int = 1, **kw):
            super().__init__(**kw)
            self.times = times

        def upscale_texts(self, texts):
            return [[t.upper()] * self.times for t in texts]

    register_upscaler(Shout)
    try:
        assert upscale_plain(["a cat; dog"], ["shout;times=2;part=positive"], CPU) == [
            "A CAT; dog", "A CAT; dog"]
        assert main(["--prompt-upscaler-help", "shout"]) == 0
        assert "times: int = 1" in capsys.readouterr().out
    finally:
        prompt_registry.unregister("prompt-upscaler", "shout")


def test_magicprompt_quantizer(gpt2, monkeypatch):
    try:
        from dgenerate_core.quantizers import configs  # noqa: F401
    except ImportError:  # quantization is not in this tree: a clear "not supported yet"
        assert main(["--sub-command", "prompt-upscale", "--prompts", "a cat", "-u",
                     _magic(gpt2, quantizer="'sdnq;type=int8'")]) != 0
        return
    from dgenerate_core.prompts.expand import UpscalerCache

    monkeypatch.setenv("SDNQ_USE_TORCH_COMPILE", "0")
    upscaler = UpscalerCache(CPU).get(_magic(gpt2, seed=1, quantizer="'sdnq;type=int8'"), "-u")
    assert len(upscaler.upscale([("a cat", None)])[0]) == 1
    assert getattr(upscaler._loaded[1].config, "quantization_config", None) is not None


def test_listings_and_dynamicprompts_import_nothing_heavy():
    import subprocess
    import sys

    code = (
        "import sys, json, io, contextlib\n"
        "from dgenerate_core.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    codes = [main(a) for a in (['--prompt-weighter-help', 'compel', 'sd-embed'],\n"
        "             ['--prompt-upscaler-help', 'magicprompt'], ['--sub-command',\n"
        "             'prompt-upscale', '--prompts', 'a {b|c}', '-u', 'dynamicprompts'])]\n"
        "print(json.dumps([codes, sorted(sys.modules)]))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    codes, modules = json.loads(proc.stdout.strip().splitlines()[-1])
    assert codes == [0, 0, 0]
    assert not [m for m in modules if m.split(".")[0] in ("torch", "diffusers", "transformers",
                                                          "compel")]
