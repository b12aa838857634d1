r"""\exec (native processes with pipes and redirections) and \exit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from typing import IO, Any

from dgenerate_core.errors import ScriptError, ScriptExit
from dgenerate_core.registries.script import builtin

REDIRECTS = ("<", ">", "1>", "2>", "&>", ">>", "1>>", "2>>", "&>>", "2>&1", "1>&2")


@builtin("exit", r"""
Stop the whole process with an exit status: \exit [CODE]   (default 0)
""")
def _exit(ctx, args: list[str]) -> int:
    if len(args) > 1:
        raise ScriptError("\\exit: expected at most one exit code")
    try:
        code = int(args[0]) if args else 0
    except ValueError:
        raise ScriptError(f'\\exit: the exit code "{args[0]}" is not an integer') from None
    raise ScriptExit(code)


@dataclass
class _Command:
    argv: list[str] = field(default_factory=list)
    stdin: str | None = None
    stdout: tuple[str, str] | None = None      # (path, mode)
    stderr: tuple[str, str] | None = None
    err_to_out: bool = False
    out_to_err: bool = False


def _parse_pipeline(args: list[str]) -> list[_Command]:
    commands = [_Command()]
    i = 0
    while i < len(args):
        token = args[i]
        cmd = commands[-1]
        if token == "|":
            if not cmd.argv:
                raise ScriptError("\\exec: empty command in pipeline")
            commands.append(_Command())
        elif token in ("2>&1", "1>&2"):
            cmd.err_to_out, cmd.out_to_err = token == "2>&1", token == "1>&2"
        elif token in REDIRECTS:
            if i + 1 >= len(args):
                raise ScriptError(f'\\exec: redirection "{token}" needs a file')
            _redirect(cmd, token, args[i + 1])
            i += 1
        else:
            cmd.argv.append(token)
        i += 1
    if not commands[-1].argv:
        raise ScriptError("\\exec: expected a command")
    return commands


def _redirect(cmd: _Command, token: str, path: str) -> None:
    mode = "a" if token.endswith(">>") else "w"
    if token == "<":
        cmd.stdin = path
    elif token.startswith("&"):
        cmd.stdout = cmd.stderr = (path, mode)
    elif token.startswith("2"):
        cmd.stderr = (path, mode)
    else:
        cmd.stdout = (path, mode)


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    bindir = os.path.dirname(sys.executable)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    return env


def _resolve(argv: list[str], env: dict[str, str], has_stdin: bool) -> list[str]:
    """The full path of the program; a ``dgenerate`` child without input gets ``--no-stdin``."""
    found = shutil.which(argv[0], path=env["PATH"])
    if found is None:
        raise ScriptError(f'Command "{argv[0]}" not found on system.')
    argv = [found] + argv[1:]
    is_dgenerate = os.path.basename(argv[0]).split(".")[0] == "dgenerate"
    if is_dgenerate and not has_stdin and "--no-stdin" not in argv:
        argv.append("--no-stdin")
    return argv


def _pump(source: IO[bytes], target: Any) -> None:
    for chunk in iter(lambda: source.readline(), b""):
        target.write(chunk.decode(errors="replace"))
        target.flush()
    source.close()


def _open(path: str, mode: str, files: list[IO]) -> IO:
    handle = open(path, mode)
    files.append(handle)
    return handle


def _streams(cmd: _Command, previous: IO[bytes] | None, files: list[IO]) -> tuple[Any, Any, Any]:
    """stdin, stdout and stderr arguments for one command of the pipeline."""
    stdin: Any = subprocess.DEVNULL if previous is None else previous
    if cmd.stdin is not None:
        stdin = _open(cmd.stdin, "rb", files)
    stdout: Any = subprocess.PIPE
    if cmd.stdout is not None:
        stdout = _open(cmd.stdout[0], cmd.stdout[1] + "b", files)
    stderr: Any = subprocess.PIPE
    if cmd.err_to_out:
        stderr = subprocess.STDOUT
    elif cmd.stderr is not None:
        same = cmd.stderr == cmd.stdout
        stderr = stdout if same else _open(cmd.stderr[0], cmd.stderr[1] + "b", files)
    return stdin, stdout, stderr


def _start(commands: list[_Command], files: list[IO], procs: list[subprocess.Popen],
           threads: list[threading.Thread]) -> None:
    env = _environment()
    previous: IO[bytes] | None = None
    for index, cmd in enumerate(commands):
        argv = _resolve(cmd.argv, env, previous is not None or cmd.stdin is not None)
        stdin, stdout, stderr = _streams(cmd, previous, files)
        proc = subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=stderr, env=env)
        procs.append(proc)
        if previous is not None:
            previous.close()
        previous = None
        if proc.stdout is not None:
            if index == len(commands) - 1 or cmd.out_to_err:
                target = sys.stderr if cmd.out_to_err else sys.stdout
                threads.append(threading.Thread(target=_pump, args=(proc.stdout, target)))
            else:
                previous = proc.stdout
        if proc.stderr is not None:
            threads.append(threading.Thread(target=_pump, args=(proc.stderr, sys.stderr)))


def _run(commands: list[_Command]) -> int:
    """Run the pipeline, stream its output through, return the last command's status."""
    files: list[IO] = []
    procs: list[subprocess.Popen] = []
    threads: list[threading.Thread] = []
    try:
        _start(commands, files, procs, threads)
        for thread in threads:
            thread.daemon = True
            thread.start()
        codes = [proc.wait() for proc in procs]
        for thread in threads:
            thread.join()
        return codes[-1]
    except OSError as ex:
        raise ScriptError(f"\\exec: {ex}") from None
    finally:
        for handle in files:
            handle.close()
        for proc in procs:
            if proc.poll() is None:
                proc.kill()


@builtin("exec", r"""
Run native programs: \exec COMMAND ARGS... [| COMMAND ...] [REDIRECTIONS]

Pipes and the redirections <, >, 1>, 2>, &>, >>, 1>>, 2>>, &>>, 2>&1 and 1>&2 work the same on
every platform. The directory of dgenerate's Python is put first on PATH, so "python" runs the
Python dgenerate runs in. The status of the last command is the directive's status.
""", once=True)
def _exec(ctx, args: list[str]) -> int:
    commands = _parse_pipeline(args)
    return _run(commands)
