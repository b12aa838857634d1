"""\\save_modules / \\use_modules / \\clear_modules with tiny pipelines, and --global-config."""

import json
import os

import pytest

from dgenerate_core.cli import main
from dgenerate_core.errors import ScriptError, UsageError
from dgenerate_core.script import ConfigRunner

FAST = "--output-size 64 --inference-steps 1 --seeds 1"


def _script(tiny_models, tmp_path, body):
    runner = ConfigRunner()
    runner.run_string(body.format(sd=tiny_models.sd, sdxl=tiny_models.sdxl,
                                  out=tmp_path, fast=FAST))
    return runner


def test_saved_modules_are_used_by_the_next_invocation(tiny_models, tmp_path):
    runner = _script(tiny_models, tmp_path, (
        "{sd} {fast} -o {out}\n"
        "\\save_modules mods unet text_encoder tokenizer\n"
        "\\set names {{{{ saved_modules.mods.keys() | list }}}}\n"
        "\\use_modules mods\n"
        # another model (the sdxl VAE and scheduler) with the saved sd unet and text encoder
        "{sd} --vae \"AutoencoderKL;model={sd};subfolder=vae\" {fast} -o {out}\n"))
    saved = runner.variables["saved_modules"]["mods"]
    assert runner.variables["names"] == "['unet', 'text_encoder', 'tokenizer']"
    second = runner.last_pipeline
    assert second.unet is saved["unet"] and second.text_encoder is saved["text_encoder"]
    assert runner.pending_modules is None            # only the next invocation uses them
    runner.run_string("\\clear_modules mods\n")
    assert runner.variables["saved_modules"] == {}


def test_use_modules_replaces_what_the_model_would_load(tiny_models, tmp_path):
    runner = _script(tiny_models, tmp_path, (
        "{sd} {fast} -o {out}\n"
        "\\save_modules enc text_encoder tokenizer\n"
        "\\use_modules enc\n"
        "{sdxl} --model-type sdxl {fast} -o {out}\n"))
    pipe = runner.last_pipeline
    assert type(pipe).__name__ == "StableDiffusionXLPipeline"
    assert pipe.text_encoder is runner.variables["saved_modules"]["enc"]["text_encoder"]


@pytest.mark.parametrize("text, message", [
    ("\\save_modules x unet\n", "no main pipeline has run yet"),
    ("\\save_modules x\n", "expected a name and at least one module"),
    ("\\use_modules x\n", "no modules are saved"),
    ("\\clear_modules x\n", 'no modules saved as "x"'),
    ("\\use_modules\n", "expected exactly one name"),
])
def test_module_directive_errors(text, message):
    with pytest.raises(ScriptError, match=message):
        ConfigRunner().run_string(text)


def test_save_modules_checks_names(tiny_models, tmp_path):
    runner = _script(tiny_models, tmp_path, "{sd} {fast} -o {out}\n")
    with pytest.raises(ScriptError, match='unknown module "bogus"'):
        runner.run_string("\\save_modules a bogus\n")
    with pytest.raises(ScriptError, match='has no module "transformer"'):
        runner.run_string("\\save_modules a transformer\n")
    with pytest.raises(ScriptError, match="not a valid variable name"):
        runner.run_string("\\save_modules 1a unet\n")
    runner.run_string("\\save_modules a unet\n\\save_modules b vae\n\\clear_modules\n")
    assert runner.variables["saved_modules"] == {}


# ----------------------------------------------------------------------------- --global-config
def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("name, text", [
    ("g.json", json.dumps({"defaults": {"inference_steps": 1, "--guidance-scales": [4, 6],
                                        "output-size": "64"}, "caches": {"pipeline": 3}})),
    ("g.yaml", "defaults:\n  inference-steps: 1\n  guidance-scales: [4, 6]\n  output-size: 64\n"
               "caches:\n  pipeline: 3\n"),
    ("g.toml", "[defaults]\ninference-steps = 1\nguidance-scales = [4, 6]\noutput-size = '64'\n"
               "[caches]\npipeline = 3\n"),
])
def test_global_config_defaults_and_cache_limits(tiny_models, tmp_path, name, text):
    from dgenerate_core.pipelines.cache import get_cache, set_limits

    path = _write(tmp_path, name, text)
    out = tmp_path / "out"
    assert main([tiny_models.sd, "--global-config", path, "--seeds", "1", "--guidance-scales",
                 "5", "-o", str(out)]) == 0
    assert sorted(os.listdir(out)) == ["s_1_g_5-0_i_1_step_1.png"]  # the command line wins
    assert main([tiny_models.sd, "--global-config", path, "--seeds", "1", "-o", str(out)]) == 0
    assert "s_1_g_6-0_i_1_step_2.png" in os.listdir(out)
    assert get_cache("pipeline").limit == 3
    set_limits({"pipeline": 2})


@pytest.mark.parametrize("name, text, message", [
    ("a.json", '{"defaults": {}, "bogus": 1}',
     'unknown key "bogus", valid keys: defaults, caches'),
    ("b.yaml", "defaults:\n  nope: 3\n", 'defaults: unknown option "nope"'),
    ("c.toml", "[defaults]\ninference-steps = 'x'\n",
     "defaults: -ifs/--inference-steps: expected an integer, got 'x'"),
    ("d.toml", "[caches]\nfoo = 3\n", 'caches: unknown object cache "foo", known caches:'),
    ("e.json", '{"caches": {"unet": -1}}', 'caches: "unet" must be a whole number'),
    ("f.yaml", "defaults: [1]\n", '"defaults" must be a mapping'),
    ("g.json", "{nope", "not valid json"),
    ("h.ini", "", 'unknown file type ".ini"'),
    ("i.yaml", "defaults:\n  vae-tiling: 3\n",
     "defaults: --vae-tiling is a flag, give true or false"),
    ("j.yaml", "defaults:\n  model-path: x\n", 'defaults: unknown option "model-path"'),
])
def test_global_config_errors_name_the_file_and_key(tmp_path, capsys, name, text, message):
    path = _write(tmp_path, name, text)
    assert main(["some/model", "--global-config", path, "-o", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f'--global-config "{path}": {message}' in err
    assert "Traceback" not in err


def test_global_config_missing_file(tmp_path):
    from dgenerate_core.invoke import parse_and_validate

    with pytest.raises(UsageError, match="No such file"):
        parse_and_validate(["m", "--global-config", str(tmp_path / "none.json")])


def test_global_config_defaults_apply_only_where_they_are_valid(tmp_path):
    from dgenerate_core.invoke import parse_and_validate
    from dgenerate_core.options.globalconfig import GlobalConfig, default_arguments

    config = GlobalConfig("g.yaml", {"deep_cache_intervals": 3, "tea_cache": True,
                                     "sdxl_refiner_sigmas": "1,0.5", "inference_steps": 7})
    assert default_arguments(config, set(), "flux") == ["--tea-cache", "--inference-steps", "7"]
    assert default_arguments(config, {"inference_steps"}, "sd") == ["--deep-cache-intervals", "3"]
    assert default_arguments(config, {"sdxl_refiner"}, "sdxl") == [
        "--deep-cache-intervals", "3", "--sdxl-refiner-sigmas", "1,0.5", "--inference-steps", "7"]
    path = _write(tmp_path, "g.toml", "[defaults]\ndeep-cache = true\ntea-cache = true\n")
    opts = parse_and_validate(["m", "--model-type", "flux", "--global-config", path])
    assert opts.tea_cache and not opts.deep_cache
