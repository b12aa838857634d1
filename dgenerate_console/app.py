"""The console window: input over output on the left, the image pane on the right, wired to the interpreter."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tkinter as tk
from tkinter import filedialog, messagebox

from dgenerate_console import errorhandler, look
from dgenerate_console.client import InterpreterClient
from dgenerate_console.documents import TITLE, atomic_write, decode_text, read_script, window_title
from dgenerate_console.helpdocs import HelpOpener
from dgenerate_console.history import History
from dgenerate_console.opendoc import install_open_document, split_run_flag
from dgenerate_console.menus import MenuVars, build_edit_menu, build_menubar
from dgenerate_console.outputpane import OutputPane
from dgenerate_console.settings import IMAGE_MODES, Settings, migrate_old_files
from dgenerate_console.statusbar import StatusBar
from dgenerate_console.editor import CodeEditor
from dgenerate_console.themes import get_theme
from dgenerate_console.viewer import ViewerWindow, create_viewer

__all__ = ["ConsoleApp", "main", "decode_text"]

PLACEHOLDER = "Images appear here"
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".jfif"}
WELCOME = "\n\n".join((
    "Welcome to the dgenerate console, an interactive shell for dgenerate's config language.",
    "Type a command above and press Enter to run it. The Insert key switches to multiline input "
    "(line numbers appear): Enter then starts a new line, and Ctrl+Space (or Run -> Run) runs "
    "the whole script. Ctrl+Space works in both modes.",
    "Up and Down browse the command history outside multiline mode. Right-click the input or "
    "this output pane for more actions. Ctrl+Q (Run -> Kill) kills and restarts the interpreter.",
    "New to dgenerate? Insert Recipe (Edit -> Insert Code -> Recipe) fills in a form and inserts "
    "a ready-made generation command.",
    "Every line that is not a directive (starting with \\) or a top level template (starting "
    "with {) is run as dgenerate arguments; --help or its alias \\help prints them all.",
    "More help: \\directives_help [directive], \\functions_help [function] and "
    "\\templates_help [variable name].",
)) + "\n" + "=" * 60 + "\n"


class ConsoleApp:
    """One console window and its interpreter child."""

    def __init__(self, root: tk.Tk, *, open_file: str | None = None,
                 interpreter_args: list[str] | tuple = (), start_interpreter: bool = True,
                 error_handler: bool | None = None, run_open_file: bool = False) -> None:
        self.root = root
        self._closed = False
        self._poll_id: str | None = None
        self._after_ids: set[str] = set()
        self._submitted: dict[str, str] = {}
        self.echo_commands = True
        self.current_file: str | None = None
        self.image_window: ViewerWindow | None = None
        migrate_old_files()
        self.settings = Settings().load()
        self.history = History().load()
        self.theme = get_theme(self.settings["theme"])
        self.vars = MenuVars(root, self.settings)
        root.title(f"{TITLE}: {os.getcwd()}")
        self.scale = look.dpi_scale(root)
        look.scale_fonts(root, self.scale)
        root.geometry(f"{self.px(1000)}x{self.px(800)}")
        self._build_layout()
        self.error_handler = errorhandler.install(
            root, lambda line: self.output.append(line, True, echo=False), error_handler)
        self.client = InterpreterClient(cwd=os.getcwd(), args=list(interpreter_args),
                                        on_output=self.output.append, on_event=self._on_event,
                                        on_state=self.status.set_state,
                                        on_queue=self.status.set_queue,
                                        on_notice=self.output.append_notice,
                                        on_send=self._on_send)
        self.help = HelpOpener(root, self.info, lambda: self.theme)
        self.menubar = build_menubar(self)
        root.configure(menu=self.menubar)
        self.input_menu = build_edit_menu(self.editor, self)
        self._bind()
        self._apply_theme(self.theme)
        self.apply_options(save=False)
        self.image_mode = "none"
        self._restore_image_mode(self.settings["image_mode"])
        self.output.append(WELCOME, echo=False)
        if open_file:
            self.load_file(open_file)
        self.editor.text.focus_set()
        root.protocol("WM_DELETE_WINDOW", self.request_close)
        install_open_document(root, self)
        if start_interpreter:
            self.client.start()
        if open_file and run_open_file:  # --run FILE: run it once the interpreter is ready
            self.submit(self.editor.get_text())
        self._poll_id = root.after(10, self._poll)

    # -- layout -----------------------------------------------------------------------------

    def _build_layout(self) -> None:
        root, theme = self.root, self.theme
        self.status = StatusBar(root, theme=theme, scale=self.scale)
        self.status.pack(side="bottom", fill="x")
        self.status.set_cwd(os.getcwd())
        self.hpane = tk.PanedWindow(root, orient="horizontal", sashwidth=self.px(6), borderwidth=0)
        self.hpane.pack(side="top", fill="both", expand=True)
        self.vpane = tk.PanedWindow(self.hpane, orient="vertical", sashwidth=self.px(6),
                                    borderwidth=0)
        self.hpane.add(self.vpane, stretch="always", minsize=self.px(200))
        self.editor = CodeEditor(self.vpane, theme=theme, multiline=False,
                                 word_wrap=self.settings["word_wrap_input"])
        self.output = OutputPane(self.vpane, theme=theme, word_wrap=self.settings["word_wrap_output"])
        self.output.resolve_path = self.resolve_image_path
        self.output.on_preview_image = self.preview_image
        self.vpane.add(self.editor, height=self.px(360), stretch="always", minsize=self.px(60))
        self.vpane.add(self.output, stretch="always", minsize=self.px(60))
        self.image_frame = tk.Frame(self.hpane)
        self.placeholder = tk.Label(self.image_frame, text=PLACEHOLDER, anchor="center")
        self.placeholder.pack(fill="both", expand=True)
        self._pane_viewer = None  # made for the first image: probing OpenGL costs ~0.5 s

    def px(self, pixels: float) -> int:
        """A size given at 96 dpi in this screen's pixels."""
        return look.scaled(pixels, self.scale)

    @property
    def pane_viewer(self):
        """The viewer living in the image pane (created on first use)."""
        if self._pane_viewer is None:
            viewer = create_viewer(self.image_frame, theme=self.theme, on_info=self.info)
            setattr(viewer.surface, look.SKIP, True)  # the backdrop keeps its own colour
            self.placeholder.pack_forget()
            viewer.pack(fill="both", expand=True)
            viewer.on_make_window = lambda: self.set_image_mode("window")
            viewer.on_make_pane = None
            viewer.on_hide = lambda: self.set_image_mode("none")
            self._pane_viewer = viewer
        return self._pane_viewer

    @property
    def viewer(self):
        """The image viewer in use: the window's while the image window is open, else the pane's."""
        if self.image_window is not None:
            return self.image_window.viewer
        return self.pane_viewer

    def _bind(self) -> None:
        ed = self.editor
        ed.bind("<<Submit>>", lambda e: self.run_input())
        ed.bind("<<HistoryPrevious>>", lambda e: self.history_previous())
        ed.bind("<<HistoryNext>>", lambda e: self.history_next())
        ed.bind("<<ToggleMultiline>>", lambda e: self.set_multiline(not ed.multiline))
        self.root.bind("<Control-q>", lambda e: (self.kill(), "break")[1])
        self.root.bind("<Control-o>", lambda e: (self.open_dialog(), "break")[1])
        self.root.bind("<Control-s>", lambda e: (self.save(), "break")[1])
        self.root.bind("<Control-S>", lambda e: (self.save_as_dialog(), "break")[1])
        ed.text.bind("<<Modified>>", lambda e: self._on_modified(), add=True)
        ed.text.bind("<Button-3>", self._input_popup)

    def _input_popup(self, event) -> str:
        self.input_menu.tk_popup(event.x_root, event.y_root)
        return "break"

    # -- running ----------------------------------------------------------------------------

    def run_input(self) -> str | None:
        """Run the input pane's text (Enter / Ctrl+Space / Run → Run); returns the command id."""
        text = self.editor.get_text()
        if not text.strip():
            return None
        cmd_id = self.submit(text)
        if cmd_id is None:
            return None
        self.history.add(text)
        self.history.save()
        if not self.editor.multiline:
            self.editor.clear()
        if self.vars.scroll_on_run.get():
            self.output.scroll_to_end()
        return cmd_id

    def submit(self, text: str) -> str | None:
        """Queue ``text`` for the interpreter (None when the queue is full)."""
        cmd_id = self.client.submit(text)
        if cmd_id is not None:
            self._submitted[cmd_id] = text
            if len(self._submitted) > 200:  # ids of killed commands never see their done
                del self._submitted[next(iter(self._submitted))]
        return cmd_id

    def kill(self) -> None:
        """Kill the interpreter's process tree and start a fresh one in the same directory."""
        self.client.kill()

    def open_help(self, label: str, url: str) -> None:
        """Help menu: the web page, else the local copy (the output pane says which)."""
        self.help.open(label, url)

    def clear_queue(self) -> int:
        """Run → Clear Queue: drop the commands waiting behind the running one; returns how many."""
        dropped = self.client.clear_queue()
        for cmd_id in dropped:
            self._submitted.pop(cmd_id, None)
        self.info(f"Cleared {len(dropped)} queued command{'' if len(dropped) == 1 else 's'}.")
        return len(dropped)

    def apply_flags(self) -> None:
        """Run → Offline Mode / Debug Mode: restart the interpreter with ``-ofm`` / ``-v``."""
        self.client.set_flags(self.vars.offline.get(), self.vars.debug.get())

    def _poll(self) -> None:
        self._poll_id = None
        if self._closed:
            return
        try:
            self.client.poll()
        except tk.TclError:
            if self._closed or not _exists(self.root):  # the window went away under us
                return
            self._report(*sys.exc_info())
        except Exception:  # a bug in one handler must not stop the console listening
            self._report(*sys.exc_info())
        if self.client.backlog:  # more waiting: go on as soon as the window has drawn
            self._poll_id = self.root.after_idle(self._poll)
        else:
            self._poll_id = self.root.after(15, self._poll)

    def _report(self, exc_type, value, tb) -> None:
        """An exception caught by the console's own loops goes where callback errors go."""
        self.root.report_callback_exception(exc_type, value, tb)

    def _on_event(self, event: dict) -> None:
        name = event.get("event")
        handler = self._event_handlers.get(str(name))
        if handler is not None:
            handler(event)

    @property
    def _event_handlers(self) -> dict:
        return {"ready": self._on_cwd, "cwd": self._on_cwd, "error": self._mark_error,
                "done": self._on_done, "image": self._on_image,
                "progress": self._on_progress, "loading": self._on_loading,
                "warm": self._on_warm}

    def _on_cwd(self, event: dict) -> None:
        if isinstance(event.get("cwd"), str):
            self._set_cwd(event["cwd"])

    def _on_send(self, cmd_id: str, text: str) -> None:
        """A command goes to the interpreter: echo it in the output pane (on lines of its own)."""
        if self.echo_commands:
            self.output.append_command(text)

    def _on_done(self, event: dict) -> None:
        self._submitted.pop(str(event.get("id")), None)
        try:
            status = int(event.get("status", 0))
        except (TypeError, ValueError):
            status = 1
        self.status.set_exit_status(status, event.get("seconds"), killed=bool(event.get("killed")))

    def _on_image(self, event: dict) -> None:
        if isinstance(event.get("path"), str):
            self.show_image(event["path"])

    def _on_progress(self, event: dict) -> None:
        try:
            self.status.set_progress(int(event["step"]), int(event["total"]))
        except (KeyError, TypeError, ValueError):
            pass

    def _on_loading(self, event: dict) -> None:
        """A model (or, warming up, the generation libraries) is loading: say what."""
        what = str(event.get("what") or "model")
        if event.get("option") == "warm-up":
            self.status.set_activity(f"Warming up: {what}")
        else:
            self.status.set_activity(f"Loading {what}")

    def _on_warm(self, event: dict) -> None:
        if self.status.activity.startswith("Warming up"):
            self.status.set_activity(None)

    def _set_cwd(self, cwd: str) -> None:
        self._update_title()
        self.status.set_cwd(cwd)

    def _mark_error(self, event: dict) -> None:
        """Mark the failing statement (all its lines) when the input pane still shows the
        command that failed."""
        line = event.get("line")
        text = self._submitted.get(str(event.get("id")))
        if event.get("source") != "<console>" or not isinstance(line, int) or text is None:
            return
        end = event.get("end_line")
        if self.editor.get_text() == text:
            self.editor.mark_error_line(line, end if isinstance(end, int) else None)

    def info(self, text: str) -> None:
        """An info line (the viewer, File -> Save ...) on a line of its own in the output pane."""
        self.output.append_notice(text.rstrip("\n") + "\n")

    # -- history and input modes ------------------------------------------------------------

    def history_previous(self) -> None:
        entry = self.history.previous(self.editor.get_text())
        if entry is not None:
            self.editor.set_text(entry)

    def history_next(self) -> None:
        entry = self.history.next(self.editor.get_text())
        if entry is not None:
            self.editor.set_text(entry)

    def set_multiline(self, multiline: bool) -> None:
        self.editor.set_multiline(bool(multiline))
        self.vars.multiline.set(bool(multiline))
        self.history.reset()

    # -- options ----------------------------------------------------------------------------

    def apply_options(self, save: bool = True) -> None:
        """Word wrap and scroll options from the Options menu (saved to the settings file)."""
        v = self.vars
        self.editor.set_word_wrap(v.word_wrap_input.get())
        self.output.set_word_wrap(v.word_wrap_output.get())
        self.output.auto_scroll = v.scroll_on_output.get()
        self.settings.update({"word_wrap_input": v.word_wrap_input.get(),
                              "word_wrap_output": v.word_wrap_output.get(),
                              "auto_scroll_on_run": v.scroll_on_run.get(),
                              "auto_scroll_on_output": v.scroll_on_output.get()})
        if save:
            self.settings.save()

    def set_theme(self, name: str) -> None:
        """Options → Theme: recolour every widget and save the choice."""
        theme = get_theme(name)
        self._apply_theme(theme)
        self.vars.theme.set(theme.name)
        self.settings["theme"] = theme.name
        self.settings.save()

    def _apply_theme(self, theme) -> None:
        self.theme = theme
        look.apply_look(self.root, theme, self.scale)  # menus, dialogs, every other widget
        self.placeholder.configure(background=theme.background, foreground=theme.echo)
        self.editor.set_theme(theme)
        self.output.set_theme(theme)
        self.status.set_theme(theme)
        if self._pane_viewer is not None:
            self._pane_viewer.set_theme(theme)
        self.image_frame.configure(background=theme.background)
        if self.image_window is not None:
            self.image_window.viewer.set_theme(theme)

    # -- images -----------------------------------------------------------------------------

    def show_image(self, path: str) -> None:
        """Show ``path`` in the viewer (the pane viewer keeps it while the viewer is hidden)."""
        self.last_image = path
        self.viewer.load(path)

    def set_image_mode(self, mode: str, save: bool = True) -> None:
        """View → Image Pane / Image Window: ``pane``, ``window`` or ``none``; state moves along."""
        if mode not in IMAGE_MODES:
            raise ValueError(f"image mode must be one of {IMAGE_MODES}")
        made = self._pane_viewer is not None or self.image_window is not None
        state = self.viewer.get_state() if made else None
        if self.image_window is not None and mode != "window":
            window, self.image_window = self.image_window, None
            window.destroy()
        if mode == "pane":
            if str(self.image_frame) not in [str(p) for p in self.hpane.panes()]:
                self.hpane.add(self.image_frame, stretch="always", minsize=self.px(100),
                               width=self.px(400))
        else:
            self.hpane.forget(self.image_frame)
        if mode == "window":
            if self.image_window is None:
                self.image_window = ViewerWindow(self.root, theme=self.theme, on_info=self.info,
                                                 on_close=lambda: self.set_image_mode("none"))
                setattr(self.image_window.viewer.surface, look.SKIP, True)
                self.image_window.viewer.on_make_pane = lambda: self.set_image_mode("pane")
                self.image_window.viewer.on_make_window = None
                self.image_window.viewer.on_hide = None
        if state is not None:
            self.viewer.set_state(state)
        self.image_mode = mode
        self.vars.image_pane.set(mode == "pane")
        self.vars.image_window.set(mode == "window")
        self.settings["image_mode"] = mode
        if save:
            self.settings.save()

    def _restore_image_mode(self, mode: str) -> None:
        """The saved image mode, without delaying the first interactive frame.

        Making a viewer probes OpenGL (~0.4 s), so the pane's viewer and the image window are
        made a moment after the window is up; an image arriving earlier makes them at once.
        """
        if mode == "pane":
            self.set_image_mode("pane", save=False)  # the placeholder until the first image
        elif mode == "window":
            self.settings["image_mode"] = "window"

            def open_window() -> None:
                if self.image_mode == "none" and self.image_window is None:
                    self.set_image_mode("window", save=False)

            self._later(200, open_window)

    def _later(self, ms: int, action) -> None:
        """``after`` that close() cancels."""
        def run() -> None:
            self._after_ids.discard(after_id)
            if not self._closed:
                action()

        after_id = self.root.after(ms, run)
        self._after_ids.add(after_id)

    def resolve_image_path(self, text: str) -> str | None:
        """Selected text → an existing image path (unquoted, ``~`` and the shell's cwd applied)."""
        text = text.strip()
        if not text or "\n" in text:
            return None
        try:
            parts = shlex.split(text)
        except ValueError:
            parts = []
        if len(parts) == 1:
            text = parts[0]
        path = os.path.expanduser(text)
        if not os.path.isabs(path):
            path = os.path.join(self.client.cwd, path)
        if os.path.isfile(path) and os.path.splitext(path)[1].lower() in IMAGE_EXTENSIONS:
            return path
        return None

    def selected_input_image(self) -> str | None:
        try:
            return self.resolve_image_path(self.editor.text.get("sel.first", "sel.last"))
        except tk.TclError:
            return None

    def preview_selected_input_image(self) -> None:
        path = self.selected_input_image()
        if path:
            self.preview_image(path)

    def preview_image(self, path: str) -> None:
        """Preview Selected Image: show it, opening the image pane when no viewer is visible."""
        if self.image_mode == "none":
            self.set_image_mode("pane")
        self.show_image(path)

    # -- files ----------------------------------------------------------------------------

    def load_file(self, path: str) -> None:
        """Load a .dgen / .txt file into the input pane in multiline mode."""
        text = read_script(path)
        self.editor.set_text(text)
        self.set_multiline(True)
        self.current_file = os.path.abspath(path)
        self._update_title()

    def save_file(self, path: str) -> str:
        """Write the input pane's text atomically (UTF-8, ending in a newline); says where."""
        written = atomic_write(path, self.editor.get_text())
        self.current_file = written
        self.editor.text.edit_modified(False)
        self._update_title()
        self.info(f"Saved {written}")
        return written

    def _file_types(self) -> list[tuple[str, str]]:
        return [("dgenerate config", "*.dgen"), ("Text", "*.txt"), ("All files", "*")]

    def open_dialog(self) -> None:
        """File → Open… (Ctrl+O)."""
        if not self._confirm_discard():
            return
        path = filedialog.askopenfilename(parent=self.root, initialdir=self.client.cwd,
                                          title="Open Config", filetypes=self._file_types())
        if path:
            self.load_file(path)

    def save(self) -> None:
        """File → Save (Ctrl+S): to the current file, else ask for a name."""
        if self.current_file:
            self.save_file(self.current_file)
        else:
            self.save_as_dialog()

    def save_as_dialog(self) -> None:
        """File → Save As… (Ctrl+Shift+S)."""
        folder, name = (os.path.split(self.current_file) if self.current_file
                        else (self.client.cwd, ""))
        path = filedialog.asksaveasfilename(
            parent=self.root, initialdir=folder, initialfile=name, title="Save Config As",
            defaultextension=".dgen", filetypes=self._file_types())
        if path:
            self.save_file(path)

    # keep the old names (tests, muscle memory of the code base)
    load_dialog = open_dialog
    save_dialog = save_as_dialog

    @property
    def modified(self) -> bool:
        """Unsaved changes worth asking about: an open file, or a multiline script."""
        text = self.editor.text
        try:
            changed = bool(text.edit_modified())
        except tk.TclError:
            return False
        if not changed:
            return False
        return self.current_file is not None or (self.editor.multiline
                                                 and bool(self.editor.get_text().strip()))

    def _on_modified(self) -> None:
        self._update_title()

    def _update_title(self) -> None:
        title = window_title(self.client.cwd if hasattr(self, "client") else os.getcwd(),
                             self.current_file, self.modified)
        if self.root.title() != title:
            self.root.title(title)

    def ask_unsaved(self) -> bool | None:
        """Save the changes? True: save, False: discard, None: cancel (a dialog by default)."""
        name = os.path.basename(self.current_file) if self.current_file else "the script"
        return messagebox.askyesnocancel("Unsaved changes", f"Save the changes to {name}?",
                                         parent=self.root)

    def _confirm_discard(self) -> bool:
        """True when the input may be replaced or the window closed (saving first if asked)."""
        if not self.modified:
            return True
        answer = self.ask_unsaved()
        if answer is None:
            return False
        if answer:
            self.save()
            return not self.modified
        return True

    def new_window(self, path: str | None = None) -> subprocess.Popen:
        """File → New Window: another console process, independent of this one (opening ``path``)."""
        kwargs = {"start_new_session": True} if os.name != "nt" else {}
        extra = [path] if path else []
        return subprocess.Popen([sys.executable, "-m", "dgenerate_console"] + extra,
                                cwd=self.client.cwd, **kwargs)

    # -- closing ----------------------------------------------------------------------------

    def request_close(self) -> None:
        """File → Exit and the window's close button: ask about unsaved changes, then close."""
        if self._confirm_discard():
            self.close()

    def close(self) -> None:
        """Save settings and history, end the interpreter's process tree, destroy the window."""
        if self._closed:
            return
        self._closed = True
        for after_id in [self._poll_id, *self._after_ids]:
            try:
                if after_id is not None:
                    self.root.after_cancel(after_id)
            except tk.TclError:
                pass
        self.settings.save()
        self.history.save()
        self.client.close()
        try:
            self.root.destroy()
        except tk.TclError:
            pass


