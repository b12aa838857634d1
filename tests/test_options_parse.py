"""parse_args: value types and ranges, errors as UsageError, usage groups, reconstruction."""

import shlex

import pytest
from hypothesis import given, settings, strategies as st

from dgenerate_core.errors import UsageError
from dgenerate_core.options import (
    OPTIONS, RenderOptions, option_value_map, parse_args, to_argv, to_command_line,
)
from dgenerate_core.options.reconstruct import template_variables


def test_unset_lists_are_none_and_flags_false():
    opts = parse_args(["model"])
    assert opts.model_path == "model"
    assert opts.explicit == {"model_path"}
    assert opts.guidance_scales is None and opts.prompts is None and opts.seeds is None
    assert opts.output_overwrite is False and opts.verbose is False
    assert opts.guidance_rescales is None
    assert opts.get("guidance_scales") == [5.0]
    assert opts.get("inference_steps") == [30]
    assert opts.get("output_path") == "./output"
    assert opts.get("image_format") == "png"
    assert opts.get("guidance_rescales") is None
    assert opts.get("output_size") is None


def test_missing_model_path_is_not_a_parse_error():
    assert parse_args(["--version"]).model_path is None


@pytest.mark.parametrize("argv, dest, value", [
    (["-gs", "5", "7.5"], "guidance_scales", [5.0, 7.5]),
    (["-ifs", "10", "20"], "inference_steps", [10, 20]),
    (["-s", "512"], "output_size", (512, 512)),
    (["-s", "512x768"], "output_size", (512, 768)),
    (["-bgs", "3x1"], "batch_grid_size", (3, 1)),
    (["--sdxl-original-sizes", "1024", "100x200"], "sdxl_original_sizes",
     [(1024, 1024), (100, 200)]),
    (["--sdxl-crops-coords-top-left", "0,0", "10,20"], "sdxl_crops_coords_top_left",
     [(0, 0), (10, 20)]),
    (["-addp", "32", "10x20", "1x2x3x4"], "adetailer_detector_paddings",
     [(32, 32, 32, 32), (10, 20, 10, 20), (1, 2, 3, 4)]),
    (["-fu", "1.1,1.2,0.9,0.2"], "freeu_params", [(1.1, 1.2, 0.9, 0.2)]),
    (["-rer", "12", "5,10,15"], "ras_error_reset_steps", [(12,), (5, 10, 15)]),
    (["--sada-acc-ranges", "10,47"], "sada_acc_ranges", [(10, 47)]),
    (["-si", "1.0,0.5", "expr: sigmas * .95"], "sigmas", ["1.0,0.5", "expr: sigmas * .95"]),
    (["-mt", "SDXL"], "model_type", "sdxl"),
    (["-t", "Float16"], "dtype", "float16"),
    (["-if", "JPG"], "image_format", "jpg"),
    (["-d", "cuda:1"], "device", "cuda:1"),
    (["-adf", "0", "hand"], "adetailer_class_filter", [0, "hand"]),
    (["-tcr"], "tea_cache_rel_l1_thresholds", []),
    (["-se", "1", "-2"], "seeds", [1, -2]),
    (["-rsn", "-3"], "ras_skip_num_steps", [-3]),
    (["-iss", "1"], "image_seed_strengths", [1.0]),
    (["-iss", "0"], "image_seed_strengths", [0.0]),
    (["--max-sequence-length", "512"], "max_sequence_length", 512),
    (["-p", "a cat; blurry", "a dog"], "prompts", ["a cat; blurry", "a dog"]),
    (["--templates-help"], "templates_help", []),
])
def test_value_types(argv, dest, value):
    opts = parse_args(["model"] + argv)
    assert getattr(opts, dest) == value
    assert dest in opts.explicit


