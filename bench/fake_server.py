"""The tests' fake OpenAI-compatible server in a process of its own, for the window benches.

A server in the bench's own process would compete with the GUI thread for the GIL and blur the
stalls being measured; a real model server is another process too.

    python -m bench.fake_server --models a b --tokens 500 --interval 0.01
prints the base URL on its first line and serves until stdin closes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from tests.support.fake_openai import Behaviour, FakeOpenAIServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", nargs="+", required=True)
    parser.add_argument("--tokens", type=int, default=500)
    parser.add_argument("--interval", type=float, default=0.01)
    args = parser.parse_args()
    reply = " ".join(f"token{i}" for i in range(args.tokens))
    with FakeOpenAIServer(models=tuple(args.models)) as server:
        for model in args.models:
            server.behave(model, Behaviour(reply=reply, token_interval_s=args.interval))
        print(server.base_url, flush=True)
        sys.stdin.read()


class FakeServerProcess:
    """Start the server process; `base_url` once it is listening; `close()` ends it."""

    def __init__(self, models: list[str], tokens: int, interval_s: float) -> None:
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.fake_server",
                "--models",
                *models,
                "--tokens",
                str(tokens),
                "--interval",
                str(interval_s),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        self.base_url = self._process.stdout.readline().strip()
        if not self.base_url:
            raise RuntimeError("the fake server did not start")

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(10)


if __name__ == "__main__":
    main()
