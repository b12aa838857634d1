"""Recipe files: parsing, labels from the option table, rendering, and every shipped recipe
producing a command the static checker accepts (no Tk, no model loaded)."""

import re

import pytest

from dgenerate_core.errors import NotSupportedYet
from dgenerate_core.options import find_option, parse_args, validate
from dgenerate_core.script.checker import static_check
from dgenerate_core.script.tokens import shell_split
from dgenerate_console.insert.recipes import ALL_KINDS, RecipeError, load_recipes, parse_recipe

# the reference's recipe list (config-console.md §9.6), in dropdown order
EXPECTED_TITLES = [
    "Stable Diffusion 1.5", "Stable Diffusion 2", "Stable Diffusion 3.5", "Stable Diffusion 3",
    "Stable Diffusion XL", "Stable Diffusion XL (no refiner)", "Stable Diffusion XL (LCM UNet)",
    "Stable Diffusion XL (LCM UNet no refiner)", "Stable Diffusion XL (LCM LoRA)",
    "Stable Diffusion XL (LCM LoRA no refiner)", "Kolors", "Kolors (no refiner)", "Deep Floyd",
    "Stable Cascade", "Stable Cascade (UNet lite)", "Flux Schnell", "Flux Dev", "Flux Fill Dev",
    "Flux Kontext Dev", "Upscaling x2 (Stable Diffusion)", "Upscaling x4 (Stable Diffusion)",
    "Generic Image Process", "Generic Image Process (to directory)",
]
SAMPLES = {"file": "input image.png", "imageseed": "in.png;mask=mask.png", "uri": "some/model",
           "imageprocessor": "canny", "string": "x"}


def filled(recipe):
    """The defaults, plus a sample value for every required field without one."""
    values = recipe.defaults()
    for index, fld in enumerate(recipe.fields):
        if not values[index] and not fld.optional:
            values[index] = SAMPLES[fld.kind]
    return values


def test_the_shipped_recipes_are_the_reference_list_sorted_by_order():
    recipes = load_recipes()
    assert [r.title for r in recipes] == EXPECTED_TITLES
    assert [r.order for r in recipes] == sorted(r.order for r in recipes)


@pytest.mark.parametrize("recipe", load_recipes(), ids=lambda r: r.source)
def test_every_recipe_filled_with_defaults_passes_the_static_check(recipe):
    values = filled(recipe)
    assert recipe.validate(values) == []
    text = recipe.render(values)
    assert static_check(text, recipe.source) == []
    assert not re.search(r"@[a-z]+\[", text)
    if not text.startswith("\\"):
        # the invocation passes the parser and the cross-option rules (the engine may still
        # lack a model type: NotSupportedYet is fine here, a rule violation is not)
        first = next(s for s in text.split("\n\n") if "{{" not in s and s[0] != "\\")
        opts = parse_args(shell_split(first.replace("\n", " "), env=False, expand=False))
        try:
            validate(opts)
        except NotSupportedYet:
            pass


def test_option_fields_take_label_and_help_from_the_option_table():
    count = 0
    for recipe in load_recipes():
        for fld in recipe.fields:
            if fld.kind == "switchradio":
                assert all(find_option(n).long == n for n in fld.label.split(" | "))
            elif fld.uri_key:
                assert fld.label == f"{recipe.fields[fld.depends].label} {fld.uri_key}"
            elif fld.arg and find_option(fld.arg) is not None:
                spec = find_option(fld.arg)
                assert fld.label == spec.long
                assert fld.help == spec.help
                count += 1
    assert count > 300


def test_sd15_defaults_render_the_reference_command():
    sd15 = load_recipes()[0]
    assert sd15.render(sd15.defaults()) == (
        "stable-diffusion-v1-5/stable-diffusion-v1-5\n--inference-steps 30\n--guidance-scales 5\n"
        "--gen-seeds 1\n--output-path output\n--output-size 512x512\n"
        '--prompts "add your prompt here"')


RECIPE = """title: Test
order: 3
@uri[{"label": "Model", "optional": false}]
@switch[{"arg": "--vae-tiling"}]
@int[{"arg": "--inference-steps", "default": 30}]
@seeds[{"arg": "--seeds"}]
@dropdown[{"arg": "--dtype"}]
@string[{"arg": "--prompts", "quote": true}]
@file[{"arg": "--original-config"}]
"""


def test_fields_emit_their_arg_with_the_value_or_nothing():
    recipe = parse_recipe(RECIPE, "test")
    labels = [f.label for f in recipe.fields]
    assert labels == ["Model", "--vae-tiling", "--inference-steps", "--seeds", "--dtype",
                      "--prompts", "--original-config"]
    assert recipe.fields[4].options == ("auto", "bfloat16", "float16", "float32")
    text = recipe.render({0: "my model", 1: "true", 2: "", 3: "1 2, 3", 4: "float16",
                          5: 'a "cat"', 6: "C:\\conf igs\\x.yaml"})
    assert text.split("\n") == [
        "'my model'", "--vae-tiling", "--seeds 1 2 3", "--dtype float16",
        '--prompts "a \\"cat\\""', "--original-config 'C:\\\\conf igs\\\\x.yaml'"]
    argv = shell_split(text.replace("\n", " "), env=False, expand=False)
    opts = parse_args(argv)
    assert opts.model_path == "my model" and opts.prompts == ['a "cat"']
    assert opts.original_config == "C:\\conf igs\\x.yaml" and opts.seeds == [1, 2, 3]


