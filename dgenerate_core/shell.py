"""``dgenerate --shell``: the plain REPL (a blank line submits) and the framed console protocol.

Errors never end the shell; end of input exits with status 0; ``\\exit N`` ends the process with N.
The framed protocol is described in docs/protocol.md.
"""

from __future__ import annotations

import os
import re
import sys
import time
from typing import Any, TextIO

from dgenerate_core import __version__, events, protocol
from dgenerate_core.errors import DgenerateError, ScriptError, ScriptExit
from dgenerate_core.script.reader import read_statements, split_lines
from dgenerate_core.script.templating import template_complete

INTERRUPTED = 130
WARMUP_ENV = "DGENERATE_WARMUP"
WARMUP_MODULES = ("torch", "diffusers",  # then what the first (Stable Diffusion) generation needs
                  "diffusers.pipelines.stable_diffusion.pipeline_stable_diffusion",
                  "dgenerate_core.pipelines", "dgenerate_core.render.execute")
WARMUP_WHAT = "torch, diffusers"
_TAIL_COMMENT_BACKSLASH = re.compile(r"\\\s+#.*$")


def statement_incomplete(text: str) -> bool:
    """True when ``text`` ends inside a backslash continuation or an unbalanced Jinja construct."""
    lines = [ln.rstrip() for ln in split_lines(text) if ln.strip()]
    if not lines:
        return False
    last = lines[-1]
    if last.endswith("\\") or _TAIL_COMMENT_BACKSLASH.search(last):
        return True
    if "{" not in text:
        return False

    try:
        return not template_complete(text)
    except DgenerateError:
        return False  # a syntax error: submit it so the runner reports it


def print_config_error(err: BaseException, verbose: bool) -> None:
    """Print ``Config Error: <message>`` (and the traceback with ``-v``) to stderr."""
    if verbose:
        import traceback

        traceback.print_exception(err, file=sys.stderr)
    if isinstance(err, DgenerateError):
        message = str(err)
    else:
        message = f"{type(err).__name__}: {err}"
    print(f"Config Error: {message}", file=sys.stderr, flush=True)


