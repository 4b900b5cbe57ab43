"""A stand-in for `python -m llama_cpp.server`, for tests that must not depend on its build.

It takes the real server's flags for what `workbench.local_engine` passes, honours the HOST and
PORT environment variables over them as the real one does, refuses a file that is not GGUF (or
whose architecture llama.cpp would not know) with llama.cpp-style lines on stderr and exit
status 1, logs a few lines, then serves the OpenAI wire format on its port with
`FakeOpenAIServer` until SIGTERM. A few flags only the stand-in has make it misbehave on purpose.

Run it as `python -m tests.support.stand_in_engine --model FILE --port N ...`.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import gguf

from tests.support.fake_openai import FakeOpenAIServer

KNOWN_ARCHITECTURES = ("llama",)


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stand_in_engine")
    parser.add_argument("--model", required=True)
    parser.add_argument("--model_alias")
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--n_ctx", type=int, default=2048)
    # The stand-in's own: misbehave as a broken or stubborn engine would.
    parser.add_argument("--never_ready", action="store_true", help="log, but never serve")
    parser.add_argument("--ignore_sigterm", action="store_true", help="only SIGKILL ends it")
    parser.add_argument("--chatter", type=int, default=0, metavar="N", help="log N extra lines")
    return parser


def _refusal(model: Path) -> list[str]:
    """The lines llama.cpp would print before giving up on this file; none when it loads."""
    try:
        with model.open("rb") as stream:
            magic = stream.read(4)
    except OSError as exc:
        return [f"llama_model_load: error loading model: {model}: {exc.strerror}"]
    if magic != b"GGUF":
        return [
            f"gguf_init_from_file_impl: invalid magic characters: {magic!r}",
            f"llama_model_load: error loading model: failed to load {model}: not a GGUF file",
        ]
    field = gguf.GGUFReader(model).get_field("general.architecture")
    architecture = field.contents() if field is not None else None
    if architecture not in KNOWN_ARCHITECTURES:
        return [
            f"llama_model_load: error loading model: unknown model architecture: '{architecture}'",
            "llama_model_load_from_file_impl: failed to load model",
        ]
    return []


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    model = Path(args.model)
    stopping = threading.Event()

    def on_term(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, signal.SIG_IGN if args.ignore_sigterm else on_term)
    keys = sum(name.upper().endswith("API_KEY") for name in os.environ)
    _log(f"stand-in engine: loading {model} (n_ctx {args.n_ctx})")
    _log(f"stand-in engine: {keys} API key variables in the environment")
    for number in range(1, args.chatter + 1):
        _log(f"stand-in engine: chatter {number}")
    refusal = _refusal(model)
    if refusal:
        for line in refusal:
            _log(line)
        return 1
    if args.never_ready:
        _log("stand-in engine: never ready, as asked")
        while not stopping.wait(0.5):
            pass
        return 0
    # As llama_cpp.server's __main__ does: the environment wins over the flags.
    host = os.getenv("HOST", args.host)
    port = int(os.getenv("PORT", str(args.port)))
    alias = args.model_alias or str(model)
    with FakeOpenAIServer(models=(alias,), port=port):
        _log(f"INFO:     Uvicorn running on http://{host}:{port} (Press CTRL+C to quit)")
        while not stopping.wait(0.5):
            pass
    _log("INFO:     Shutting down")
    return 0


if __name__ == "__main__":
    sys.exit(main())
