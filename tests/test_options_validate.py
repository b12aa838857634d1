"""validate(): NotSupportedYet for unbuilt options and each cross-option rule of the manual."""

import pytest

from dgenerate_core.errors import NotSupportedYet, UsageError
from dgenerate_core.options import OPTIONS, RULES, parse_args, validate
from dgenerate_core.options.validate import check_model_path, is_help_mode


def _check(*argv, in_script=False):
    opts = parse_args(list(argv))
    validate(opts, in_script=in_script)
    return opts


def _fails(match, *argv, in_script=False):
    with pytest.raises(UsageError, match=match) as info:
        _check(*argv, in_script=in_script)
    assert "\n" not in str(info.value)


def test_plain_invocations_pass():
    _check("m")
    _check("m", "-mt", "sdxl", "--sdxl-refiner", "r", "-hnf", "0.8", "--second-prompts", "x",
           "--sdxl-aesthetic-scores", "6", "--sdxl-refiner-target-sizes", "1024",
           "-sch2", "EulerDiscreteScheduler", "-ifs2", "10", "-gs2", "4",
           "--second-model-prompts", "p", "--second-model-second-prompts", "q", "-rgr", "0.3",
           "-rpag", "-rfu", "1,1,1,1", "-mco2", "--sdxl-refiner-edit")
    _check("m", "-mt", "sd3", "-tf", "t", "--third-prompts", "x", "--max-sequence-length", "256",
           "-s", "1024x512", "-cs", "1", "-pag")
    _check("m", "-mt", "flux", "-tf", "t", "--second-prompts", "x", "-s", "512")
    _check("m", "-mt", "kolors", "--sdxl-target-sizes", "1024", "-fu", "1,1,1,1")
    _check("m", "-is", "img.png", "-iss", "0.5", "-sei", "-se", "1", "2")
    _check("m", "-gr", "0.7", "-vae", "AutoencoderKL;model=x", "-vt", "-vs", "-lra", "l",
           "-lrfs", "0.5", "-ti", "t", "-un", "u", "-te", "+", "-om", "-if", "jpg")


@pytest.mark.parametrize("spec", [s for s in OPTIONS if not s.implemented],
                         ids=lambda s: s.long)
def test_unimplemented_options_raise_not_supported_yet(spec):
    argv = ["m", spec.long] + ([] if spec.shape in ("flag", "optlist") else [_sample(spec)])
    with pytest.raises(NotSupportedYet) as info:
        validate(parse_args(argv))
    assert str(info.value) == f"{spec.long} is not supported yet"


def _sample(spec):
    if spec.choices:
        return spec.choices[0]
    return {"INT": "4", "FLOAT": "1.0", "PAD": "8", "CSV_FLOAT": "1,1,1,1", "CSV_INT": "10,47",
            "CSV_FLOAT_OR_EXPRESSION": "1.0", "CLASS_FILTER": "0"}.get(spec.kind, "x")


@pytest.mark.parametrize("mt", ["sd3-pix2pix"])
def test_unimplemented_model_types(mt):
    with pytest.raises(NotSupportedYet, match=f"--model-type {mt} is not supported yet"):
        _check("m", "-mt", mt)


@pytest.mark.parametrize("fmt", ["pt", "pth", "safetensors"])
def test_tensor_image_formats_are_accepted(fmt):
    _check("m", "-if", fmt)


def test_tensor_image_format_rejects_metadata():
    with pytest.raises(UsageError):
        _check("m", "-if", "pt", "--output-metadata")


def test_every_implemented_flag_listed_in_the_brief_is_implemented():
    from dgenerate_core.options import find_option
    for name in ("-mt", "-rev", "-var", "-sbf", "-atk", "-d", "-t", "-v", "-ofm", "-s", "-na",
                 "-o", "-op", "-ox", "-oc", "-om", "-if", "-p", "--second-prompts",
                 "--third-prompts", "-se", "-gse", "-sei", "-gs", "-gr", "-ifs", "-iss", "-bs",
                 "-bgs", "-sch", "-sch2", "-vae", "-vt", "-vs", "-lra", "-lrfs", "-ti", "-un",
                 "-tf", "-te", "--sdxl-refiner", "-hnf", "-sc", "-cs", "--max-sequence-length",
                 "--sdxl-refiner-edit", "-ifs2", "-gs2", "--second-model-prompts",
                 "--second-model-second-prompts", "--sdxl-aesthetic-scores",
                 "--sdxl-refiner-negative-crops-coords-top-left", "-rgr", "-is", "-pag", "-pags",
                 "-pagas", "-rpag", "-rpags", "-rpagas", "-mco", "-mqo", "-mco2", "-mqo2", "-fu",
                 "-rfu", "--plugin-modules", "--set", "--setp", "--file", "--shell",
                 "--no-stdin", "--console", "--version", "--help", "--templates-help",
                 "--directives-help", "--functions-help", "model_path"):
        assert find_option(name).implemented, name


# --- R2 meta arguments ---------------------------------------------------------------------

@pytest.mark.parametrize("argv", [["--shell"], ["--no-stdin"], ["--console"], ["--file", "x"],
                                  ["--set", "a=1"], ["--setp", "a=1"]])
def test_meta_arguments_rejected_in_scripts(argv):
    _check("m", *argv)
    _fails("meta argument", "m", *argv, in_script=True)


# --- R5 help values --------------------------------------------------------------------------

def test_help_values():
    assert is_help_mode(_check("m", "-sch", "help"))
    assert is_help_mode(_check("m", "-te", "help"))
    assert is_help_mode(_check("--directives-help"))
    assert not is_help_mode(_check("m"))
    _fails("must be the only value", "m", "-sch", "help", "EulerDiscreteScheduler")
    _fails("not accepted", "m", "-te", "helpargs")
    _fails("cannot be combined", "m", "-te", "help", "-sch", "helpargs")


