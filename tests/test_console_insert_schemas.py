"""The static URI schemas of the console: the scheduler schema matches what the installed
diffusers says (regenerated in memory), and the hand-written ones are well formed."""

import json

import pytest

from dgenerate_core.options import find_option
from dgenerate_core.uri import parse_uri
from dgenerate_console.insert.resources import load_schema, schemas_dir
from dgenerate_console.insert.uriform import build_schema_uri, default_text, schema_problems

SCHEDULERS = [
    "DDIMScheduler", "DDPMScheduler", "DDPMWuerstchenScheduler", "DEISMultistepScheduler",
    "DPMSolverMultistepScheduler", "DPMSolverSDEScheduler", "DPMSolverSinglestepScheduler",
    "EDMEulerScheduler", "EulerAncestralDiscreteScheduler", "EulerDiscreteScheduler",
    "FlowMatchEulerDiscreteScheduler", "HeunDiscreteScheduler", "KDPM2AncestralDiscreteScheduler",
    "KDPM2DiscreteScheduler", "LCMScheduler", "LMSDiscreteScheduler", "PNDMScheduler",
    "UniPCMultistepScheduler",
]
TYPES = {"int", "float", "bool", "str", "list", "any"}


def test_scheduler_schema_matches_the_installed_diffusers():
    from dgenerate_core.pipelines import scheduler_schema as schedgen

    fresh = schedgen.to_json(schedgen.generate())
    shipped = (schemas_dir() / "schedulers.json").read_text(encoding="utf-8")
    assert json.loads(fresh) == json.loads(shipped), (
        "diffusers changed: run python -m dgenerate_core.pipelines.scheduler_schema")


def test_scheduler_schema_has_the_18_classes_with_the_helpargs_arguments():
    schema = load_schema("schedulers")
    assert list(schema) == SCHEDULERS
    pndm = {a["name"]: a for a in schema["PNDMScheduler"]["args"]}
    # the manual's helpargs listing of PNDMScheduler
    assert list(pndm) == ["clone-config", "num-train-timesteps", "beta-start", "beta-end",
                          "beta-schedule", "trained-betas", "skip-prk-steps", "set-alpha-to-one",
                          "prediction-type", "timestep-spacing", "steps-offset"]
    assert pndm["clone-config"]["default"] is True and pndm["beta-end"]["default"] == 0.02
    assert pndm["trained-betas"]["type"] == "list" and pndm["trained-betas"]["optional"]
    ddim = {a["name"]: a for a in schema["DDIMScheduler"]["args"]}
    assert ddim["prediction-type"]["options"] == ["epsilon", "sample", "v_prediction"]
    assert "scaled_linear" in ddim["beta-schedule"]["options"]
    sde = {a["name"] for a in schema["DPMSolverSDEScheduler"]["args"]}
    assert {"use-karras-sigmas", "noise-sampler-seed"} <= sde


@pytest.mark.parametrize("name", ["schedulers", "prompt_upscalers", "prompt_weighters",
                                  "quantizers", "submodels"])
def test_schema_shape(name):
    schema = load_schema(name)
    assert schema
    for entry in schema.values():
        assert isinstance(entry["help"], str)
        for arg in entry["args"]:
            assert arg["type"] in TYPES, arg
            assert isinstance(arg["optional"], bool)
            if arg["options"] is not None and arg["default"] is not None:
                assert arg["default"] in arg["options"], arg


def test_manual_names_of_weighters_upscalers_quantizers_and_submodels():
    assert list(load_schema("prompt_weighters")) == ["compel", "sd-embed", "llm4gen"]
    assert set(load_schema("prompt_upscalers")) == {
        "dynamicprompts", "magicprompt", "gpt4all", "attention", "translate"}
    assert list(load_schema("quantizers")) == ["bnb", "sdnq"]
    submodels = load_schema("submodels")
    assert list(submodels) == ["vae", "unet", "transformer", "text-encoder", "lora",
                               "textual-inversion", "controlnet", "t2i-adapter", "ip-adapter"]
    for entry in submodels.values():
        assert find_option(entry["option"]) is not None, entry["option"]


def test_uri_omits_defaults_and_quotes_values():
    entry = load_schema("quantizers")["bnb"]
    uri = build_schema_uri(entry, "bnb", {"bits": "4", "bits4-quant-type": "fp4",
                                          "bits4-compute-dtype": "bfloat16"})
    assert uri == "bnb;bits=4;bits4-compute-dtype=bfloat16"
    entry = load_schema("submodels")["lora"]
    uri = build_schema_uri(entry, "my dir;x/lora.safetensors",
                           {"scale": "0.5", "weight-name": "a=b.safetensors"})
    parsed = parse_uri(uri, option="--loras")
    assert parsed.path == "my dir;x/lora.safetensors"
    assert parsed.args == {"scale": "0.5", "weight-name": "a=b.safetensors"}
    vae = load_schema("submodels")["vae"]
    assert schema_problems(vae, "AutoencoderKL", {}) == ['argument "model" is required']
    assert schema_problems(vae, "AutoencoderKL", {"model": "x", "dtype": "auto"}) == []
    assert default_text([1, 2]) == "1,2" and default_text(False) == "false"


def test_typed_values_are_checked():
    entry = load_schema("schedulers")["DDIMScheduler"]
    problems = schema_problems(entry, "DDIMScheduler",
                               {"num-train-timesteps": "many", "clip-sample": "maybe"})
    assert problems == ['argument "num-train-timesteps": expected int, got \'many\'',
                        'argument "clip-sample": expected bool, got \'maybe\'']


def test_union_types_of_plugin_schemas_are_checked_by_their_members():
    arg = {"name": "seed", "type": "int | None", "default": None, "optional": True,
           "options": None}
    entry = {"help": "", "args": [arg, {"name": "size", "type": "int | str", "default": 3,
                                        "optional": True, "options": None}]}
    assert schema_problems(entry, "noise", {"seed": "x", "size": "3x3"}) == [
        'argument "seed": expected int | None, got \'x\'']
    assert schema_problems(entry, "noise", {"seed": "None", "size": "3x3"}) == []


def test_resources_folder_can_be_overridden(tmp_path, monkeypatch):
    from dgenerate_console.insert.recipes import load_recipes
    from dgenerate_console.insert.resources import resource_dir

    assert (resource_dir() / "recipes").is_dir() and (resource_dir() / "schemas").is_dir()
    (tmp_path / "recipes").mkdir()
    (tmp_path / "recipes" / "mine.recipe").write_text(
        'title: Mine\norder: 1\n@uri[{"label": "Model", "default": "m"}]\n--model-type sdxl\n')
    monkeypatch.setenv("DGENERATE_CONSOLE_RESOURCES", str(tmp_path))
    assert resource_dir() == tmp_path
    (recipe,) = load_recipes()
    assert recipe.render(recipe.defaults()) == "m\n--model-type sdxl"
