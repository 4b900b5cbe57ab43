"""`workbench keys set|list|delete PROVIDER`: API keys in the OS keyring.

A key is read from standard input or a hidden prompt, never from the command line (argv shows up in
shell history and process lists).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from workbench.cli.table import render_table
from workbench.errors import UsageError
from workbench.secrets import (
    ENV_VARS,
    KeyringStore,
    KeyStore,
    env_var_for,
    mask,
    no_backend_message,
)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "keys",
        help="store API keys in the OS keyring",
        description="Keys are kept in the OS keyring and nowhere else. `set` reads the key from "
        "standard input or a hidden prompt.",
    )
    parser.add_argument("action", choices=("set", "list", "delete"))
    parser.add_argument("provider", nargs="?", metavar="PROVIDER", help="e.g. openai, anthropic")
    parser.set_defaults(handler=keys_command)


def keys_command(args: argparse.Namespace, keys: KeyStore | None) -> int:
    store = keys if keys is not None else KeyringStore()
    if args.action == "list":
        return _list(store)
    if not args.provider:
        raise UsageError(f"workbench keys {args.action} needs a PROVIDER (e.g. openai)")
    provider = args.provider.strip().lower()
    if args.action == "set":
        store.set(provider, _read_key(provider))
        print(f"stored the {provider} key in the keyring")
        return 0
    if store.delete(provider):
        print(f"deleted the {provider} key from the keyring")
        return 0
    print(f"no {provider} key was stored in the keyring", file=sys.stderr)
    return 1


def _read_key(provider: str) -> str:
    if sys.stdin.isatty():
        key = getpass.getpass(f"{provider} API key (input hidden): ")
    else:
        key = sys.stdin.readline()
    key = key.strip()
    if not key:
        raise UsageError("no key given: type it at the prompt or pipe it on standard input")
    return key


def _list(store: KeyStore) -> int:
    if not store.is_secure():
        print(f"workbench: {no_backend_message()}", file=sys.stderr)
    stored = store.providers()
    names = sorted(set(stored) | {p for p in ENV_VARS if os.environ.get(env_var_for(p))})
    rows = []
    for name in names:
        value = store.get(name) if name in stored else None
        variable = env_var_for(name)
        rows.append(
            [
                name,
                mask(value) if value else "-",
                f"{variable} set" if os.environ.get(variable) else "-",
            ]
        )
    if not rows:
        if store.is_secure():
            print("no keys stored; add one with `workbench keys set PROVIDER`")
        return 0
    print(render_table(["provider", "keyring", "environment"], rows, right=set()))
    return 0
