"""The interpreter child: a ``dgenerate --shell-protocol`` process, its reader threads and command queue.

Threads only read pipes and put items on a queue; the GUI calls :meth:`InterpreterClient.poll`
from its own loop (``after``), which runs every callback on the GUI thread.
"""

from __future__ import annotations

import codecs
import collections
import itertools
import os
import queue
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Callable

from dgenerate_core import protocol

from dgenerate_console.bundle import interpreter_command

RS = protocol.RS_BYTE
MAX_QUEUE = 50
MAX_ITEMS = 2000  # reader items waiting for the GUI: a full queue makes the readers wait
POLL_SECONDS = 0.02  # GUI time one poll may spend handling items
QUEUE_FULL_WARNING = ("WARNING: The command queue is full, please wait before submitting more "
                      "commands, or kill the interpreter.")
RULE = "======================"
MAX_FAILED_STARTS = 3


@dataclass
class Command:
    """One submitted script text and the id it travels under."""

    id: str
    text: str
    started: bool = False


def child_env() -> dict[str, str]:
    """The environment of the interpreter child (§9.1)."""
    env = dict(os.environ)
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONUNBUFFERED"] = "1"
    env["COLUMNS"] = "100"
    env.pop("DGENERATE_PROTOCOL", None)
    return env


