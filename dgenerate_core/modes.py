"""Choosing what one ``dgenerate`` process does: help listings, scripts, the shell, or one generation.

``cli.main`` handles ``--version``, ``--help`` and ``--console`` and then calls :func:`run`.
Meta arguments (``--file``, ``--shell``, ``--no-stdin``, ``--set``, ``--setp``, the help listings)
are taken out here; what is left is the injected argument list appended to every invocation of a
script, or the arguments of one generation. Nothing here imports torch.
"""

from __future__ import annotations

import glob
import os
import sys
from dataclasses import dataclass, field

from dgenerate_core import distributed, initconfig, plugins, protocol, webcache
from dgenerate_core.distributed import launch
from dgenerate_core.errors import DgenerateError, NotSupportedYet, ScriptExit, UsageError
from dgenerate_core.options import OPTIONS
from dgenerate_core.registries.listings import (  # noqa: F401 - REFERENCE_NAMES: the listing API
    LISTINGS, REFERENCE_NAMES, SCRIPT_LISTINGS,
)

MODE_FLAGS = ("--file", "--shell", "--no-stdin")
_GLOB_CHARS = ("*", "?", "[")


@dataclass
class Meta:
    """The meta arguments of one command line, and the injected (left over) arguments."""

    files: list[str] | None = None
    shell: bool = False
    no_stdin: bool = False
    protocol: bool = False
    assignments: list[tuple[str, str]] = field(default_factory=list)
    listings: list[tuple[str, list[str]]] = field(default_factory=list)
    sub_command: str | None = None
    sub_command_args: list[str] = field(default_factory=list)
    injected: list[str] = field(default_factory=list)
    verbose: bool = False
    offline: bool = False
    plugin_modules: list[str] = field(default_factory=list)


def _values(args: list[str], i: int) -> tuple[list[str], int]:
    """The non-option tokens following index ``i``; returns them and the next index."""
    j = i + 1
    while j < len(args) and not args[j].startswith("-"):
        j += 1
    return args[i + 1:j], j


def _split_equals(args: list[str]) -> list[str]:
    """``--file=x`` style spellings of meta options become ``--file x``."""
    known = MODE_FLAGS + ("--set", "--setp", "--plugin-modules", "--sub-command") + LISTINGS
    out: list[str] = []
    for arg in args:
        name, sep, value = arg.partition("=")
        if sep and name in known:
            out.extend([name, value])
        else:
            out.append(arg)
    return out


def parse_meta(argv: list[str]) -> Meta:
    """Split ``argv`` into meta arguments and the injected argument list."""
    args = _split_equals(list(argv))
    meta = Meta()
    modes_seen: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--sub-command":
            if i + 1 >= len(args):
                raise UsageError("argument --sub-command: expected one argument")
            meta.sub_command = args[i + 1]
            meta.sub_command_args = args[i + 2:]
            break
        if arg in ("--file", "--set", "--setp") or arg in LISTINGS:
            values, i = _values(args, i)
            if arg == "--file":
                if not values:
                    raise UsageError("argument --file: expected at least one file name")
                meta.files = (meta.files or []) + values
                modes_seen.append(arg)
            elif arg in ("--set", "--setp"):
                if not values:
                    raise UsageError(f"argument {arg}: expected at least one VARIABLE=VALUE")
                meta.assignments.extend((arg, v) for v in values)
            else:  # also injected: in a script every invocation then prints the listing
                meta.listings.append((arg, values))
                meta.injected.extend([arg, *values])
            continue
        if arg in ("--shell", "--no-stdin"):
            modes_seen.append(arg)
            setattr(meta, arg[2:].replace("-", "_"), True)
        elif arg == protocol.FLAG:
            meta.protocol = meta.shell = True
            modes_seen.append("--shell")
        else:
            meta.injected.append(arg)
            if arg in ("-v", "--verbose"):
                meta.verbose = True
            elif arg in ("-ofm", "--offline-mode"):
                meta.offline = True
            elif arg == "--plugin-modules":
                meta.plugin_modules.extend(_values(args, i)[0])
        i += 1
    distinct = sorted(set(modes_seen), key=modes_seen.index)
    if len(distinct) > 1:
        raise UsageError(f"argument {distinct[1]}: not allowed with argument {distinct[0]}")
    meta.protocol = meta.protocol or (meta.shell and protocol.enabled_by_env())
    return meta