@pytest.mark.parametrize("argv, fragment", [
    (["-gs", "-1"], "--guidance-scales"),
    (["-gs", "abc"], "--guidance-scales"),
    (["-ifs", "0"], "--inference-steps"),
    (["-ifs", "2.5"], "--inference-steps"),
    (["-ifs2", "0"], "--second-model-inference-steps"),
    (["-iss", "-0.1"], "--image-seed-strengths"),
    (["-iss", "1.5"], "--image-seed-strengths"),
    (["-igs", "0.5"], "--image-guidance-scales"),
    (["-bs", "0"], "--batch-size"),
    (["-s", "500"], "--output-size"),
    (["-s", "512x"], "--output-size"),
    (["-s", "0x512"], "--output-size"),
    (["-bgs", "axb"], "--batch-grid-size"),
    (["--sdxl-crops-coords-top-left", "1"], "--sdxl-crops-coords-top-left"),
    (["-addp", "1x2x3"], "--adetailer-detector-paddings"),
    (["-fu", "1,2,3"], "--freeu-params"),
    (["-rer", "1,-2"], "--ras-error-reset-steps"),
    (["--sada-acc-ranges", "2,40"], "--sada-acc-ranges"),
    (["--sada-acc-ranges", "40,10"], "--sada-acc-ranges"),
    (["-tcr", "1.5"], "--tea-cache-rel-l1-thresholds"),
    (["-rsr", "2"], "--ras-sample-ratios"),
    (["-rme", "max"], "--ras-metrics"),
    (["-rst", "0"], "--ras-start-steps"),
    (["-cs", "-1"], "--clip-skips"),
    (["--max-sequence-length", "513"], "--max-sequence-length"),
    (["--max-sequence-length", "0"], "--max-sequence-length"),
    (["-mt", "sd4"], "--model-type"),
    (["-t", "float64"], "--dtype"),
    (["-d", "gpu"], "--device"),
    (["-if", "xyz"], "--image-format"),
    (["-af", "avi"], "--animation-format"),
    (["-qm", "vae"], "--quantizer-map"),
    (["-ads", "star"], "--adetailer-mask-shapes"),
    (["-adsz", "1"], "--adetailer-sizes"),
    (["-dci", "0"], "--deep-cache-intervals"),
    (["-fs", "-1"], "--frame-start"),
    (["-ds", "1.5"], "--denoising-start"),
    (["-si", "1.0,x"], "--sigmas"),
    (["-gse", "0"], "--gen-seeds"),
    (["-hnf", "-0.1"], "--sdxl-high-noise-fractions"),
    (["-pags", "-1"], "--pag-scales"),
    (["--set", "1x=2"], "--set"),
    (["--setp", "novalue"], "--setp"),
    (["-gs"], "--guidance-scales"),
    (["-mt"], "--model-type"),
    (["-vae", 'AutoencoderKL;model="x'], "--vae"),
    (["-lra", ""], "--loras"),
])
def test_value_errors_name_the_option(argv, fragment):
    with pytest.raises(UsageError) as info:
        parse_args(["model"] + argv)
    message = str(info.value)
    assert fragment in message and "\n" not in message


def test_unknown_option_and_no_abbreviation():
    with pytest.raises(UsageError, match="unknown option --guidance"):
        parse_args(["model", "--guidance", "5"])
    with pytest.raises(UsageError, match="unknown option --nope"):
        parse_args(["model", "--nope"])
    with pytest.raises(UsageError, match="unexpected argument"):
        parse_args(["model", "other"])


def test_help_and_version_never_exit():
    assert parse_args(["-h"]).help is True
    assert parse_args(["--help"]).explicit == {"help"}
    assert parse_args(["--version"]).version is True
    for argv in (["--nope"], ["-gs", "x"], ["-mt"], ["a", "b"]):
        try:
            parse_args(argv)
        except UsageError:
            pass
        except SystemExit:  # pragma: no cover - the failure this test guards against
            pytest.fail(f"SystemExit for {argv}")


@pytest.mark.parametrize("argv", [
    ["--file", "a.dgen", "--shell"],
    ["--shell", "--no-stdin"],
    ["--console", "--shell"],
    ["-cn", "a", "-t2i", "b"],
    ["-mqo", "-mco"],
    ["-mqo2", "-mco2"],
    ["-om", "-oam"],
    ["-iss", "0.5", "-uns", "20"],
    ["-se", "1", "-gse", "3"],
])
def test_usage_groups(argv):
    with pytest.raises(UsageError, match="cannot be used together"):
        parse_args(["model"] + argv)


