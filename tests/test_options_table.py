"""The option table against the reference --help: every name, alias, metavar; help and docs."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from dgenerate_core.options import (
    BY_DEST, FLAG, LIST, ONE, OPTIONS, OPTLIST, find_option, format_help, list_options,
    options_markdown, parse_args,
)
from dgenerate_core.options.helpgen import DOC_PATH
from dgenerate_core.options.spec import GROUPS

# the shared spec folder sits beside the repository (here and in CI)
HELP = Path(__file__).resolve().parents[2] / "shared" / "spec" / "reference-help" / "help.txt"


def _reference_headers() -> list[str]:
    return [m.group(1) for line in HELP.read_text().splitlines()
            if (m := re.match(r"^  (-\S.*)$", line))]


def _shape(first: list[str], header: str) -> str:
    if len(first) == 1:
        return FLAG
    if first[1].startswith("["):
        return OPTLIST
    return LIST if "..." in header else ONE


REFERENCE = _reference_headers() if HELP.exists() else []
needs_help = pytest.mark.skipif(not HELP.exists(), reason="reference help.txt not available")


#: options of our own, beyond the reference's 186 (docs/distributed.md for --ranks)
OWN_OPTIONS = {"ranks"}


def test_table_has_186_options_plus_model_path():
    assert {s.dest for s in OPTIONS} >= OWN_OPTIONS
    assert len(OPTIONS) == 187 + len(OWN_OPTIONS)
    assert sum(1 for s in OPTIONS if s.positional) == 1
    assert OPTIONS == tuple(list_options())


@needs_help
def test_reference_has_186_option_headers():
    assert len(REFERENCE) == 186


@needs_help
@pytest.mark.parametrize("header", REFERENCE)
def test_every_reference_spelling_is_recognised(header):
    spellings = [part.split()[0] for part in header.split(", ")]
    specs = {find_option(s) for s in spellings}
    assert None not in specs and len(specs) == 1, header
    spec = specs.pop()
    assert set(spellings) == set(spec.names)
    first = header.split(", ")[0].split()
    if spec.dest not in ("file", "set", "setp"):  # meta options that take values here
        assert spec.shape == _shape(first, header)
        if len(first) > 1:
            assert spec.metavar == first[1].strip("[")


@needs_help
@pytest.mark.parametrize("header", REFERENCE)
def test_every_spelling_parses(header):
    for spelling in (part.split()[0] for part in header.split(", ")):
        spec = find_option(spelling)
        argv = ["model", spelling] + ([] if spec.shape in (FLAG, OPTLIST) else [_sample(spec)])
        opts = parse_args(argv)
        assert spec.dest in opts.explicit
        assert opts.model_path == "model"


_SAMPLES = {"INT": "4", "FLOAT": "1.0", "SIZE": "512x512", "COORD": "0,0", "PAD": "8",
            "CSV_FLOAT": "1.0,1.0,1.0,1.0", "CSV_INT": "4,8", "ASSIGNMENT": "x=1",
            "DEVICE": "cpu", "CLASS_FILTER": "0", "CSV_FLOAT_OR_EXPRESSION": "1.0,0.5"}


def _sample(spec) -> str:
    if spec.choices:
        return spec.choices[0]
    if spec.dest == "sada_acc_ranges":
        return "10,47"
    return _SAMPLES.get(spec.kind, "value")


def test_plural_and_singular_aliases():
    for singular, plural, dest in (
        ("--scheduler", "--schedulers", "schedulers"),
        ("--second-model-scheduler", "--second-model-schedulers", "second_model_schedulers"),
        ("--prompt-upscaler", "--prompt-upscalers", "prompt_upscalers"),
        ("--second-model-prompt-upscaler", "--second-model-prompt-upscalers",
         "second_model_prompt_upscalers"),
        ("--second-model-second-prompt-upscaler", "--second-model-second-prompt-upscalers",
         "second_model_second_prompt_upscalers"),
        ("--second-prompt-upscaler", "--second-prompt-upscalers", "second_prompt_upscalers"),
        ("--third-prompt-upscaler", "--third-prompt-upscalers", "third_prompt_upscalers"),
    ):
        a = parse_args(["m", singular, "x"])
        b = parse_args(["m", plural, "x"])
        assert getattr(a, dest) == getattr(b, dest) == ["x"]
        assert find_option(singular).long == plural


def test_dest_naming():
    for dest in ("guidance_scales", "inference_steps", "schedulers", "image_seeds", "output_size",
                 "model_path", "model_type", "sdxl_high_noise_fractions", "loras", "vae",
                 "seeds", "gen_seeds", "seeds_to_images", "batch_size", "batch_grid_size",
                 "output_path", "output_prefix", "output_overwrite", "output_configs",
                 "output_metadata", "image_format", "device", "dtype", "verbose",
                 "prompt_upscalers", "second_model_schedulers", "text_encoders"):
        assert dest in BY_DEST, dest
    for spec in OPTIONS:
        if not spec.positional:
            assert spec.long[2:].replace("-", "_") == spec.dest


def test_meta_flags():
    meta = {s.dest for s in OPTIONS if s.meta}
    assert meta == {"file", "shell", "no_stdin", "console", "set", "setp", "ranks"}


def test_every_option_has_group_and_help():
    keys = {k for k, _ in GROUPS}
    for spec in OPTIONS:
        assert spec.group in keys, spec.dest
        assert spec.help and len(spec.help) < 400, spec.dest


def test_format_help_lists_every_option():
    text = format_help()
    assert text.startswith("usage: dgenerate ")
    for spec in OPTIONS:
        header = spec.dest if spec.positional else ", ".join(spec.names)
        assert f"\n  {header}" in text, spec.dest
    for _, title in GROUPS:
        assert f"\n{title}:\n" in text
    assert "[-cn CONTROLNET_URI [CONTROLNET_URI ...] | -t2i" in text
    assert "[-mqo | -mco]" in text and "[-om | -oam]" in text


def test_docs_options_md_is_up_to_date():
    assert DOC_PATH.read_text(encoding="utf-8") == options_markdown(), \
        "docs/options.md is stale: run python -m dgenerate_core.options"


def test_docs_list_every_option():
    text = options_markdown()
    for spec in OPTIONS:
        assert f"`{spec.names[0]}`" in text


def test_import_does_not_load_torch():
    code = ("import sys; import dgenerate_core.options as o, dgenerate_core.uri; "
            "o.validate(o.parse_args(['m', '-gs', '4'])); o.format_help(); "
            "bad = [m for m in ('torch', 'diffusers', 'transformers', 'numpy') "
            "if m in sys.modules];"
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_product_axes():
    product = {s.dest for s in OPTIONS if s.product}
    for dest in ("prompts", "seeds", "guidance_scales", "inference_steps", "schedulers",
                 "second_model_schedulers", "image_seed_strengths", "clip_skips",
                 "sdxl_high_noise_fractions", "sdxl_aesthetic_scores", "pag_scales",
                 "freeu_params", "guidance_rescales", "second_model_guidance_scales"):
        assert dest in product, dest
    for dest in ("loras", "image_seeds", "control_nets", "textual_inversions", "post_processors",
                 "prompt_upscalers", "batch_size", "output_size"):
        assert dest not in product, dest
    assert all(BY_DEST[d].shape in (LIST, OPTLIST) for d in product - {"gen_seeds"})
    assert len(product) == 76


def test_format_option_help():
    from dgenerate_core.options import format_option_help
    text = format_option_help("-gs")
    assert text.startswith("  -gs, --guidance-scales FLOAT [FLOAT ...]\n")
    assert "(default: 5.0)" in text
    assert format_option_help("guidance_scales") == text
    with pytest.raises(KeyError):
        format_option_help("--nope")


def test_readme_status_block_is_up_to_date():
    from dgenerate_core.options.status import README_PATH, status_markdown
    assert status_markdown() in README_PATH.read_text(encoding="utf-8"), (
        "README.md status is stale: run python -m dgenerate_core.options")


def test_status_lists_exactly_the_unimplemented_options():
    from dgenerate_core.options.status import status_markdown, unimplemented_options
    text = status_markdown()
    assert "`--quantizer`" not in text and "`--adetailer-detectors`" not in text
    assert "`--guidance-scales`" not in text
    assert all(f"`{s.names[-1]}`" in text for s in unimplemented_options())