def test_value_checks_come_from_the_option_parser():
    recipe = parse_recipe(RECIPE, "test")
    problems = recipe.validate({0: "", 2: "many", 3: "1 x", 4: "float8"})
    assert problems[0] == "Model: a value is required"
    assert problems[1].startswith("--inference-steps: expected an integer")
    assert problems[2].startswith("--seeds:")
    assert problems[3].startswith("--dtype:") and "float8" in problems[3]


@pytest.mark.parametrize("body, message", [
    ('@bogus[{"label": "x"}]', 'unknown field kind "@bogus"'),
    ('@int[{"arg": "--inference-steps", "label": "Steps"}]', "comes from the option table"),
    ('@int[{"arg": "--inference-steps", "colour": 1}]', "unknown field key"),
    ('@int[{"arg": "--inference-steps",}]', "bad JSON"),
    ('@string[{"help": "no label"}]', 'needs a "label"'),
    ('@switch[{"arg": "--inference-steps"}]', "takes a value"),
    ('@dropdown[{"label": "Choice"}]', "has no options"),
])
def test_malformed_recipes_are_errors(body, message):
    with pytest.raises(RecipeError, match=message):
        parse_recipe(f"title: T\norder: 1\n{body}\n", "bad")


def test_header_lines_are_required():
    with pytest.raises(RecipeError, match='"title:"'):
        parse_recipe("order: 1\nx\n")
    with pytest.raises(RecipeError, match="not an integer"):
        parse_recipe("title: T\norder: first\nx\n")


KIND_SAMPLES = {
    "switchradio": '{"args": ["--model-cpu-offload", "--model-sequential-offload"]}',
    "conditionalcheckboxes": '{"arg": "--hi-diffusion", "args": ["--hi-diffusion-no-raunet"]}',
    "checkboxwithtwointargs": '{"arg": "--deep-cache", "int_args": ["--deep-cache-intervals",'
                              ' "--deep-cache-branch-ids"], "defaults": [5, 1]}',
    "checkboxwithfloatarg": '{"arg": "--pag", "float_arg": "--pag-scales"}',
    "uriwithfloat": '{"arg": "--loras", "float_arg": "--lora-fuse-scale"}',
    "uriwithfloatarg": '{"arg": "--control-nets", "uri_key": "scale", "defaults": [1.0]}',
    "dropdown": '{"label": "Choice", "options": ["a", "b"]}',
    "switch": '{"arg": "--vae-tiling"}',
}


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_field_kind_of_the_format_is_built(kind):
    sample = KIND_SAMPLES.get(kind, '{"label": "Thing"}')
    recipe = parse_recipe(f"title: T\norder: 1\nmodel\n@{kind}[{sample}]\n")
    assert recipe.fields and recipe.fields[0].kind in (kind, "submodel", "switch")


def test_composite_fields_emit_their_dependents_only_when_switched_on():
    recipe = parse_recipe("title: T\norder: 1\nmodel\n"
                          + "\n".join(f"@{k}[{KIND_SAMPLES[k]}]" for k in (
                              "switchradio", "conditionalcheckboxes", "checkboxwithtwointargs",
                              "checkboxwithfloatarg", "uriwithfloat", "uriwithfloatarg")) + "\n")
    labels = [f.label for f in recipe.fields]
    assert labels == [
        "--model-cpu-offload | --model-sequential-offload", "--hi-diffusion",
        "--hi-diffusion-no-raunet", "--deep-cache", "--deep-cache-intervals",
        "--deep-cache-branch-ids", "--pag", "--pag-scales", "--loras", "--lora-fuse-scale",
        "--control-nets", "--control-nets scale"]
    values = recipe.defaults()
    values.update({2: "true", 7: "2.5", 9: "0.5", 11: "0.4"})
    assert recipe.render(values) == "model"   # nothing switched on
    values.update({0: "--model-sequential-offload", 1: "true", 3: "on", 6: "true", 8: "a.pt",
                   10: "cn"})
    assert recipe.render(values).split("\n") == [
        "model", "--model-sequential-offload", "--hi-diffusion", "--hi-diffusion-no-raunet",
        "--deep-cache", "--deep-cache-intervals 5", "--deep-cache-branch-ids 1", "--pag",
        "--pag-scales 2.5", "--loras a.pt", "--lora-fuse-scale 0.5", "--control-nets cn;scale=0.4"]
    values[11] = "1.0"   # the default scale is left out of the URI
    assert recipe.render(values).split("\n")[-1] == "--control-nets cn"
    values.update({4: "x", 3: ""})
    assert recipe.validate(values) == []   # a switched-off field is not checked
    values[3] = "true"
    assert recipe.validate(values)[0].startswith("--deep-cache-intervals:")
    values[0] = "--bogus"
    assert "is not one of" in recipe.validate(values)[0]