def split_assignment(option: str, text: str) -> tuple[str, str]:
    """``name=value`` into its stripped parts; a usage error when malformed."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise UsageError(f'{option}: Invalid argument: "{text}". Must use variable=value syntax.')
    return name.strip(), value.strip()


# ------------------------------------------------------------------------- help listings


# ------------------------------------------------------------------------- the runner


def _make_runner(meta: Meta):
    from dgenerate_core.script import ConfigRunner  # start-up: only runs with a script build it

    return ConfigRunner(injected_args=meta.injected, verbose=meta.verbose, offline=meta.offline)


def apply_assignments(runner, assignments: list[tuple[str, str]]) -> None:
    """Apply ``--set`` / ``--setp`` pairs in command line order, as ``\\set`` / ``\\setp`` do."""
    for option, text in assignments:
        name, value = split_assignment(option, text)
        define = runner.define_set if option == "--set" else runner.define_setp
        try:
            define(name, value)
        except DgenerateError as ex:
            message = getattr(ex, "message", None) or str(ex)
            raise UsageError(f"{option} {text}: {message}") from None


def _start(meta: Meta, tolerant: bool = False, with_runner: bool = True):
    """Create the runner, run init.dgen, load plugins, apply --set/--setp; without
    ``with_runner`` only plugins and the web-cache sweep (no script engine is built).

    ``tolerant`` (the shell): a plugin or --set error is printed and start-up goes on; the errors
    are kept in ``runner.startup_errors`` for the protocol to report."""
    runner = _make_runner(meta) if with_runner else None
    if runner is not None:
        runner.startup_errors = []
        initconfig.run_init(runner, verbose=meta.verbose)
    steps = [lambda: _sweep_web_cache(meta.offline)]
    if runner is not None:
        steps.append(lambda: apply_assignments(runner, meta.assignments))
    if meta.plugin_modules:
        steps.insert(0, lambda: plugins.load_plugin_modules(meta.plugin_modules))
    for step in steps:
        try:
            step()
        except DgenerateError as ex:
            if not tolerant:
                raise
            print(f"dgenerate: error: {ex}", file=sys.stderr, flush=True)
            runner.startup_errors.append(str(ex))  # tolerant is the shell: always a runner
    return runner


def _sweep_web_cache(offline: bool) -> None:
    if not offline and not webcache.offline_from_env() and webcache.cache_dir().is_dir():
        webcache.clear_expired()


# ------------------------------------------------------------------------- modes


def expand_files(names: list[str]) -> list[str]:
    """``--file`` names with globs expanded (sorted); every file must exist."""
    files: list[str] = []
    for name in names:
        expanded = os.path.expanduser(name)
        if any(ch in expanded for ch in _GLOB_CHARS):
            matches = sorted(glob.glob(expanded, recursive=True))
            matches = [m for m in matches if os.path.isfile(m)]
            if not matches:
                raise UsageError(f'--file: "{name}" matched no files')
            files.extend(matches)
        elif os.path.isdir(expanded):
            raise UsageError(f'--file: "{name}" is a folder, not a script file')
        elif not os.path.isfile(expanded):
            raise UsageError(f'--file: "{name}" does not exist')
        else:
            files.append(expanded)
    return files


def _run_script(runner, verbose: bool, text: str | None = None, path: str | None = None) -> int:
    from dgenerate_core.shell import print_config_error  # start-up: script modes only

    try:
        if path is not None:
            runner.run_file(path)
        else:
            runner.run_string(text or "", "<stdin>")
    except (ScriptExit, KeyboardInterrupt):
        raise
    except DgenerateError as ex:
        if not distributed.quiet_error(ex, verbose):
            print_config_error(ex, verbose)
        return 1
    return 0


def _run_files(meta: Meta) -> int:
    files = expand_files(meta.files or [])
    runner = _start(meta)
    for path in files:
        status = _run_script(runner, meta.verbose, path=path)
        if status:
            return status
    return 0


def _run_shell(meta: Meta) -> int:
    from dgenerate_core import shell  # start-up: the shell (and its interpreter) only for --shell

    if meta.protocol:
        os.environ.pop(protocol.ENV_VAR, None)  # children started by \exec speak plainly
        shell.prepare_protocol_output()
        commands = shell.isolate_protocol_stdin()
        runner = _start(meta, tolerant=True)
        return shell.Shell(runner, meta.verbose).run_protocol(commands)
    runner = _start(meta, tolerant=True)
    if sys.stdin is None:
        return 0
    return shell.Shell(runner, meta.verbose).run_plain(sys.stdin)


def _stdin_is_script(meta: Meta) -> bool:
    if meta.no_stdin or sys.stdin is None:
        return False
    try:
        if sys.stdin.isatty():
            return False
    except (AttributeError, ValueError):
        return False
    return not has_model_path(meta.injected)


def has_model_path(args: list[str]) -> bool:
    """True when ``args`` hold the positional model path (then stdin is never read as a script)."""
    takes: dict[str, str] = {}
    for spec in OPTIONS:
        for name in spec.names:
            takes[name] = spec.shape
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("-") or arg == "-":
            return True
        shape = takes.get(arg.split("=", 1)[0], "flag")
        if "=" in arg or shape == "flag":
            i += 1
        elif shape == "one":
            i += 2
        else:
            i = _values(args, i)[1]
    return False


def read_stdin_script() -> str:
    """All of stdin as text: UTF-8 (a BOM is dropped), else the locale's encoding."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:
        return sys.stdin.read()
    data = buffer.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        import locale

        return data.decode(locale.getpreferredencoding(False), errors="replace")


