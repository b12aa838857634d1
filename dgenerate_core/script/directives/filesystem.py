"""File system directives: cd, pushd, popd, pwd, ls, mkdir, rmdir, rm, cp, mv."""

from __future__ import annotations

import os
import shutil
import stat
import sys
import time
from typing import Callable

from dgenerate_core.errors import ScriptError
from dgenerate_core.script.directives.argparser import DirectiveParser
from dgenerate_core.registries.script import builtin


def _posix(path: str) -> str:
    return path.replace(os.sep, "/")


def _change_dir(ctx, path: str, directive: str) -> None:
    try:
        os.chdir(os.path.expanduser(path))
    except OSError as ex:
        raise ScriptError(f'\\{directive}: cannot change to "{path}": {ex.strerror}') from None
    ctx.print(f'Working Directory Changed To: "{_posix(os.getcwd())}"')


def _exactly(args: list[str], count: int, directive: str, what: str) -> None:
    if len(args) != count:
        raise ScriptError(f"\\{directive}: expected {what}")


@builtin("cd", r"""
Change the current working directory: \cd DIRECTORY
""")
def _cd(ctx, args: list[str]) -> int:
    _exactly(args, 1, "cd", "one directory")
    _change_dir(ctx, args[0], "cd")
    return 0


@builtin("pushd", r"""
Remember the current directory on a stack and change to another: \pushd DIRECTORY

\popd goes back.
""")
def _pushd(ctx, args: list[str]) -> int:
    _exactly(args, 1, "pushd", "one directory")
    here = os.getcwd()
    _change_dir(ctx, args[0], "pushd")
    ctx.directory_stack.append(here)
    return 0


@builtin("popd", r"""
Change back to the directory saved by the last \pushd.
""")
def _popd(ctx, args: list[str]) -> int:
    _exactly(args, 0, "popd", "no arguments")
    if not ctx.directory_stack:
        raise ScriptError("\\popd failed, no directory on the stack.")
    _change_dir(ctx, ctx.directory_stack.pop(), "popd")
    return 0


@builtin("pwd", r"""
Print the current working directory.
""", once=True)
def _pwd(ctx, args: list[str]) -> int:
    _exactly(args, 0, "pwd", "no arguments")
    ctx.print(_posix(os.getcwd()))
    return 0


def _long_entry(path: str, name: str) -> str:
    info = os.lstat(path)
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(info.st_mtime))
    return f"{stat.filemode(info.st_mode)} {info.st_nlink:3d} {info.st_size:10d} {when} {name}"


def _ls_names(folder: str, show_all: bool) -> list[str]:
    names = sorted(os.listdir(folder))
    if not show_all:
        names = [n for n in names if not n.startswith(".")]
    return [n + "/" if os.path.isdir(os.path.join(folder, n)) else n for n in names]


@builtin("ls", r"""
List files and directories: \ls [-l] [-a] [PATH ...]

Files given are listed first, then the sorted entries of each directory (directories end in /).
-l gives a long listing with mode, links, size and modification time; -a includes hidden entries.
""", once=True)
def _ls(ctx, args: list[str]) -> int:
    parser = DirectiveParser("ls")
    parser.add_argument("-l", action="store_true", help="long listing")
    parser.add_argument("-a", "--all", action="store_true", help="include hidden entries")
    parser.add_argument("paths", nargs="*")
    ns = parser.parse(args)
    if ns is None:
        return 0
    paths = ns.paths or ["."]
    status = 0
    files = [p for p in paths if os.path.lexists(p) and not os.path.isdir(p)]
    folders = [p for p in paths if os.path.isdir(p)]
    for path in paths:
        if not os.path.lexists(path):
            print(f"\\ls: {path}: No such file or directory", file=sys.stderr)
            status = 1
    for path in files:
        ctx.print(_long_entry(path, path) if ns.l else path)
    for folder in folders:
        if len(paths) > 1:
            ctx.print(f"{folder}:")
        for name in _ls_names(folder, ns.all):
            full = os.path.join(folder, name.rstrip("/"))
            ctx.print(_long_entry(full, name) if ns.l else name)
    return status