def test_check_model_path():
    check_model_path(parse_args(["m"]))
    check_model_path(parse_args(["--directives-help"]))
    with pytest.raises(UsageError, match="model_path is required"):
        check_model_path(parse_args(["-gs", "4"]))


# --- requires / model type restrictions ----------------------------------------------------

@pytest.mark.parametrize("argv, match", [
    (["-mt", "sdxl", "-hnf", "0.5"], "--sdxl-high-noise-fractions requires --sdxl-refiner"),
    (["-mt", "sdxl", "-rgr", "0.5"], "requires --sdxl-refiner"),
    (["-mt", "sdxl", "--sdxl-refiner-edit"], "requires --sdxl-refiner"),
    (["-mt", "sdxl", "--sdxl-refiner-aesthetic-scores", "6"], "requires --sdxl-refiner"),
    (["-mt", "sdxl", "-rpag"], "requires --sdxl-refiner"),
    (["-mt", "sdxl", "-rfu", "1,1,1,1"], "requires --sdxl-refiner"),
    (["-sch2", "x"], "requires --sdxl-refiner or --s-cascade-decoder"),
    (["-ifs2", "3"], "requires --sdxl-refiner or --s-cascade-decoder"),
    (["-gs2", "3"], "requires --sdxl-refiner or --s-cascade-decoder"),
    (["--second-model-prompts", "x"], "requires --sdxl-refiner or --s-cascade-decoder"),
    (["-mt", "sdxl", "--second-model-second-prompts", "x"], "requires --sdxl-refiner"),
    (["-sei"], "--seeds-to-images requires --image-seeds"),
    (["-iss", "0.5"], "--image-seed-strengths requires --image-seeds"),
    (["-mqo2"], "requires --sdxl-refiner or --s-cascade-decoder"),
])
def test_requires(argv, match):
    _fails(match, "m", *argv)


@pytest.mark.parametrize("argv, match", [
    (["-tf", "t"], "--transformer is not supported for --model-type sd"),
    (["-mt", "sdxl", "-tf", "t"], "--transformer is not supported for --model-type sdxl"),
    (["-mt", "sd3", "-un", "u"], "--unet is not supported for --model-type sd3"),
    (["-mt", "flux", "-un", "u"], "--unet is not supported for --model-type flux"),
    (["--third-prompts", "x"], "--third-prompts is not supported for --model-type sd"),
    (["-mt", "flux", "--third-prompts", "x"], "--third-prompts is not supported"),
    (["--second-prompts", "x"], "--second-prompts is not supported for --model-type sd"),
    (["-mt", "kolors", "--second-prompts", "x"], "--second-prompts is not supported"),
    (["--sdxl-aesthetic-scores", "6"], "--sdxl-aesthetic-scores is not supported"),
    (["-mt", "sd3", "--sdxl-target-sizes", "512"], "--sdxl-target-sizes is not supported"),
    (["--sdxl-refiner", "r"], "--sdxl-refiner is not supported for --model-type sd"),
    (["-mt", "flux", "--sdxl-refiner", "r"], "--sdxl-refiner is not supported"),
    (["--max-sequence-length", "77"], "--max-sequence-length is not supported"),
    (["-mt", "flux", "-pag"], "--pag is not supported for --model-type flux"),
    (["-mt", "sd3", "-fu", "1,1,1,1"], "--freeu-params is not supported"),
    (["-mt", "flux", "-lra", "x", "-ti", "t"], None),
    (["-mt", "sd3", "-ti", "t"], "--textual-inversions is not supported"),
])
def test_model_type_restrictions(argv, match):
    if match is None:
        _check("m", *argv)
    else:
        _fails(match, "m", *argv)


def test_clip_skip_model_types():
    _check("m", "-cs", "1")
    _check("m", "-mt", "sdxl", "-cs", "1")
    _check("m", "-mt", "sd3", "-cs", "1")
    _fails("--clip-skips is not supported for --model-type flux", "m", "-mt", "flux", "-cs", "1")
    _fails("--clip-skips is not supported for --model-type kolors", "m", "-mt", "kolors",
           "-cs", "1")


# --- output rules ----------------------------------------------------------------------------

def test_output_size_alignment():
    _check("m", "-s", "520")
    _check("m", "-mt", "sdxl", "-s", "520x1024")
    _fails("divisible by 16 for --model-type sd3", "m", "-mt", "sd3", "-s", "520")
    _fails("divisible by 16 for --model-type flux", "m", "-mt", "flux", "-s", "1024x520")
    _check("m", "-mt", "flux", "-s", "1024x528")


def test_output_prefix_without_separators():
    _check("m", "-op", "name")
    _fails("--output-prefix must not contain", "m", "-op", "a/b")
    _fails("--output-prefix must not contain", "m", "-op", "a\\b")


@pytest.mark.parametrize("fmt, ok", [("png", True), ("jpg", True), ("jpeg", True),
                                     ("webp", False), ("gif", False)])
def test_metadata_formats(fmt, ok):
    if ok:
        _check("m", "-om", "-if", fmt)
    else:
        _fails("--output-metadata requires --image-format png, jpg or jpeg", "m", "-om",
               "-if", fmt)


def test_metadata_default_format_is_png():
    _check("m", "-om")


def test_rules_are_small_named_functions():
    names = [rule.__name__ for rule in RULES]
    assert len(names) == len(set(names)) >= 25
    assert all(name.startswith("rule_") and rule.__doc__ is not None or name in (
        "rule_model_type_implemented",)
        for name, rule in zip(names, RULES))
