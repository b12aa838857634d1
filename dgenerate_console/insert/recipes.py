"""Recipe files: a ``title:`` line, an ``order:`` line, then a command template whose
``@kind[{json}]`` placeholders become form fields (config-console.md §9.6).

Pure logic, no Tk: parsing, field labels / help / value checks from the option table, and
rendering the filled-in template to ``.dgen`` text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from dgenerate_core.errors import DgenerateError
from dgenerate_core.options import OptionSpec, find_option
from dgenerate_console.insert.quoting import force_quote, quote_token

# every field kind of the reference's recipe format
ALL_KINDS: tuple[str, ...] = (
    "uri", "file", "dir", "dropdown", "karrasscheduler", "switch", "switchradio",
    "conditionalcheckboxes", "checkboxwithtwointargs", "checkboxwithfloatarg", "int", "float",
    "string", "seeds", "imagesize", "imageseed", "imageprocessor", "latentsprocessor",
    "promptupscaler", "promptweighter", "quantizer", "submodel", "submodelbuilder",
    "imageformat", "device", "uriwithfloat", "uriwithfloatarg",
)
# kinds that expand into a main field plus dependent fields (see ``_expand``)
COMPOSITE_KINDS: frozenset[str] = frozenset((
    "checkboxwithfloatarg", "checkboxwithtwointargs", "conditionalcheckboxes", "uriwithfloat",
    "uriwithfloatarg",
))
_FIELD_KEYS = frozenset((
    "arg", "label", "help", "default", "optional", "options", "quote", "mode", "filetypes",
))
_COMPOSITE_KEYS = frozenset(("args", "float_arg", "int_args", "defaults", "uri_key"))
_SWITCHES = ("switch", "switchradio")
# a field with a default that gives way when the other field is filled: its pre-filled value
# must never conflict (``--gen-seeds 1`` beside given ``--seeds``)
YIELDS_TO: dict[str, str] = {"--gen-seeds": "--seeds"}
_PLACEHOLDER = re.compile(r"@([a-z]+)\[")
_SIZE = re.compile(r"^\d+(x\d+)?$")


class RecipeError(DgenerateError):
    """A recipe file that cannot be read (bad header, unknown field kind, bad JSON)."""


@dataclass
class Field:
    """One form field: where its value goes (``arg``), how it is shown and checked."""

    kind: str
    arg: str | None = None
    label: str = ""
    help: str = ""
    default: Any = None
    optional: bool = True
    options: tuple[str, ...] = ()
    quote: bool = False
    mode: str = "open"
    filetypes: tuple[tuple[str, str], ...] = ()
    option: OptionSpec | None = None
    depends: int | None = None     # index of the field that switches this one on
    uri_key: str | None = None     # merged into the controlling URI as ``;key=value``
    yields_to: int | None = None   # index of the field that, when filled, turns this one off

    @property
    def display_label(self) -> str:
        """The label as the form shows it, in plain words: ``VAE (optional)``; the option
        name stays in the help beside it (:attr:`help_text`)."""
        text = plain_label(self.label)
        return f"{text} (optional)" if self.optional else text

    @property
    def help_text(self) -> str:
        """``--vae: <help>`` for option fields, else the help."""
        if self.label.startswith("-") and self.help:
            return f"{self.label}: {self.help}"
        return self.help

    @property
    def default_text(self) -> str:
        """The default as entry text (booleans: ``"true"``/``""``)."""
        if self.default is None or self.default is False:
            return ""
        if self.default is True:
            return "true"
        return str(self.default)


@dataclass
class Recipe:
    """A parsed recipe: ``parts`` alternate template text and :class:`Field` objects."""

    title: str
    order: int
    parts: list[str | Field] = field(default_factory=list)
    source: str = ""

    @property
    def fields(self) -> list[Field]:
        return [p for p in self.parts if isinstance(p, Field)]

    def defaults(self) -> dict[int, str]:
        """Field index → default entry text."""
        return {i: f.default_text for i, f in enumerate(self.fields)}

    def validate(self, values: Mapping[int, str]) -> list[str]:
        """One message per bad field (empty when the values can be rendered)."""
        problems = []
        for index, fld in enumerate(self.fields):
            if not self.active(index, values):
                continue
            problem = check_value(fld, values.get(index, ""))
            if problem:
                problems.append(problem)
        return problems

    def active(self, index: int, values: Mapping[int, str]) -> bool:
        """Whether field ``index`` counts: its controlling switch is on / URI is given, and the
        field it gives way to is empty."""
        fld = self.fields[index]
        if fld.yields_to is not None and values.get(fld.yields_to, "").strip():
            return False
        if fld.depends is None:
            return True
        value = values.get(fld.depends, "").strip()
        return is_on(value) if self.fields[fld.depends].kind == "switch" else bool(value)

    def _merged(self, values: Mapping[int, str]) -> dict[int, str]:
        """Field index → its value with the ``;key=value`` arguments of its URI sub-fields."""
        merged = {i: values.get(i, "") for i in range(len(self.fields))}
        for index, fld in enumerate(self.fields):
            text = values.get(index, "").strip()
            if fld.uri_key and self.active(index, values) and text and text != fld.default_text:
                merged[fld.depends] = merged[fld.depends].strip() + f";{fld.uri_key}={text}"
        return merged

    def render(self, values: Mapping[int, str]) -> str:
        """The command text; fields left empty emit nothing, lines left blank by them vanish."""
        merged = self._merged(values)
        out: list[str] = []
        index = 0
        for part in self.parts:
            if isinstance(part, Field):
                live = self.active(index, values) and not part.uri_key
                out.append((emit(part, merged[index]) if live else "") or "\0")
                index += 1
            else:
                out.append(part)
        lines = []
        for line in "".join(out).split("\n"):
            if "\0" in line:
                line = line.replace("\0", "").rstrip()
                line = re.sub(r"  +", " ", line) if line.strip() else ""
                if not line:
                    continue
            lines.append(line.rstrip())
        return "\n".join(lines).strip("\n")


def _header(lines: list[str], key: str, source: str) -> str:
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines or not lines[0].startswith(f"{key}:"):
        raise RecipeError(f'recipe {source}: expected a "{key}:" line')
    return lines.pop(0)[len(key) + 1:].strip()


def _option_field(fld: Field, raw: Mapping[str, Any], source: str) -> None:
    """Take label, help and choices of a field whose ``arg`` is a dgenerate option."""
    spec = find_option(fld.arg) if fld.arg and fld.arg.startswith("-") else None
    if spec is None:
        if not raw.get("label"):
            raise RecipeError(f'recipe {source}: field "{fld.kind}" needs a "label"')
        return
    if "label" in raw:
        raise RecipeError(f"recipe {source}: the label of {fld.arg} comes from the option table")
    if fld.arg not in spec.names:
        raise RecipeError(f"recipe {source}: {fld.arg} is not a spelling of {spec.long}")
    fld.option = spec
    fld.label = spec.long
    fld.help = spec.help
    if spec.choices and not fld.options:
        fld.options = tuple(spec.choices)
    if fld.kind == "switch" and spec.takes_value:
        raise RecipeError(f"recipe {source}: {spec.long} takes a value, not a switch field")


def make_fields(kind: str, raw: Mapping[str, Any], source: str) -> list[Field]:
    """The fields of one placeholder: one, or a main field and its dependents (composites)."""
    if kind not in ALL_KINDS:
        raise RecipeError(f'recipe {source}: unknown field kind "@{kind}"')
    allowed = _FIELD_KEYS | (_COMPOSITE_KEYS if kind in COMPOSITE_KINDS or kind == "switchradio"
                             else frozenset())
    unknown = set(raw) - allowed
    if unknown:
        raise RecipeError(f"recipe {source}: unknown field key(s) {', '.join(sorted(unknown))}")
    if kind == "switchradio":
        return [_switch_radio(raw, source)]
    if kind in COMPOSITE_KINDS:
        return _expand(kind, raw, source)
    return [make_field(kind, raw, source)]


def _switch_radio(raw: Mapping[str, Any], source: str) -> Field:
    """One choice among several flag options (e.g. the two offload modes), or none."""
    specs = [find_option(a) for a in raw.get("args", ())]
    if len(specs) < 2 or any(s is None or s.takes_value for s in specs):
        raise RecipeError(f"recipe {source}: switchradio needs two or more flag options")
    return Field(kind="switchradio", label=" | ".join(s.long for s in specs),
                 help="\n".join(f"{s.long}: {s.help}" for s in specs),
                 default=raw.get("default"), options=tuple(s.long for s in specs))


def _expand(kind: str, raw: Mapping[str, Any], source: str) -> list[Field]:
    """A switch or URI field followed by the fields it switches on."""
    main_kind = "switch" if kind.startswith(("checkbox", "conditional")) else "submodel"
    main_raw = {k: v for k, v in raw.items() if k in _FIELD_KEYS}
    fields = [make_field(main_kind, main_raw, source)]
    defaults = list(raw.get("defaults", ()))
    if kind == "conditionalcheckboxes":
        subs = [("switch", a) for a in raw.get("args", ())]
    elif kind == "checkboxwithtwointargs":
        subs = [("int", a) for a in raw.get("int_args", ())]
    elif kind == "uriwithfloatarg":
        subs = [("float", None)]
    else:
        subs = [("float", raw.get("float_arg"))]
    if not subs or (kind == "checkboxwithtwointargs" and len(subs) != 2):
        raise RecipeError(f"recipe {source}: @{kind} is missing its dependent arguments")
    for number, (sub_kind, arg) in enumerate(subs):
        sub_raw: dict[str, Any] = {"default": defaults[number] if number < len(defaults) else None}
        if arg is None:
            key = raw.get("uri_key") or ""
            sub_raw["label"] = f"{fields[0].label} {key}"
            sub_raw["help"] = f'The "{key}" argument of the {fields[0].label} URI.'
        else:
            sub_raw["arg"] = arg
        sub = make_field(sub_kind, sub_raw, source)
        sub.uri_key = raw.get("uri_key") if arg is None else None
        fields.append(sub)
    return fields


def make_field(kind: str, raw: Mapping[str, Any], source: str) -> Field:
    """Build one plain field from its placeholder JSON."""
    if kind == "submodelbuilder":
        kind = "submodel"
    fld = Field(kind=kind, arg=raw.get("arg"), label=raw.get("label", ""), help=raw.get("help", ""),
                default=raw.get("default"), optional=bool(raw.get("optional", True)),
                options=tuple(raw.get("options", ())), quote=bool(raw.get("quote", False)),
                mode=raw.get("mode", "open"),
                filetypes=tuple(tuple(t) for t in raw.get("filetypes", ())))
    _option_field(fld, raw, source)
    if kind == "dropdown" and not fld.options:
        raise RecipeError(f"recipe {source}: dropdown {fld.label} has no options")
    return fld


def parse_recipe(text: str, source: str = "<recipe>") -> Recipe:
    """Parse recipe text; raises :class:`RecipeError` for a malformed file."""
    lines = text.replace("\r\n", "\n").split("\n")
    title = _header(lines, "title", source)
    order_text = _header(lines, "order", source)
    try:
        order = int(order_text)
    except ValueError:
        raise RecipeError(f'recipe {source}: order "{order_text}" is not an integer') from None
    body = "\n".join(lines).strip("\n")
    recipe = Recipe(title=title, order=order, source=source)
    decoder = json.JSONDecoder()
    pos = 0
    for match in _PLACEHOLDER.finditer(body):
        if match.start() < pos:
            continue
        try:
            raw, end = decoder.raw_decode(body, match.end())
        except json.JSONDecodeError as ex:
            raise RecipeError(f"recipe {source}: bad JSON in @{match.group(1)}: {ex.msg}") from None
        if not isinstance(raw, dict) or body[end:end + 1] != "]":
            raise RecipeError(f"recipe {source}: @{match.group(1)}[...] needs one JSON object")
        recipe.parts.append(body[pos:match.start()])
        base = len(recipe.fields)
        for number, fld in enumerate(make_fields(match.group(1), raw, source)):
            if number:
                fld.depends = base
                recipe.parts.append("\n")
            recipe.parts.append(fld)
        pos = end + 1
    recipe.parts.append(body[pos:])
    _link_yielding(recipe.fields)
    return recipe


def _link_yielding(fields: list[Field]) -> None:
    by_arg = {fld.arg: index for index, fld in enumerate(fields) if fld.arg}
    for fld in fields:
        other = YIELDS_TO.get(fld.arg or "")
        if other in by_arg:
            fld.yields_to = by_arg[other]


_WORDS = {"vae": "VAE", "hf": "HF", "uri": "URI", "uris": "URIs", "dtype": "Data type",
          "pag": "PAG", "sdxl": "SDXL", "lora": "LoRA", "loras": "LoRAs", "t2i": "T2I",
          "ip": "IP", "id": "ID", "ids": "IDs", "freeu": "FreeU", "sada": "SADA",
          "cpu": "CPU", "gpu": "GPU", "ras": "RAS", "tea": "TEA", "cfg": "CFG"}


def plain_label(label: str) -> str:
    """``--inference-steps`` → ``Inference steps``; ``--vae`` → ``VAE``; a choice of
    options (``--a | --b``) becomes ``A / B``; other labels stay as they are."""
    if not label.startswith("-"):
        return label
    parts = []
    for choice in label.split(" | "):
        words = choice.strip().lstrip("-").replace("-", " ").split()
        words = [_WORDS.get(w.lower(), w) for w in words]
        if words and words[0] == words[0].lower():
            words[0] = words[0].capitalize()
        parts.append(" ".join(words))
    return " / ".join(parts)


def load_recipes(folder: Path | None = None) -> list[Recipe]:
    """Every ``*.recipe`` file of the recipes folder, sorted by ``order`` then title."""
    from dgenerate_console.insert.resources import recipes_dir

    folder = folder or recipes_dir()
    recipes = [parse_recipe(p.read_text(encoding="utf-8"), p.name)
               for p in sorted(folder.glob("*.recipe"))]
    return sorted(recipes, key=lambda r: (r.order, r.title))


def _tokens(fld: Field, value: str) -> list[str]:
    if fld.kind == "seeds":
        return value.replace(",", " ").split()
    return [value]


def is_on(value: str) -> bool:
    """A switch value that means checked."""
    return value.strip().lower() in ("1", "true", "yes", "on")


def check_value(fld: Field, value: str) -> str | None:
    """Why ``value`` is not acceptable for ``fld`` (None when it is)."""
    value = value.strip()
    if fld.kind == "switch":
        return None
    if fld.kind == "switchradio":
        ok = not value or value in fld.options
        return None if ok else f"{fld.label}: {value!r} is not one of {', '.join(fld.options)}"
    if not value:
        return None if fld.optional else f"{fld.label}: a value is required"
    for token in _tokens(fld, value):
        problem = _check_token(fld, token)
        if problem:
            return f"{fld.label}: {problem}"
    return None


def _check_token(fld: Field, token: str) -> str | None:
    if fld.option is not None and fld.option.parse is not None:
        try:
            fld.option.parse(token)
        except (ValueError, DgenerateError) as ex:
            return str(ex)
    try:
        if fld.kind in ("int", "seeds"):
            int(token)
        elif fld.kind == "float":
            float(token)
    except ValueError:
        return f"expected {'an integer' if fld.kind != 'float' else 'a number'}, got {token!r}"
    if fld.kind == "imagesize" and not _SIZE.match(token):
        return f"expected WIDTHxHEIGHT or WIDTH, got {token!r}"
    if fld.options and fld.kind in ("dropdown", "imageformat") and token not in fld.options:
        return f"{token!r} is not one of {', '.join(fld.options)}"
    return None


def emit(fld: Field, value: str) -> str:
    """The text a field puts into the command: ``--arg value``, ``--arg``, ``value`` or ``""``."""
    value = value.strip() if not fld.quote else value
    if fld.kind == "switch":
        return (fld.arg or "") if is_on(value) else ""
    if fld.kind == "switchradio":
        return value if value in fld.options else ""
    if not value.strip():
        return ""
    values = " ".join(force_quote(t) if fld.quote else quote_token(t)
                      for t in _tokens(fld, value))
    return f"{fld.arg} {values}" if fld.arg else values


def field_labels(recipes: Iterable[Recipe]) -> set[str]:
    """All labels used by ``recipes`` (for tests and docs)."""
    return {f.label for r in recipes for f in r.fields}