@builtin("mkdir", r"""
Create directories: \mkdir [-p] DIRECTORY ...

-p / --parents creates missing parents and accepts existing directories.
""", once=True)
def _mkdir(ctx, args: list[str]) -> int:
    def make(path: str, parents: bool) -> None:
        os.makedirs(path, exist_ok=True) if parents else os.mkdir(path)

    return _for_each_path("mkdir", "create", args, make)


def _for_each_path(name: str, verb: str, args: list[str],
                   action: Callable[[str, bool], None]) -> int:
    """``\\NAME [-p] PATH ...``: run ``action(path, parents)`` on each path, errors as one line."""
    parser = DirectiveParser(name)
    parser.add_argument("-p", "--parents", action="store_true")
    parser.add_argument("paths", nargs="+")
    ns = parser.parse(args)
    if ns is None:
        return 0
    for path in ns.paths:
        try:
            action(path, ns.parents)
        except OSError as ex:
            raise ScriptError(f'\\{name}: cannot {verb} "{path}": {ex.strerror}') from None
    return 0


@builtin("rmdir", r"""
Remove empty directories: \rmdir [-p] DIRECTORY ...

-p / --parents removes each directory with everything in it.
""", once=True)
def _rmdir(ctx, args: list[str]) -> int:
    def remove(path: str, parents: bool) -> None:
        shutil.rmtree(path, ignore_errors=True) if parents else os.rmdir(path)

    return _for_each_path("rmdir", "remove", args, remove)


@builtin("rm", r"""
Remove files: \rm [-r] [-f] PATH ...

-r removes directories recursively; -f ignores paths that do not exist.
""", once=True)
def _rm(ctx, args: list[str]) -> int:
    parser = DirectiveParser("rm")
    parser.add_argument("-r", "--recursive", action="store_true")
    parser.add_argument("-f", "--force", action="store_true")
    parser.add_argument("paths", nargs="+")
    ns = parser.parse(args)
    if ns is None:
        return 0
    for path in ns.paths:
        if not os.path.lexists(path):
            if ns.force:
                continue
            raise ScriptError(f'\\rm: "{path}" does not exist')
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                if not ns.recursive:
                    raise ScriptError(f'\\rm: "{path}" is a directory (use -r)')
                shutil.rmtree(path)
            else:
                os.remove(path)
        except OSError as ex:
            raise ScriptError(f'\\rm: cannot remove "{path}": {ex.strerror}') from None
    return 0


@builtin("cp", r"""
Copy a file (with its metadata) or a directory tree: \cp SOURCE DESTINATION
""", once=True)
def _cp(ctx, args: list[str]) -> int:
    _exactly(args, 2, "cp", "a source and a destination")
    try:
        if os.path.isdir(args[0]):
            dest = args[1]
            if os.path.isdir(dest):
                dest = os.path.join(dest, os.path.basename(os.path.normpath(args[0])))
            shutil.copytree(args[0], dest)
        else:
            shutil.copy2(args[0], args[1])
    except OSError as ex:
        raise ScriptError(f'\\cp: cannot copy "{args[0]}" to "{args[1]}": '
                          f"{ex.strerror or ex}") from None
    return 0


@builtin("mv", r"""
Move or rename a file or directory: \mv SOURCE DESTINATION
""", once=True)
def _mv(ctx, args: list[str]) -> int:
    _exactly(args, 2, "mv", "a source and a destination")
    try:
        shutil.move(args[0], args[1])
    except OSError as ex:
        raise ScriptError(f'\\mv: cannot move "{args[0]}" to "{args[1]}": '
                          f"{ex.strerror or ex}") from None
    return 0
