"""Drive the REAL console window with X events (``event generate`` on the real widgets, through
Tk's own class bindings), inside ``mainloop``: the place where tkinter re-raises an error of a
Python command called from Tcl, which is what closed the window before."""

from __future__ import annotations

import time
import tkinter as tk

SLEEP_COMMAND = "\\exec sleep 30"
DIALOG_CLASSES = ("Toplevel", "TkFDialog", "Dialog")


class Driver:
    """Actions a user can take; each one goes through X events on the real widgets."""

    def __init__(self, app, image_path: str) -> None:
        self.app = app
        self.root: tk.Tk = app.root
        self.image_path = image_path
        self.errors: list[BaseException] = []
        self.root.report_callback_exception = self._record
        self.bar = self._menubar_clone()

    def _record(self, exc_type, value, tb) -> None:
        self.errors.append(value)

    # -- running inside mainloop ----------------------------------------------------------

    def in_mainloop(self, action) -> None:
        """Run ``action`` from inside ``mainloop`` (so a pending Tcl-side error is re-raised
        where it would close the real window), then leave the loop."""
        def run() -> None:
            try:
                action()
                self.settle()
            finally:
                self.root.after(1, self.root.quit)

        self.root.after(1, run)
        self.root.mainloop()

    def settle(self, seconds: float = 0.02) -> None:
        end = time.monotonic() + seconds
        while True:
            self.root.update()
            if time.monotonic() >= end:
                return
            time.sleep(0.005)

    def alive(self) -> bool:
        try:
            return bool(self.root.winfo_exists()) and not self.app._closed
        except tk.TclError:
            return False

    # -- states -----------------------------------------------------------------------------

    def state_empty(self) -> None:
        self._idle_editor("", multiline=False)

    def state_text(self) -> None:
        self._idle_editor("\\print survive one\n\\print survive two", multiline=True)

    def state_selection(self) -> None:
        self._idle_editor("\\print selected text\n\\print more", multiline=True)
        self.app.editor.text.tag_add("sel", "1.2", "2.3")

    def state_running(self) -> None:
        self._idle_editor("", multiline=False)
        self.app.submit(SLEEP_COMMAND)
        self._pump(lambda: self.app.client.current is not None and self.app.client.current.started)

    def state_no_image(self) -> None:
        """The image pane open (an image shown earlier stays: run the image-less states first)."""
        self.app.set_image_mode("pane", save=False)

    def state_image(self) -> None:
        self.app.set_image_mode("pane", save=False)
        self.app.show_image(self.image_path)

    def _idle_editor(self, text: str, multiline: bool) -> None:
        client = self.app.client
        if client.current is not None or client.pending:
            self.app.clear_queue()
            self.app.kill()
        self._pump(lambda: client._ready and client.current is None)
        self.app.set_multiline(multiline)
        self.app.editor.set_text(text)

    def _pump(self, cond, timeout: float = 30.0) -> None:
        end = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > end:
                raise AssertionError("the console did not reach the expected state")
            self.root.update()
            time.sleep(0.005)

    # -- menus ------------------------------------------------------------------------------

    def _menubar_clone(self) -> str:
        for child in str(self.root.tk.eval("winfo children .")).split():
            if (self.root.tk.call("winfo", "class", child) == "Menu"
                    and str(self.root.tk.call(child, "cget", "-type")) == "menubar"):
                return child
        raise AssertionError("no menu bar")

    def menubar_labels(self) -> list[str]:
        last = int(self.root.tk.call(self.bar, "index", "end"))
        return [str(self.root.tk.call(self.bar, "entrycget", i, "-label")) for i in range(last + 1)]

    def open_menu(self, index: int) -> list[str]:
        """Click menu bar entry ``index``, open every submenu in it, close it with Escape;
        returns the labels of the menus that were shown."""
        tk_call = self.root.tk.call
        x = int(tk_call(self.bar, "xposition", index)) + 5
        self._generate(self.bar, "<Enter>", x=x, y=5)
        self._generate(self.bar, "<Motion>", x=x, y=5)
        self._generate(self.bar, "<ButtonPress-1>", x=x, y=5)
        self.settle()
        menu = str(tk_call(self.bar, "entrycget", index, "-menu"))
        shown = []
        if int(tk_call("winfo", "ismapped", menu)):
            shown.append(str(tk_call(self.bar, "entrycget", index, "-label")))
            shown += self._open_cascades(menu)
        self._generate(self.bar, "<ButtonRelease-1>", x=x, y=-50)  # released off the entries
        self.close_menus()
        return shown

    def _open_cascades(self, menu: str) -> list[str]:
        tk_call = self.root.tk.call
        shown = []
        last = tk_call(menu, "index", "end")
        if str(last) == "none":
            return shown
        for i in range(int(last) + 1):
            if str(tk_call(menu, "type", i)) != "cascade":
                continue
            y = int(tk_call(menu, "yposition", i)) + 4
            self._generate(menu, "<Enter>", x=10, y=y, state=256)
            self._generate(menu, "<Motion>", x=10, y=y, state=256)
            sub = str(tk_call(menu, "entrycget", i, "-menu"))
            end = time.monotonic() + 0.5  # Tk posts a cascade 50 ms after it is entered
            while not int(tk_call("winfo", "ismapped", sub)) and time.monotonic() < end:
                self.settle(0.01)
            if int(tk_call("winfo", "ismapped", sub)):
                shown.append(str(tk_call(menu, "entrycget", i, "-label")))
                shown += self._open_cascades(sub)
        return shown

    def close_menus(self) -> None:
        """Escape the posted menus (Tk's own binding), and drop any grab they left."""
        for _ in range(6):
            posted = self._posted_menus()
            if not posted:
                break
            self._generate(posted[-1], "<Escape>")
            self.settle()
        if self._posted_menus():
            self.root.tk.call("::tk::MenuUnpost", "")
        grab = self.root.grab_current()
        if grab is not None and isinstance(grab, tk.Menu):
            grab.grab_release()

    def _posted_menus(self) -> list[str]:
        found = []

        def walk(widget: str) -> None:
            for child in str(self.root.tk.eval(f"winfo children {widget}")).split():
                if (self.root.tk.call("winfo", "class", child) == "Menu"
                        and child != self.bar and int(self.root.tk.call("winfo", "ismapped", child))):
                    found.append(child)
                walk(child)

        walk(".")
        return found

    def invoke_edit_entry(self, label: str) -> None:
        """Click an entry of the Edit menu (open it, move there, release the button)."""
        labels = self.menubar_labels()
        index = labels.index("Edit")
        tk_call = self.root.tk.call
        x = int(tk_call(self.bar, "xposition", index)) + 5
        self._generate(self.bar, "<Enter>", x=x, y=5)
        self._generate(self.bar, "<Motion>", x=x, y=5)
        self._generate(self.bar, "<ButtonPress-1>", x=x, y=5)
        self.settle()
        menu = str(tk_call(self.bar, "entrycget", index, "-menu"))
        entry = int(tk_call(menu, "index", label))
        y = int(tk_call(menu, "yposition", entry)) + 4
        self._generate(menu, "<Enter>", x=10, y=y)
        self._generate(menu, "<Motion>", x=10, y=y)
        self._generate(menu, "<ButtonRelease-1>", x=10, y=y)
        self.settle()
        self.close_menus()

    # -- panes and keys ---------------------------------------------------------------------

    def panes(self) -> dict[str, tk.Misc]:
        found = {"input": self.app.editor.text, "output": self.app.output.text}
        if self.app.image_mode == "pane":  # the placeholder until the first image
            viewer = self.app._pane_viewer
            found["image"] = viewer.surface if viewer is not None else self.app.placeholder
        return found

    def right_click(self, widget: tk.Misc) -> None:
        widget.update_idletasks()
        x, y = max(2, widget.winfo_width() // 3), max(2, widget.winfo_height() // 3)
        self._generate(widget, "<ButtonPress-3>", x=x, y=y,
                       rootx=widget.winfo_rootx() + x, rooty=widget.winfo_rooty() + y)
        self._generate(widget, "<ButtonRelease-3>", x=x, y=y,
                       rootx=widget.winfo_rootx() + x, rooty=widget.winfo_rooty() + y)
        self.settle()
        self.close_menus()

    def press(self, widget: tk.Misc, sequence: str) -> None:
        """Focus ``widget`` and send the key; modal dialogs it opens are cancelled by Escape."""
        widget.focus_force()
        self.settle(0)
        watch = self._dialog_closer()
        try:
            self._generate(widget, sequence)
            self.settle()
        finally:
            self.root.after_cancel(watch[0])
        self.close_dialogs()

    def _dialog_closer(self) -> list:
        """While a modal dialog (file dialog, message box) runs its own loop, press its Escape."""
        job: list = [None]

        def check() -> None:
            self.close_dialogs()
            job[0] = self.root.after(60, check)

        job[0] = self.root.after(60, check)
        return job

    def close_dialogs(self) -> None:
        for top in self.root.winfo_children():
            if isinstance(top, tk.Toplevel) or str(top) in (".__tk_filedialog", ".__tk__messagebox"):
                if top is getattr(self.app.image_window, "window", None):
                    continue
                try:
                    self._generate(top, "<Escape>")
                    self.settle(0)
                    if top.winfo_exists():
                        top.destroy()
                except tk.TclError:
                    pass
        for name in (".__tk_filedialog", ".__tk__messagebox"):
            if int(self.root.tk.call("winfo", "exists", name)):
                self.root.tk.call("event", "generate", name, "<Escape>")

    def _generate(self, widget, sequence: str, **fields) -> None:
        path = widget if isinstance(widget, str) else str(widget)
        args = []
        for key, value in fields.items():
            args += [f"-{key}", value]
        self.root.tk.call("event", "generate", path, sequence, *args)
