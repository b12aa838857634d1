"""``--help`` text and the option list of ``docs/options.md``, both generated from the table."""

from __future__ import annotations

import textwrap
from pathlib import Path

from dgenerate_core.options.spec import FLAG, GROUPS, LIST, OPTLIST, OptionSpec
from dgenerate_core.options.table import EXCLUSIVE_GROUPS, OPTIONS, find_option
from dgenerate_core.options.values import format_value

WIDTH = 80
DESCRIPTION = (
    "Generate and edit images and animations in batches with Hugging Face diffusers models. "
    "Every option that takes several values multiplies the number of images generated."
)


def _value_syntax(spec: OptionSpec) -> str:
    meta = spec.metavar or "VALUE"
    if spec.shape == FLAG:
        return ""
    if spec.shape == LIST:
        return f"{meta} [{meta} ...]"
    if spec.shape == OPTLIST:
        return f"[{meta} ...]"
    return meta


def _usage_token(spec: OptionSpec) -> str:
    if spec.positional:
        return spec.dest
    syntax = _value_syntax(spec)
    return f"{spec.names[0]} {syntax}".strip()


def format_usage() -> str:
    """The ``usage:`` block, mutually exclusive options joined with ``|``."""
    grouped = {dest: members for members in EXCLUSIVE_GROUPS for dest in members}
    by_dest = {spec.dest: spec for spec in OPTIONS}
    tokens: list[str] = []
    done: set[str] = set()
    positional = []
    for spec in OPTIONS:
        if spec.dest in done:
            continue
        if spec.positional:
            positional.append(spec.dest)
            continue
        members = grouped.get(spec.dest, (spec.dest,))
        done.update(members)
        tokens.append("[" + " | ".join(_usage_token(by_dest[d]) for d in members) + "]")
    tokens += positional
    prefix = "usage: dgenerate "
    lines: list[str] = []
    line = ""
    for token in tokens:
        if line and len(prefix) + len(line) + 1 + len(token) > WIDTH:
            lines.append(line)
            line = token
        else:
            line = f"{line} {token}" if line else token
    lines.append(line)
    return "\n".join((prefix if i == 0 else " " * len(prefix)) + text
                     for i, text in enumerate(lines))


def default_text(spec: OptionSpec) -> str | None:
    """The default shown in help, or None when there is nothing to say."""
    if spec.default_text is not None:
        return spec.default_text
    if spec.default is None or spec.default == []:
        return None
    if spec.is_list:
        return " ".join(format_value(spec.parse, item) or '""' for item in spec.default)
    return format_value(spec.parse, spec.default)


def _header(spec: OptionSpec) -> str:
    if spec.positional:
        return spec.dest
    return f"{', '.join(spec.names)} {_value_syntax(spec)}".rstrip()


def _option_block(spec: OptionSpec) -> str:
    text = spec.help
    default = default_text(spec)
    if default:
        text += f" (default: {default})"
    body = textwrap.fill(text, WIDTH, initial_indent=" " * 8, subsequent_indent=" " * 8,
                         break_on_hyphens=False, break_long_words=False)
    return f"  {_header(spec)}\n{body}"


def format_option_help(name: str) -> str:
    """The help block of one option (any spelling or dest), e.g. for a console tooltip."""
    spec = find_option(name)
    if spec is None:
        raise KeyError(name)
    return _option_block(spec)


def format_help() -> str:
    """The complete ``--help`` text."""
    parts = [format_usage(), "", textwrap.fill(DESCRIPTION, WIDTH), ""]
    parts.append("positional arguments:")
    parts += [_option_block(s) for s in OPTIONS if s.positional]
    for key, title in GROUPS:
        members = [s for s in OPTIONS if s.group == key and not s.positional]
        if not members:
            continue
        parts += ["", f"{title}:"]
        parts += [_option_block(s) for s in members]
    return "\n".join(parts) + "\n"


