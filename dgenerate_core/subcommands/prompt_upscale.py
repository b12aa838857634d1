"""``--sub-command prompt-upscale`` and its parser (shared with the ``\\prompt_upscale``
directive, which adds ``--setp``): run prompt upscalers on prompts without generating images,
and print or write the results as text, json, toml or yaml."""

from __future__ import annotations

import json
import shlex
import sys
from typing import Sequence

from dgenerate_core.errors import UsageError
from dgenerate_core.registries.subcommands import register_sub_command
from dgenerate_core.options.reconstruct import quote as dgenerate_quote
from dgenerate_core.subcommands.base import SubCommand
from dgenerate_core.subcommands.image_process import _HelpShown, _Parser
from dgenerate_core.prompts.expand import upscale_plain
from dgenerate_core import plugins

DESCRIPTION = "Upscale prompts without performing image generation."
FORMATS = ("text", "json", "toml", "yaml")
QUOTES = ("none", "shell", "dgenerate")


def build_parser(prog: str, directive: bool = False) -> _Parser:
    p = _Parser(prog=prog, description=DESCRIPTION, allow_abbrev=False)
    p.add_argument("-p", "--prompts", nargs="+", required=True, metavar="PROMPTS",
                   help="Prompts, as for dgenerate --prompts; the embedded <upscaler: ...> "
                        "argument is understood, other embedded arguments are left in the "
                        "prompt.")
    p.add_argument("-u", "--upscaler", "--upscalers", nargs="+", dest="upscalers", default=[],
                   metavar="PROMPT_UPSCALER_URI",
                   help="Prompt upscaler URIs applied to every prompt, chained in order.")
    p.add_argument("-d", "--device", help="Device for upscalers that use one (default: the "
                                          "system's default device).")
    p.add_argument("-of", "--output-format", default="text", choices=FORMATS,
                   help="Output format: text (default), json, toml or yaml.")
    p.add_argument("-o", "--output", help="Output file (default: print to stdout).")
    p.add_argument("-q", "--quote", default="none", choices=QUOTES,
                   help="Quoting of --output-format text: none (default), shell (shlex) or "
                        "dgenerate (config script syntax).")
    p.add_argument("-ofm", "--offline-mode", action="store_true",
                   help="Download nothing that is not on disk already.")
    p.add_argument("--plugin-modules", nargs="+", metavar="PATH", default=[],
                   help="Plugin modules that may add prompt upscalers.")
    if directive:
        p.add_argument("--setp", metavar="VARIABLE",
                       help="Set this template variable to the list of upscaled prompts "
                            "instead of printing them (only --prompts and --upscaler apply).")
    return p


def _split(text: str) -> dict:
    positive, sep, negative = text.partition(";")
    return {"positive": positive.strip(), "negative": negative.strip() if sep else None}


def render_output(prompts: list[str], fmt: str, quote: str) -> str:
    """The upscaled prompts in ``fmt`` (text lines quoted by ``quote``)."""
    if fmt == "text":
        if quote == "shell":
            return "\n".join(shlex.quote(p) for p in prompts)
        if quote == "dgenerate":
            return "\n".join(dgenerate_quote(p) for p in prompts)
        return "\n".join(prompts)
    items = [_split(p) for p in prompts]
    if fmt == "json":
        return json.dumps(items, indent=4, ensure_ascii=False)
    if fmt == "yaml":
        import yaml

        return yaml.safe_dump(items, allow_unicode=True, sort_keys=False).rstrip()
    blocks = []
    for item in items:
        lines = ["[[prompts]]", "positive = " + json.dumps(item["positive"], ensure_ascii=False)]
        if item["negative"] is not None:
            lines.append("negative = " + json.dumps(item["negative"], ensure_ascii=False))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def prompt_upscale(args: Sequence[str], prog: str = "prompt-upscale", offline: bool = False,
                   directive: bool = False) -> tuple[list[str], str | None] | int:
    """Run prompt-upscale; returns (prompts, --setp variable) or the status after --help."""

    parser = build_parser(prog, directive)
    try:
        ns = parser.parse_args(list(args))
    except _HelpShown as shown:
        return shown.status
    setp = getattr(ns, "setp", None)
    if setp is not None and (ns.output or ns.output_format != "text" or ns.quote != "none"
                             or ns.device):
        raise UsageError(f"{prog}: --setp only works with --prompts and --upscaler")
    if ns.plugin_modules:
        plugins.load_plugin_modules(ns.plugin_modules)
    # no device given: the upscalers that run models pick the best one (dynamicprompts alone
    # never imports torch)
    context = {"local_files_only": offline or ns.offline_mode, "default_device": ns.device}
    prompts = upscale_plain(ns.prompts, ns.upscalers, context)
    if setp is not None:
        return prompts, setp
    text = render_output(prompts, ns.output_format, ns.quote)
    if ns.output:
        try:
            with open(ns.output, "w", encoding="utf-8") as f:
                f.write(text + "\n")
        except OSError as ex:
            raise UsageError(f'{prog}: --output "{ns.output}": {ex.strerror or ex}') from None
    else:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    return prompts, None


@register_sub_command
class PromptUpscaleSubCommand(SubCommand):
    """Upscale prompts without performing image generation.

    This runs prompt upscalers on prompts and prints the results (or writes them to a file) as
    text, json, toml or yaml.

    Example:
        dgenerate --sub-command prompt-upscale --prompts "a {cat|dog} on a bench" -u dynamicprompts -of yaml

    See: dgenerate --sub-command prompt-upscale --help
    """

    NAMES = ("prompt-upscale",)

    def __call__(self) -> int:
        result = prompt_upscale(self.args, "dgenerate --sub-command prompt-upscale",
                                self.local_files_only)
        return result if isinstance(result, int) else 0