def test_set_and_setp_keep_command_line_order():
    opts = parse_args(["--set", "a=1", "b=two words", "--setp", "c=1+1", "--set", "d="])
    assert opts.set == [("a", "1"), ("b", "two words"), ("d", "")]
    assert opts.setp == [("c", "1+1")]
    assert opts.variable_assignments == [("set", "a", "1"), ("set", "b", "two words"),
                                         ("setp", "c", "1+1"), ("set", "d", "")]


def test_file_takes_several_names():
    assert parse_args(["--file", "a.dgen", "b*.dgen"]).file == ["a.dgen", "b*.dgen"]


def _roundtrip(opts: RenderOptions) -> RenderOptions:
    return parse_args(shlex.split(to_command_line(opts)))


@pytest.mark.parametrize("argv", [
    ["model"],
    ["stabilityai/sdxl", "-mt", "sdxl", "--sdxl-refiner", "ref;dtype=float16", "-hnf", "0.7",
     "--sdxl-original-sizes", "512x768", "--sdxl-crops-coords-top-left", "0,10"],
    ["my model dir", "-p", "a 'quoted' cat; ugly", 'say "hi" $HOME', "", "-gs", "5", "7.25",
     "-s", "1024x512", "-se", "-5", "3", "-o", "out dir", "-op", "pre", "-ox", "-oc"],
    ["m", "-addp", "1x2x3x4", "10x20", "7", "-fu", "1.1,1.2,0.9,0.2", "-rer", "12,22", "3",
     "-tcr", "-vae", "AutoencoderKL;model=x;dtype=float16", "-lra", "a;scale=0.5", "b"],
    ["m", "--set", "a=1", "--setp", "b=[1, 2]", "--set", "c=x y", "--plugin-modules", "p.py"],
    ["m", "-sch", "help"],
    ["m", "--prompts=-starts with a dash", "-op=-x", "-se", "-5"],
    ["m", "-s", "512", "-bgs", "2", "-if", "jpg", "-d", "cuda:0", "-t", "bfloat16",
     "-rsn", "-2", "--sada-acc-ranges", "10,47", "-si", "expr: sigmas * .9"],
])
def test_round_trip(argv):
    opts = parse_args(argv)
    again = _roundtrip(opts)
    assert again == opts
    assert to_argv(again) == to_argv(opts)


def test_to_command_line_model_path_first_and_long_names():
    line = to_command_line(parse_args(["-ox", "-gs", "4", "--", "m"]))
    assert line == "m --output-overwrite --guidance-scales 4.0"


def test_to_command_line_omit():
    opts = parse_args(["m", "-v", "-gs", "4"])
    assert to_command_line(opts, omit=("verbose",)) == "m --guidance-scales 4.0"


_ITEM = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


@settings(max_examples=60, deadline=None)
@given(prompts=st.lists(_ITEM.filter(lambda s: not s.startswith("-")), min_size=1, max_size=3),
       path=_ITEM.filter(lambda s: s and not s.startswith("-")),
       scales=st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=3))
def test_round_trip_property(prompts, path, scales):
    opts = RenderOptions(model_path=path, prompts=prompts, guidance_scales=scales)
    opts.explicit.add("model_path")
    assert _roundtrip(opts) == opts


def test_option_value_map_has_every_dest():
    opts = parse_args(["m", "-gs", "4"])
    values = option_value_map(opts)
    assert set(values) == {s.dest for s in OPTIONS}
    assert values["guidance_scales"] == [4.0]
    assert values["inference_steps"] == [30]
    assert values["model_path"] == "m"


def test_template_variables_use_reference_names():
    variables = template_variables(parse_args(["m", "-vae", "v", "-lra", "l", "-sch", "s"]))
    assert variables["last_vae_uri"] == "v"
    assert variables["last_lora_uris"] == ["l"]
    assert variables["last_scheduler_uri"] == ["s"]
    assert variables["last_controlnet_uris"] == []
    assert variables["last_model_path"] == "m"
    assert variables["last_guidance_scales"] == [5.0]
    assert "last_help" not in variables and "last_file" not in variables