def kill_tree(proc: subprocess.Popen) -> None:
    """Kill ``proc`` and every process in its group (its ``\\exec`` children included)."""
    try:
        proc.stdin.close()
    except (OSError, ValueError, AttributeError):
        pass
    if os.name == "nt":  # pragma: no cover - Windows only
        subprocess.run(["taskkill", "/T", "/F", "/PID", str(proc.pid)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    else:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        proc.kill()
    except OSError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - a zombie that will not die
        pass


def parse_stdout(data: bytes, decoder=None) -> list[tuple[str, object]]:
    """Complete stdout lines → ``("out", text)`` and ``("event", dict)`` items (the framing of
    :mod:`dgenerate_core.protocol`, which the shell writes with)."""
    return protocol.split_output(data, decoder)


def _chunks(fd: int):
    """What a pipe delivers, read by read, until end of file (or a closed descriptor)."""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return
        if not chunk:
            return
        yield chunk


class _Child:
    """One running child process and its two reader threads."""

    def __init__(self, gen: int, args: list[str], cwd: str, sink: queue.Queue) -> None:
        self.gen = gen
        self.sink = sink
        self.stopped = False
        kwargs: dict = {}
        if os.name == "nt":  # pragma: no cover - Windows only
            # no console window flashing up for the child of a windowed console (the bundle)
            kwargs["creationflags"] = (subprocess.CREATE_NEW_PROCESS_GROUP
                                       | subprocess.CREATE_NO_WINDOW)
        else:
            kwargs["start_new_session"] = True
        self.proc = subprocess.Popen(args, cwd=cwd, env=child_env(), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0,
                                     **kwargs)
        self._err_thread = threading.Thread(target=self._read_stderr, daemon=True)
        self._out_thread = threading.Thread(target=self._read_stdout, daemon=True)
        self._err_thread.start()
        self._out_thread.start()

    def _put(self, kind: str, value) -> None:
        """Queue an item for the GUI; waits while the queue is full (the pipe then fills and
        the child waits in turn), until the child is stopped."""
        item = (self.gen, kind, value)
        while not self.stopped:
            try:
                self.sink.put(item, timeout=0.25)
                return
            except queue.Full:
                continue

    def stop(self) -> None:
        """Stop queueing: the readers drop what they read from now on."""
        self.stopped = True

    def _read_stdout(self) -> None:
        """Split stdout on ``\\n``; everything from a 0x1E to the line end is a frame.

        Human text between frames goes out as one item per read, not one per line.
        """
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        fd = self.proc.stdout.fileno()
        pending = b""
        for chunk in _chunks(fd):
            pending += chunk
            cut = pending.rfind(b"\n") + 1
            if cut:
                self._lines(pending[:cut], decoder)
                pending = pending[cut:]
            if pending and RS not in pending:  # a partial line (a progress bar): show it now
                self._put("out", decoder.decode(pending))
                pending = b""
        if pending:
            self._lines(pending, decoder)
        self._err_thread.join(timeout=5)
        for stream in (self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except OSError:
                pass
        self._put("exit", self.proc.wait())

    def _lines(self, data: bytes, decoder) -> None:
        for kind, value in parse_stdout(data, decoder):
            self._put(kind, value)

    def _read_stderr(self) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        for chunk in _chunks(self.proc.stderr.fileno()):
            self._put("err", decoder.decode(chunk))

    def send(self, frame: dict) -> bool:
        """Write one frame to stdin; False when the pipe is gone."""
        data = protocol.encode_command(frame)
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (OSError, ValueError):
            return False
        return True


class InterpreterClient:
    """Runs the interpreter child, queues commands, restarts the child when it dies or is killed.

    Callbacks (all called on the caller's thread, from :meth:`poll` or a method call):
    ``on_output(text, stderr)``, ``on_event(event_dict)``, ``on_state(state)`` where state is
    ``"idle"``, ``"running"`` or ``"restarting"``, ``on_queue(waiting)`` with the number of
    commands waiting behind the running one, and ``on_notice(text)`` for the client's own
    messages (restart, kill), shown on lines of their own, and ``on_send(id, text)`` when a
    command is written to the child (before any of its output). A killed command gets a ``done``
    event made here, with the child's exit status and ``"killed": true``.
    """

    def __init__(self, *, cwd: str | None = None, args: list[str] | tuple = (), offline: bool = False,
                 debug: bool = False, on_output: Callable[[str, bool], None] | None = None,
                 on_event: Callable[[dict], None] | None = None,
                 on_state: Callable[[str], None] | None = None,
                 on_queue: Callable[[int], None] | None = None,
                 on_notice: Callable[[str], None] | None = None,
                 on_send: Callable[[str, str], None] | None = None) -> None:
        self.cwd = os.path.abspath(cwd or os.getcwd())
        self.args = list(args)
        self.offline = offline
        self.debug = debug
        self.on_output = on_output or (lambda text, stderr: None)
        self.on_event = on_event or (lambda event: None)
        self.on_state = on_state or (lambda state: None)
        self.on_queue = on_queue or (lambda waiting: None)
        self.on_notice = on_notice or (lambda text: self.on_output(text, False))
        self.on_send = on_send or (lambda cmd_id, text: None)
        self.pending: collections.deque[Command] = collections.deque()
        self.current: Command | None = None
        self.done_ids: list[str] = []
        self.pid: int | None = None
        self._items: queue.Queue = queue.Queue(maxsize=MAX_ITEMS)
        self._ids = itertools.count(1)
        self._child: _Child | None = None
        self._gen = 0
        self._ready = False
        self._ever_ready = False  # the current child reached its first ready
        self._failed_starts = 0  # children in a row that died before their first ready
        self._closed = False

    # -- life cycle -------------------------------------------------------------------------

    def command_line(self) -> list[str]:
        """The child's argv (the bundle's own engine when frozen: :mod:`.bundle`)."""
        argv = interpreter_command() + ["--shell-protocol"]
        if self.offline:
            argv.append("-ofm")
        if self.debug:
            argv.append("-v")
        return argv + self.args

    def start(self) -> None:
        """Start a fresh child in :attr:`cwd`."""
        self._gen += 1
        self._ready = self._ever_ready = False
        cwd = self.cwd if os.path.isdir(self.cwd) else os.getcwd()
        self._child = _Child(self._gen, self.command_line(), cwd, self._items)
        self.pid = self._child.proc.pid

    @property
    def started(self) -> bool:
        """True once the current child has sent its first ``ready``."""
        return self._ever_ready

    @property
    def running(self) -> bool:
        """True while the child process is alive."""
        return self._child is not None and self._child.proc.poll() is None

    def kill(self) -> None:
        """Kill the child's process tree and start a fresh one in the last known cwd."""
        self._failed_starts = 0
        self._restart(notice=None)

    def set_flags(self, offline: bool, debug: bool) -> None:
        """Restart the child with (or without) ``-ofm`` / ``-v``."""
        self.offline, self.debug = bool(offline), bool(debug)
        self._failed_starts = 0
        self._restart(notice=None)

    def close(self) -> None:
        """End the child and its whole tree; nothing is restarted afterwards."""
        self._closed = True
        child, self._child = self._child, None
        if child is None:
            return
        child.stop()
        try:
            child.proc.stdin.close()
        except (OSError, ValueError):
            pass
        try:
            child.proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            pass
        kill_tree(child.proc)

    def _restart(self, notice: str | None) -> None:
        if self._closed:
            return
        self.on_state("restarting")
        old, self._child = self._child, None
        self._gen += 1  # items still queued from the old child are dropped by generation
        if old is not None:
            old.stop()
            kill_tree(old.proc)
        if notice:
            self.on_notice(notice + "\n")
        self._recover_current(old.proc.returncode if old is not None else None)
        self.on_notice("Restarting Shell Process...\n")
        self.start()
        self.on_notice("Shell Process Started.\n" + RULE + "\n")

    def _child_exited(self, code: int) -> None:
        """Restart a child that ended on its own, unless children keep dying before they start."""
        notice = f"Shell Process Terminated, Exit Code: {code}"
        self._failed_starts = 0 if self._ever_ready else self._failed_starts + 1
        if self._failed_starts < MAX_FAILED_STARTS:
            self._restart(notice=notice)
            return
        kill_tree(self._child.proc)
        self._child = None
        self.on_output(f"{notice}\nThe shell process failed to start {MAX_FAILED_STARTS} times in a "
                       "row, it is not restarted again; use Run -> Kill to try again.\n", True)
        self.on_state("idle")

    def _recover_current(self, status: int | None = None) -> None:
        """A sent command that never started is sent again; a running one is reported (with the
        exit status of its killed process), not re-run."""
        cmd, self.current = self.current, None
        if cmd is None:
            return
        if cmd.started:
            self.done_ids.append(cmd.id)
            self.on_notice(f"Command interrupted, it will not be run again: {_first_line(cmd.text)}\n")
            self.on_event({"event": "done", "id": cmd.id, "killed": True,
                           "status": status if status is not None else -9})
        else:
            self.pending.appendleft(cmd)
            self.on_queue(len(self.pending))

    # -- commands ---------------------------------------------------------------------------

    def submit(self, text: str) -> str | None:
        """Queue a command; returns its id, or None (with the manual's warning) when the queue is full."""
        if len(self.pending) >= MAX_QUEUE:
            self.on_output(QUEUE_FULL_WARNING + "\n", True)
            return None
        cmd = Command(str(next(self._ids)), text)
        self.pending.append(cmd)
        self._send_next()
        self.on_queue(len(self.pending))
        return cmd.id

    def clear_queue(self) -> list[str]:
        """Drop every command waiting to be sent (not the running one); returns their ids."""
        dropped = [cmd.id for cmd in self.pending]
        self.pending.clear()
        self.on_queue(0)
        return dropped

    def _send_next(self) -> None:
        if not self._ready or self.current is not None or not self.pending or self._child is None:
            return
        cmd = self.pending.popleft()
        self.current = cmd
        self._ready = False
        self.on_queue(len(self.pending))
        if self._child.send({"type": "run", "id": cmd.id, "text": cmd.text}):
            self.on_send(cmd.id, cmd.text)  # before any output of the command can arrive
            self.on_state("running")
        # a failed write means the child is dying: its exit item recovers the command

    # -- the GUI side -----------------------------------------------------------------------

    def poll(self, limit: int = 2000, seconds: float = POLL_SECONDS) -> int:
        """Handle queued items on the calling thread for at most ``seconds`` (and ``limit``
        items); returns how many were handled. :attr:`backlog` tells whether items remain."""
        handled = 0
        end = time.perf_counter() + seconds
        while handled < limit:
            try:
                gen, kind, value = self._items.get_nowait()
            except queue.Empty:
                break
            handled += 1
            if kind == "out" or kind == "err":
                self.on_output(value, kind == "err")
            elif gen != self._gen or self._closed:
                pass
            elif kind == "event":
                self._handle_event(value)
            elif kind == "exit":
                self._child_exited(value)
            if not handled % 16 and time.perf_counter() >= end:
                break
        return handled

    @property
    def backlog(self) -> bool:
        """True while reader items wait for :meth:`poll`."""
        return not self._items.empty()

    def _handle_event(self, event: dict) -> None:
        name = event.get("event")
        cmd = self.current
        if name == "hello":
            self.pid = event.get("pid", self.pid)
        elif name in ("ready", "cwd") and isinstance(event.get("cwd"), str):
            self.cwd = event["cwd"]
        if name == "busy" and cmd is not None and str(event.get("id")) == cmd.id:
            cmd.started = True
        elif name == "done" and cmd is not None and str(event.get("id")) == cmd.id:
            self.current = None
            self.done_ids.append(cmd.id)
        self.on_event(event)
        if name == "ready":
            self._ready = self._ever_ready = True
            if self.current is None and not self.pending:
                self.on_state("idle")
            self._send_next()


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 80 else line[:77] + "..."