DECISIONS: tuple[str, ...] = (
    "`-iss` accepts [0, 1]: the manual says greater than 0, but an upstream example script "
    "(sam/manual-adetailer-config.dgen) uses 0.",
    "`-gr` that is not given is not passed to the pipeline at all (the manual's [0.0] is the "
    "pipeline's own default); likewise `-bs` unset stays None (the pipeline makes one image).",
    "RAS ratios `-rsr -rhr -rss` accept the closed range [0, 1]: the manual calls it "
    "non-inclusive, but the `-rhr` default is 1.0.",
    "`--file` takes one or more file names; `--set` and `--setp` take one or more "
    "`name=value` pairs, may repeat, and their common order is kept.",
    "Singular/plural aliases exist exactly where the reference has them (the seven scheduler and "
    "prompt upscaler options); the dest is the plural spelling.",
    "An option given twice keeps its last value, except `--set` / `--setp` which accumulate.",
    "Parsed values: sizes `(width, height)`, coordinates `(x, y)`, paddings normalised to "
    "`(left, top, right, bottom)`, FreeU 4-tuples, `-rer` tuples of ints, "
    "`--sada-acc-ranges` `(start, end)`; sigmas stay text (CSV or `expr: ...`).",
    "Enumerations (model type, dtype, image and animation format, RAS metric, mask shape, "
    "quantizer submodule) are case-insensitive and stored lower-case.",
    "FreeU accepts every UNet model type (sd, pix2pix, sdxl, sdxl-pix2pix, kolors, upscalers); "
    "`--vae` and `--transformer` also accept the sd3/flux variants (sd3-pix2pix, flux-fill, "
    "flux-kontext); `--second-prompts` is for sdxl, sdxl-pix2pix, sd3* and flux*.",
    "`--clip-skips` is for sd, sdxl, sd3 and sd3-pix2pix, or any model type with "
    "`--prompt-weighter`.",
    "List rules are checked over every combination: each `--ras-start-steps` must not exceed each "
    "`--ras-end-steps`; each `--sada-lagrange-steps` must be a multiple of each "
    "`--sada-lagrange-ints` (model defaults fill a missing side).",
    "Help listings (`--directives-help` ...) are not required to stand alone; extra options "
    "are ignored by them.",
    "`--gen-seeds N` is kept as a count; the seeds are drawn when rendering.",
    "Reconstructed command lines use long option names, the model path first, and quote values "
    "so that `shlex.split` returns them unchanged.",
)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def options_markdown() -> str:
    """The generated ``docs/options.md``: one table per help section."""
    out = [
        "# dgenerate options",
        "",
        "Generated from the option table (`dgenerate_core/options/`) by",
        "`python -m dgenerate_core.options`; do not edit by hand.",
        "",
        "Options whose values are tried in turn multiply the number of generation steps "
        "(column ×).",
        "Each option is one attribute of `RenderOptions` (its dest: the long name with dashes "
        "turned into underscores, plural where the option has a plural spelling); an option not "
        "given is `None` (flags `False`), and `RenderOptions.get(dest)` applies the default shown "
        "here.",
    ]
    for key, title in GROUPS:
        members = [s for s in OPTIONS if s.group == key]
        if not members:
            continue
        out += ["", f"## {title}", "",
                "| option | value | default | × | `RenderOptions` attribute | description |",
                "|---|---|---|---|---|---|"]
        for spec in members:
            names = ", ".join(f"`{n}`" for n in spec.names)
            value = f"`{_value_syntax(spec)}`" if spec.shape != FLAG else "flag"
            default = default_text(spec) or ""
            out.append(f"| {names} | {_md_cell(value)} | {_md_cell(default)} | "
                       f"{'×' if spec.product else ''} | `{spec.dest}` | {_md_cell(spec.help)} |")
    out += ["", "## Decisions on ambiguities of the manual", ""]
    out += [f"- {line}" for line in DECISIONS]
    return "\n".join(out) + "\n"


DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "options.md"


def write_options_doc(path: Path = DOC_PATH) -> Path:
    """Regenerate ``docs/options.md``."""
    path.write_text(options_markdown(), encoding="utf-8")
    return path