def test_template_variables_match_the_reference_listing():
    import re
    from pathlib import Path

    listing = Path(__file__).resolve().parents[2] / "shared" / "spec" / "config-console.md"
    if not listing.exists():
        pytest.skip("spec listing not available")
    reference = set(re.findall(r"^\| `(last_\w+)`", listing.read_text(), re.M))
    runtime = {"last_images", "last_animations", "last_latents", "last_parsed_image_seeds"}
    assert set(template_variables(parse_args(["m"]))) == reference - runtime


def test_config_omit_drops_meta_and_help_options():
    from dgenerate_core.options.reconstruct import CONFIG_OMIT
    opts = parse_args(["m", "--set", "a=1", "--shell", "--templates-help", "-gs", "4",
                       "--plugin-modules", "p.py"])
    assert to_command_line(opts, omit=CONFIG_OMIT) == "m --plugin-modules p.py --guidance-scales 4.0"


def test_find_sub_command():
    from dgenerate_core.options import find_sub_command
    assert find_sub_command(["m", "-gs", "4"]) is None
    assert find_sub_command(["--sub-command", "image-process", "in.png", "--resize", "512"]) == \
        ("image-process", ["in.png", "--resize", "512"])
    assert find_sub_command(["-v", "--sub-command=civitai-links", "x"]) == \
        ("civitai-links", ["-v", "x"])
    with pytest.raises(UsageError, match="--sub-command"):
        find_sub_command(["--sub-command"])


def test_unknown_option_suggests_the_closest_spelling():
    with pytest.raises(UsageError, match=r"unknown option --guidance-scale \(did you mean "
                                         r"--guidance-scales\?\)"):
        parse_args(["m", "--guidance-scale", "4"])
    with pytest.raises(UsageError) as info:
        parse_args(["m", "--zzzz"])
    assert str(info.value) == "unknown option --zzzz"


_KIND_VALUES = {
    "INT": st.integers(0, 64).map(str), "FLOAT": st.sampled_from(["0", "0.25", "1", "1.0"]),
    "SIZE": st.sampled_from(["8", "64x128", "1024"]), "COORD": st.sampled_from(["0,0", "-4,8"]),
    "PAD": st.sampled_from(["4", "4x8", "1x2x3x4", "-2"]),
    "CSV_FLOAT": st.just("1.1,1.2,0.9,0.2"), "CSV_INT": st.sampled_from(["12", "10,47"]),
    "ASSIGNMENT": st.sampled_from(["a=1", "b=two words", "c="]),
    "DEVICE": st.sampled_from(["cpu", "cuda:1"]), "CLASS_FILTER": st.sampled_from(["0", "hand"]),
    "CSV_FLOAT_OR_EXPRESSION": st.sampled_from(["1.0,0.5", "expr: sigmas * 0.9"]),
}
_TEXT_VALUE = st.text(alphabet="ab ;'\"=,x", min_size=1, max_size=8).filter(
    lambda s: s.strip() and s[0] not in "-'\"" and s.count("'") % 2 == 0 and s.count('"') % 2 == 0)
_SPECS = [s for s in OPTIONS if not s.positional]


def _values_for(spec):
    if spec.choices:
        return st.sampled_from(spec.choices)
    if spec.dest == "sada_acc_ranges":
        return st.just("10,47")
    return _KIND_VALUES.get(spec.kind, _TEXT_VALUE)


@st.composite
def _argv(draw):
    argv = [draw(_TEXT_VALUE)]
    specs = draw(st.lists(st.sampled_from(_SPECS), max_size=8, unique_by=lambda s: s.dest))
    for spec in specs:
        if spec.shape == "flag":
            argv.append(spec.names[0])
            continue
        count = 1 if spec.shape == "one" else draw(st.integers(0 if spec.shape == "optlist" else 1, 3))
        argv += [spec.names[-1]] + [draw(_values_for(spec)) for _ in range(count)]
    return argv


@settings(max_examples=150, deadline=None)
@given(argv=_argv())
def test_round_trip_of_random_option_sets(argv):
    try:
        opts = parse_args(argv)
    except UsageError:
        return  # e.g. two options of one usage group
    assert _roundtrip(opts) == opts