def _generate(meta: Meta) -> int:
    from dgenerate_core.invoke import invoke_dgenerate  # start-up: listings never load the renderer

    argv = list(meta.injected)
    # init.dgen and --set run in a runner of their own; the arguments are the invocation itself,
    # not arguments injected into a script
    meta.injected = []
    # the script engine (jinja2, the directives) is built only when init.dgen or --set/--setp
    # have something for it to run: a plain one-shot run does not pay for it
    _start(meta, with_runner=bool(meta.assignments) or initconfig.has_statements())
    invoke_dgenerate(argv)
    return 0


def _distributed(args: list[str]) -> tuple[int | None, list[str]]:
    """``--ranks N`` starts N ranks of this command (returns their exit status); in a rank,
    stdout is rank 0's alone. Returns (status or None, the arguments without ``--ranks``)."""
    value, args = launch.take_option(args)
    if value is not None and not distributed.launched():
        verbose = "-v" in args or "--verbose" in args
        return launch.launch(launch.rank_count(value), args, verbose), args
    if distributed.launched():
        distributed.silence_other_ranks()
    return None, args


def _check_distributed_mode(meta: Meta) -> None:
    if not distributed.launched():
        return
    if meta.shell:
        raise NotSupportedYet("--shell in a distributed run (torchrun, --ranks)")
    if meta.files is None and not meta.listings and meta.sub_command is None \
            and _stdin_is_script(meta):
        raise NotSupportedYet("a script on standard input in a distributed run (torchrun, "
                              "--ranks); give it with --file")


def run(args: list[str]) -> int:
    """Run the mode that ``args`` asks for and return the exit status."""
    status, args = _distributed(args)
    if status is not None:
        return status
    meta = parse_meta(args)
    _check_distributed_mode(meta)
    if meta.sub_command is not None:
        from dgenerate_core.subcommands import run_sub_command  # start-up: only when asked for

        return run_sub_command(meta.sub_command, meta.sub_command_args, meta.plugin_modules,
                               meta.verbose, meta.offline)
    if meta.files is not None:
        return _run_files(meta)
    if meta.shell:
        return _run_shell(meta)
    if meta.listings:
        if any(opt in SCRIPT_LISTINGS for opt, _ in meta.listings) or meta.plugin_modules:
            _start(meta)
        from dgenerate_core.script import listings  # start-up: the catalogues load for listings

        status = 0
        for option, names in meta.listings:
            status = listings.help_listing(option, names) or status
        return status
    if _stdin_is_script(meta):
        runner = _start(meta)
        return _run_script(runner, meta.verbose, text=read_stdin_script())
    return _generate(meta)