def _exists(widget: tk.Misc) -> bool:
    try:
        return bool(widget.winfo_exists())
    except tk.TclError:
        return False


def main(argv: list[str] | None = None) -> int:
    """``dgenerate --console [--run] [file.dgen] [interpreter args]`` and ``dgenerate-console``.

    ``--run FILE`` (the file manager's "Run" verb) opens FILE and runs it at once, in FILE's
    folder (relative paths in the script then mean what its author meant)."""
    run, args = split_run_flag(list(sys.argv[1:] if argv is None else argv))
    open_file = None
    if args and not args[0].startswith("-"):
        open_file = args.pop(0)
        if not os.path.isfile(open_file):
            print(f"File not found: {open_file}", file=sys.stderr)
            return 1
    if run and open_file is None:
        print("--run needs a .dgen file: dgenerate-console --run FILE", file=sys.stderr)
        return 1
    if run:
        open_file = os.path.abspath(open_file)
        os.chdir(os.path.dirname(open_file))
    try:
        root = tk.Tk(className="dgenerate-console")
    except tk.TclError as err:
        print(f"dgenerate console: cannot open a window: {err}", file=sys.stderr)
        return 1
    app = ConsoleApp(root, open_file=open_file, interpreter_args=args, run_open_file=run)
    run_until_closed(app)
    return 0


def run_until_closed(app: ConsoleApp) -> None:
    """``mainloop`` until the window is closed: an exception that escapes the loop (tkinter
    re-raises one from a Python command called by Tcl) is reported and the loop goes on."""
    while not app._closed and _exists(app.root):
        try:
            app.root.mainloop()
            break
        except KeyboardInterrupt:
            break
        except Exception:  # noqa: BLE001 - nothing but File -> Exit closes the window
            handler = app.error_handler or errorhandler.CallbackErrorHandler()
            handler(*sys.exc_info())
    app.close()
