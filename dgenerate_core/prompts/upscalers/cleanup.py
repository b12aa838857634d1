"""Cleaning up LLM output: the built-in cleanup, spaCy ``smart-truncate``, and the user's
``cleanup-config`` (json, toml or yaml: an ordered list of regex substitutions and python
functions, usage.md §12.1)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
from typing import Any, Callable

_FLAGS = {"ignore_case": re.IGNORECASE, "ignorecase": re.IGNORECASE,
          "multiline": re.MULTILINE, "dotall": re.DOTALL}


def basic(text: str) -> str:
    """One line: whitespace runs collapsed, stray quotes and separators at the ends removed."""
    text = " ".join(text.split())
    return text.strip(" \"'`,;")


def _read(path: str) -> Any:
    ext = os.path.splitext(path)[1].lower()
    with open(path, "rb") as f:
        data = f.read()
    if ext == ".json":
        return json.loads(data.decode("utf-8"))
    if ext == ".toml":
        import tomllib

        return tomllib.loads(data.decode("utf-8")).get("operations", [])
    if ext in (".yaml", ".yml"):
        import yaml

        return yaml.safe_load(data.decode("utf-8")) or []
    raise ValueError(f'cleanup-config "{path}" must be a .json, .toml or .yaml file')


def _function(spec: str, base: str) -> Callable[[str], str]:
    file, sep, name = spec.rpartition(":")
    if not sep or not file or not name:
        raise ValueError(f'cleanup-config: function "{spec}" must be "file.py:function"')
    path = file if os.path.isabs(file) else os.path.join(base, file)
    module_spec = importlib.util.spec_from_file_location(
        "dgenerate_cleanup_" + re.sub(r"\W", "_", os.path.abspath(path)), path)
    if module_spec is None or not os.path.isfile(path):
        raise ValueError(f'cleanup-config: no python file "{path}"')
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    fn = getattr(module, name, None)
    if not callable(fn):
        raise ValueError(f'cleanup-config: "{path}" has no function "{name}"')
    return fn


def _substitution(op: dict) -> Callable[[str], str]:
    flags = 0
    for key, flag in _FLAGS.items():
        if op.get(key):
            flags |= flag
    try:
        pattern = re.compile(op["pattern"], flags)
    except re.error as ex:
        raise ValueError(f'cleanup-config: bad pattern {op["pattern"]!r}: {ex}') from None
    substitution = str(op.get("substitution", ""))
    count = int(op.get("count", 0))
    return lambda text: pattern.sub(substitution, text, count=count)


def load_config(path: str) -> list[Callable[[str], str]]:
    """The operations of a cleanup config file, in order."""
    if not os.path.isfile(path):
        raise ValueError(f'cleanup-config: no such file "{path}"')
    ops = _read(path)
    if not isinstance(ops, list):
        raise ValueError(f'cleanup-config "{path}" must hold a list of operations')
    base = os.path.dirname(os.path.abspath(path))
    out = []
    for op in ops:
        if not isinstance(op, dict) or ("function" in op) == ("pattern" in op):
            raise ValueError(f'cleanup-config: each operation needs "function" or "pattern", '
                             f"got {op!r}")
        out.append(_function(op["function"], base) if "function" in op else _substitution(op))
    return out


def smart_truncate(text: str) -> str:
    """Drop an unfinished last sentence (spaCy's sentence splitter)."""
    if importlib.util.find_spec("spacy") is None:
        raise ValueError('smart-truncate needs the Python package "spacy" and its '
                         '"en_core_web_sm" model, which are not installed')
    import spacy

    try:
        nlp = spacy.load("en_core_web_sm")
    except OSError:
        raise ValueError('smart-truncate needs the spaCy model "en_core_web_sm" '
                         "(python -m spacy download en_core_web_sm)") from None
    sentences = [s.text for s in nlp(text).sents]
    if len(sentences) > 1 and not sentences[-1].rstrip().endswith((".", "!", "?")):
        sentences = sentences[:-1]
    return " ".join(sentences)
