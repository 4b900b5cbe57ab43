"""`workbench models`: what an endpoint serves, or the hosted models litellm knows, with prices."""

from __future__ import annotations

import argparse
import asyncio
import sys

from workbench import catalogue
from workbench.cli.session import add_offline_options, offline_mode, offline_policy
from workbench.cli.table import number, render_table
from workbench.errors import ProviderError
from workbench.secrets import KeyStore


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "models",
        help="list models of an endpoint, or hosted models with prices",
        description="With --api-base, ask that server (OpenAI-compatible /v1/models or Ollama "
        "/api/tags). Without, list the chat models in litellm's bundled price map.",
    )
    parser.add_argument("--api-base", metavar="URL", help="e.g. http://localhost:11434/v1")
    parser.add_argument("--provider", metavar="NAME", help="only this provider's hosted models")
    parser.add_argument("--search", metavar="TEXT", help="only models whose name contains TEXT")
    add_offline_options(parser, endpoints=False)
    parser.set_defaults(handler=models_command)


def models_command(args: argparse.Namespace, _keys: KeyStore | None) -> int:
    with offline_mode(offline_policy(args)) as offline:
        refusal = offline.refusal(args.api_base) if offline and args.api_base else None
        if refusal is not None:
            print(f"workbench: {args.api_base}: {refusal.message}", file=sys.stderr)
            return 1
        return _models(args)


def _models(args: argparse.Namespace) -> int:
    if args.api_base:
        return _endpoint(args.api_base, args.search)
    models = catalogue.hosted_models(args.provider, args.search)
    rows = [
        [
            m.name,
            m.provider,
            number(m.input_per_mtok, 2),
            number(m.output_per_mtok, 2),
            number(m.max_input_tokens),
        ]
        for m in models
    ]
    headers = ["model", "provider", "$/Mtok in", "$/Mtok out", "context"]
    print(render_table(headers, rows, right={2, 3, 4}))
    print(f"{len(models)} models; prices from litellm's bundled price map")
    return 0


def _endpoint(api_base: str, search: str | None) -> int:
    try:
        models = asyncio.run(catalogue.endpoint_models(api_base))
    except ProviderError as exc:
        print(f"workbench: {api_base}: {exc.message}", file=sys.stderr)
        return 1
    if search:
        models = [m for m in models if search.lower() in m.id.lower()]
    rows = [
        [
            m.id,
            m.parameter_size or "-",
            m.quantization or "-",
            number(m.size_bytes / 1e9, 1, " GB") if m.size_bytes else "-",
            number(m.context_length),
        ]
        for m in models
    ]
    headers = ["model", "params", "quantisation", "size", "context"]
    print(render_table(headers, rows, right={3, 4}))
    print(f"{len(models)} models at {api_base}")
    return 0