class Shell:
    """Runs submitted script text in one long-lived ``ConfigRunner``."""

    def __init__(self, runner: Any, verbose: bool = False) -> None:
        self.runner = runner
        self.verbose = verbose
        self._busy = False

    def execute(self, text: str, source: str, catch_interrupt: bool = False
                ) -> tuple[int, BaseException | None]:
        """Run ``text``; return ``(status, error)``. ScriptExit propagates, errors are printed."""
        try:
            self._busy = True
            self.runner.run_string(text, source)
            self._busy = False
        except ScriptExit:
            raise
        except KeyboardInterrupt as ex:
            if not catch_interrupt:
                raise
            print("Config Error: interrupted", file=sys.stderr, flush=True)
            return INTERRUPTED, ex
        except Exception as ex:  # the shell survives every error
            print_config_error(ex, self.verbose)
            return 1, ex
        finally:
            self._busy = False
            sys.stdout.flush()
        return 0, None

    # ---------------------------------------------------------------- plain (terminal) mode

    def run_plain(self, stream: TextIO | None = None) -> int:
        """Read statement groups (ended by a blank line) until EOF; return 0 at EOF.

        At a terminal, Ctrl+C interrupts the running command or discards the group being typed;
        the shell goes on (Ctrl+D ends it). From a pipe, Ctrl+C ends the process."""
        stream = sys.stdin if stream is None else stream
        terminal = stream is sys.stdin and _isatty(stream)
        read = _terminal_reader() if terminal else _pipe_reader(stream)
        group: list[str] = []
        while True:
            try:
                line = read()
                if line is None:
                    break
                if line.strip() == "" and group and not statement_incomplete("\n".join(group)):
                    text, group = "\n".join(group) + "\n", []
                    self.execute(text, "<shell>", catch_interrupt=terminal)
                elif line.strip() or group:
                    group.append(line)
            except KeyboardInterrupt:
                if not terminal:
                    raise
                group = []
                print(file=sys.stderr, flush=True)
        if any(ln.strip() for ln in group):
            self.execute("\n".join(group) + "\n", "<shell>")
        return 0

    # ---------------------------------------------------------------- framed protocol mode

    def run_protocol(self, commands: Any, out: TextIO | None = None) -> int:
        """Serve framed commands from ``commands`` (a binary or text stream) until EOF."""
        real_stdout = sys.stdout
        writer = protocol.EventWriter(real_stdout if out is None else out)
        if out is None:
            sys.stdout = protocol.HumanOutput(real_stdout)
        events.add_sink(writer.sink)
        previous = self._install_interrupt_handler()
        try:
            return self._serve(writer, commands)
        finally:
            sys.stdout = real_stdout
            events.remove_sink(writer.sink)
            if previous is not None:
                import signal

                signal.signal(signal.SIGINT, previous)

    def _install_interrupt_handler(self) -> Any:
        """SIGINT interrupts a running command and is ignored while idle; returns the old handler."""
        import signal
        import threading

        if threading.current_thread() is not threading.main_thread():
            return None

        def on_sigint(signum: int, frame: Any) -> None:
            if self._busy:
                raise KeyboardInterrupt

        return signal.signal(signal.SIGINT, on_sigint)

    def _serve(self, writer: protocol.EventWriter, commands: Any) -> int:
        writer.emit("hello", protocol=protocol.PROTOCOL_VERSION, version=__version__,
                    pid=os.getpid())
        for message in getattr(self.runner, "startup_errors", None) or []:
            writer.emit("error", id=None, message=message, line=None, source=None)
        writer.emit("ready", cwd=_cwd())
        delay = warmup_delay()
        if delay is not None:
            WarmUp(self, writer, delay).start()
        counter = 0
        while True:
            line = _next_frame(commands)
            if line is None:
                break
            counter += 1
            try:
                command = protocol.decode_command(line, fallback_id=str(counter))
            except protocol.ProtocolError as ex:
                print(f"Protocol Error: {ex}", file=sys.stderr, flush=True)
                writer.emit("error", id=None, message=f"protocol: {ex}", line=None, source=None)
                writer.emit("ready", cwd=_cwd())
                continue
            if command.type == "ping":
                writer.emit("pong", id=command.id)
                continue
            self._run_command(writer, command)
            writer.emit("ready", cwd=_cwd())
        writer.emit("exit", status=0)
        return 0

    def _run_command(self, writer: protocol.EventWriter, command: protocol.Command) -> None:
        before = _cwd()
        writer.command_id = command.id
        writer.emit("busy", id=command.id)
        start = time.perf_counter()
        try:
            status, error = self.execute(command.text, "<console>", catch_interrupt=True)
        except ScriptExit as ex:
            writer.emit("done", id=command.id, status=ex.code,
                        seconds=round(time.perf_counter() - start, 6))
            writer.emit("exit", status=ex.code)
            raise
        finally:
            writer.command_id = None
        if error is not None:
            fields = _error_fields(error, command.id)
            if isinstance(fields.get("line"), int):
                fields["end_line"] = statement_end(command.text, fields["line"])
            writer.emit("error", **fields)
        writer.emit("done", id=command.id, status=status,
                    seconds=round(time.perf_counter() - start, 6))
        if _cwd() != before:
            writer.emit("cwd", cwd=_cwd())


def statement_end(text: str, line: int) -> int:
    """The last line of the statement of ``text`` that starts at or spans ``line`` (continued
    with ``\\`` or a template block), so a client can mark all of a failing statement."""
    try:
        for statement in read_statements(split_lines(text), template_complete):
            if statement.lineno <= line <= statement.end_lineno:
                return statement.end_lineno
    except Exception:  # noqa: BLE001 - a syntax error: the reported line is all we know
        pass
    return line


