"""The console's code editor: ``CodeEditor``, find/replace, Format Code and highlighting."""

from dgenerate_console.editor.widget import CodeEditor

__all__ = ["CodeEditor"]
