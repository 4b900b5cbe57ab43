"""The `workbench` command's entry: the window with no arguments, the command line otherwise.

The window is found through the `workbench.window` entry point group (the core may not import
`ui`), and this module imports nothing heavy, so opening the window does not first load the
command line's modules (aiohttp among them).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points

_NO_WINDOW = (
    "workbench: the window is not installed (PySide6 is missing); "
    "install the 'ui' extra, or use the command line: workbench --help"
)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] == "window":
        opener = _window()
        if opener is None:
            if args:
                print(_NO_WINDOW, file=sys.stderr)
                return 2
        else:
            return opener(args[1:])
    from workbench.cli.main import main as command_line  # noqa: PLC0415

    return command_line(args)


def _window() -> Callable[[Sequence[str]], int] | None:
    for entry in entry_points(group="workbench.window"):
        try:
            opener: Callable[[Sequence[str]], int] = entry.load()
        except ImportError:
            return None
        return opener
    return None