def warmup_delay() -> float | None:
    """``DGENERATE_WARMUP``: seconds of idleness after start-up before the generation stack is
    imported in the background (default 0.5); ``0`` / ``off`` disables the warm-up."""
    value = os.environ.get(WARMUP_ENV, "").strip().lower()
    if value in ("0", "off", "false", "no"):
        return None
    try:
        return max(0.0, float(value)) if value else 0.5
    except ValueError:
        return 0.5


class WarmUp:
    """Imports torch and diffusers on a daemon thread once the shell is idle, so the first
    generation does not pay for them; announced as ``loading`` then ``warm`` events.

    The main thread goes on reading and running commands meanwhile: one that needs the stack
    simply waits on Python's import lock for the modules still loading."""

    def __init__(self, shell: "Shell", writer: protocol.EventWriter, delay: float) -> None:
        self.shell = shell
        self.writer = writer
        self.delay = delay

    def start(self) -> None:
        self._later(self.delay)

    def _later(self, delay: float) -> None:
        import threading

        timer = threading.Timer(delay, self._when_idle)
        timer.daemon = True
        timer.start()

    def _when_idle(self) -> None:
        if self.shell._busy:  # a command started first: wait until it is done
            self._later(0.5)
            return
        self.run()

    def run(self) -> None:
        import importlib

        if all(name in sys.modules for name in WARMUP_MODULES):
            return
        self.writer.emit("loading", id=None, what=WARMUP_WHAT, option="warm-up")
        start = time.perf_counter()
        loaded = []
        for name in WARMUP_MODULES:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - a missing or broken stack shows when it is used
                break
            loaded.append(name)
        seconds = round(time.perf_counter() - start, 3)
        while self.shell._busy:  # a frame from this thread could split a line being printed
            time.sleep(0.1)
        self.writer.emit("warm", id=None, modules=loaded, seconds=seconds)


def _error_fields(error: BaseException, command_id: str) -> dict[str, Any]:
    if isinstance(error, ScriptError):
        return {"id": command_id, "message": error.message, "line": error.lineno,
                "source": error.source}
    if isinstance(error, KeyboardInterrupt):
        return {"id": command_id, "message": "interrupted", "line": None, "source": None}
    message = str(error) if isinstance(error, DgenerateError) else f"{type(error).__name__}: {error}"
    return {"id": command_id, "message": message, "line": getattr(error, "lineno", None),
            "source": getattr(error, "source", None)}


def _cwd() -> str:
    try:
        return os.getcwd()
    except OSError:
        return ""


def _terminal_reader() -> Any:
    """``input()`` with line editing; returns None at end of input (Ctrl+D)."""
    try:
        import readline  # noqa: F401  (line editing and history for input())
    except ImportError:
        pass

    def read() -> str | None:
        try:
            return input()
        except EOFError:
            return None

    return read


def _pipe_reader(stream: TextIO) -> Any:
    """Lines of ``stream`` without their newline; None at EOF."""

    def read() -> str | None:
        line = stream.readline()
        return line.rstrip("\r\n") if line else None

    return read


def _next_frame(stream: Any) -> str | None:
    """The next non-blank line of the command stream, or None at EOF; idle SIGINTs are ignored."""
    while True:
        try:
            raw = stream.readline()
        except KeyboardInterrupt:
            continue
        if not raw:
            return None
        line = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        if line.strip():
            return line


def _isatty(stream: Any) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def isolate_protocol_stdin() -> Any:
    """Take the command pipe for the protocol and give fd 0 ``/dev/null``, so children started by
    ``\\exec`` (or a plugin calling ``input()``) can never swallow command frames."""
    stdin = sys.stdin
    if stdin is None:
        import io

        return io.BytesIO(b"")
    try:
        fd = stdin.fileno()
    except (AttributeError, ValueError, OSError):
        return getattr(stdin, "buffer", stdin)
    private = os.dup(fd)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, fd)
    os.close(null)
    sys.stdin = open(os.devnull, "r", encoding="utf-8")
    return os.fdopen(private, "rb")


def prepare_protocol_output() -> None:
    """UTF-8, line-buffered stdout and stderr so human output and events arrive promptly."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8", errors="replace", line_buffering=True)
        except (AttributeError, ValueError):
            pass
