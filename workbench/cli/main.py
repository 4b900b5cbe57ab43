"""Entry point of the `workbench` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from workbench import __version__
from workbench.cli import (
    eval_cmd,
    export_cmd,
    history_cmd,
    keys_cmd,
    models_cmd,
    resume_cmd,
    run_cmd,
    set_cmds,
    stats_cmd,
)
from workbench.errors import WorkbenchError
from workbench.secrets import KeyringStore, KeyStore

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace, KeyStore | None], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Prompt Workbench: run prompts against many models and compare them.",
    )
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run_cmd.add_parser(sub)
    models_cmd.add_parser(sub)
    keys_cmd.add_parser(sub)
    history_cmd.add_parsers(sub)
    resume_cmd.add_parser(sub)
    export_cmd.add_parser(sub)
    stats_cmd.add_parser(sub)
    eval_cmd.add_parser(sub)
    set_cmds.add_parsers(sub)
    return parser


def _key_store() -> KeyStore | None:
    """The keyring, or None where even loading the keyring package fails."""
    try:
        return KeyringStore()
    except Exception as exc:  # noqa: BLE001 - keys from environment variables still work
        print(
            f"workbench: the keyring is unavailable ({exc}); using environment variables",
            file=sys.stderr,
        )
        return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return handler(args, _key_store())
    except WorkbenchError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("workbench: interrupted", file=sys.stderr)
        return 130
