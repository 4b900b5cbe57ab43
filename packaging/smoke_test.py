"""Checks the built bundle (dist/prompt-workbench/) end to end, as a fresh user account runs it.

    .venv/bin/python packaging/smoke_test.py [--bundle DIR] [--starts 3]

A frozen app fails where the source tree does not: a module only reached by name, a data file
read from disk, a Qt plugin, an entry point found through package metadata. Each check runs the
bundle's executable as a separate process with a fresh HOME and XDG folders, offscreen, nothing
from this environment's Python (no PYTHONPATH, no keys), against the tests' fake OpenAI server
on 127.0.0.1:

- `--version`;
- the window's smoke mode: the sample prompts run against one model, kept in a new store;
- `run` through the lean client, through litellm, and against a server that reports no usage
  (tokens counted with tiktoken's encodings from litellm's package, never downloaded);
- `models --search` (litellm's price map), `history` (the store found by entry point),
  `keys list` (keyring's backends load; a machine without a keyring gets the message);
- the time to the window shown (`window --quit-when-shown`, median of `--starts`).

Under `strace -f -e trace=connect` (when strace works here) every check also proves the app
contacted nothing but 127.0.0.1: any other address, or any DNS query, fails it. Prints the
bundle's size, the start time and each check's verdict; exits 1 when one failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the fake server lives in the source tree
    sys.path.insert(0, str(ROOT))

from tests.support.fake_openai import Behaviour, FakeOpenAIServer  # noqa: E402
from workbench import __version__  # noqa: E402

BUNDLE = ROOT / "dist" / "prompt-workbench"
EXECUTABLE = "prompt-workbench"
TIMEOUT_S = 180  # a cold first start unpacks nothing but reads ~500 MB from disk
SMOKE_LINE = re.compile(r"^smoke: (\d+) cells, (\d+) ok, first output: (.*)$", re.MULTILINE)
# strace's connect lines for IPv4 and IPv6: the address and the port.
INET = re.compile(r'sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)')
INET6 = re.compile(r'sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, "([^"]+)"')
LOOPBACK = ("127.", "::1", "::ffff:127.")
DNS_PORT = "53"


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@dataclass(frozen=True, slots=True)
class Verdict:
    name: str
    ok: bool
    detail: str


class Sandbox:
    """A fresh home for the bundle's processes, and the way to run them (traced or not)."""

    def __init__(self, folder: Path, executable: Path, trace: bool) -> None:
        self.folder = folder
        self.executable = executable
        self.trace = trace
        home = folder / "home"
        runtime = folder / "runtime"
        for path in (home, runtime):
            path.mkdir()
        runtime.chmod(0o700)  # Qt refuses a runtime folder others can read
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            # No session bus here: the keyring cannot reach a real Secret Service.
            "XDG_RUNTIME_DIR": str(runtime),
            "QT_QPA_PLATFORM": "offscreen",
        }
        self.contacts: list[str] = []  # what strace saw that was not loopback, per command
        self.loopback = 0  # connections strace saw to 127.0.0.1: proof that it was tracing
        self._runs = 0

    def run(self, *args: str, trace: bool | None = None) -> subprocess.CompletedProcess[str]:
        command = [str(self.executable), *args]
        log = None
        if self.trace if trace is None else trace:
            self._runs += 1
            log = self.folder / f"connect-{self._runs}.log"
            command = ["strace", "-f", "-qq", "-e", "trace=connect", "-o", str(log), *command]
        done = subprocess.run(  # noqa: S603 - our own bundle, with arguments from this script
            command,
            env=self.env,
            cwd=self.folder,
            capture_output=True,
            text=True,
            check=False,
            timeout=TIMEOUT_S,
        )
        if log is not None:
            outside, loopback = connections(log.read_text())
            self.contacts += [f"{args[0]}: {address}" for address in outside]
            self.loopback += loopback
        return done


def connections(strace_log: str) -> tuple[list[str], int]:
    """The IP connections strace logged: those to anything but loopback (and every DNS query,
    wherever it went), and how many went to loopback."""
    outside, loopback = [], 0
    for line in strace_log.splitlines():
        match = INET.search(line) or INET6.search(line)
        if match is None:
            continue
        port, address = match.groups()
        if not address.startswith(LOOPBACK) or port == DNS_PORT:
            outside.append(f"{address}:{port}")
        else:
            loopback += 1
    return outside, loopback


def strace_works() -> str | None:
    """None when `strace -f -e trace=connect` can trace here, else why not."""
    if shutil.which("strace") is None:
        return "strace is not installed"
    probe = subprocess.run(  # noqa: S603
        ["strace", "-f", "-qq", "-e", "trace=connect", "-o", os.devnull, "true"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        return f"strace cannot trace here ({probe.stderr.strip().splitlines()[-1:]})"
    return None


def report(verdict: Verdict) -> Verdict:
    say(f"{'PASS' if verdict.ok else 'FAIL'}  {verdict.name}: {verdict.detail}")
    return verdict


def check(name: str, done: subprocess.CompletedProcess[str], ok: bool, detail: str) -> Verdict:
    """A verdict that shows the process's stderr when it failed."""
    if not ok:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        detail = f"{detail} (exit {done.returncode})\n{tail}"
    return Verdict(name, ok, detail)


def _version(box: Sandbox, _server: FakeOpenAIServer) -> Verdict:
    done = box.run("--version")
    want = f"workbench {__version__}"
    return check("--version", done, done.returncode == 0 and done.stdout.strip() == want, want)


def _window_run(box: Sandbox, server: FakeOpenAIServer) -> Verdict:
    before = server.request_count("fake-a")
    db, settings = box.folder / "workbench.db", box.folder / "settings.ini"
    done = box.run(
        "window", "--smoke-test", server.base_url, "fake-a", "--db", str(db),
        "--settings", str(settings),
    )  # fmt: skip
    match = SMOKE_LINE.search(done.stdout)
    if match is None:
        return check("window --smoke-test", done, False, "no smoke line printed")
    cells, ok = int(match[1]), int(match[2])
    sent = server.request_count("fake-a") - before
    good = done.returncode == 0 and cells == ok > 0 and sent == cells
    return check("window --smoke-test", done, good, f"{match[0]}; the fake got {sent} requests")


def _run(box: Sandbox, server: FakeOpenAIServer, model: str, *extra: str) -> dict[str, object]:
    out = box.folder / f"run-{model.replace('/', '-')}.jsonl"
    done = box.run(
        "run", "--prompt", "Hi", "--model", model, "--api-base", server.base_url, "--no-store",
        "--out", str(out), *extra,
    )  # fmt: skip
    if done.returncode != 0 or not out.exists():
        return {"exit": done.returncode, "stderr": done.stderr.strip().splitlines()[-15:]}
    record: dict[str, object] = json.loads(out.read_text().splitlines()[0])
    return {"exit": 0, **record}


def _cli_lean(box: Sandbox, server: FakeOpenAIServer) -> Verdict:
    record = _run(box, server, "fake-a")
    good = record["exit"] == 0 and record.get("error") is None
    return Verdict("run (lean client)", good, _brief(record))


def _cli_litellm(box: Sandbox, server: FakeOpenAIServer) -> Verdict:
    record = _run(box, server, "openai/fake-a", "--transport", "litellm")
    good = record["exit"] == 0 and record.get("error") is None
    return Verdict("run --transport litellm", good, _brief(record))


def _cli_estimated(box: Sandbox, server: FakeOpenAIServer) -> Verdict:
    record = _run(box, server, "fake-quiet")
    good = (
        record["exit"] == 0
        and record.get("tokens_source") == "estimated"
        and isinstance(record.get("input_tokens"), int)
        and record["input_tokens"] > 0  # type: ignore[operator]
    )
    return Verdict("run, tokens counted by tiktoken", good, _brief(record))


def _brief(record: dict[str, object]) -> str:
    keys = ("exit", "output", "tokens_source", "input_tokens", "output_tokens", "error", "stderr")
    return ", ".join(f"{k}={record[k]!r}" for k in keys if k in record)


def _price_map(box: Sandbox, _server: FakeOpenAIServer) -> Verdict:
    done = box.run("models", "--search", "gpt-4o-mini")
    good = done.returncode == 0 and "gpt-4o-mini" in done.stdout
    return check("models --search (price map)", done, good, "gpt-4o-mini is listed")


def _history(box: Sandbox, _server: FakeOpenAIServer) -> Verdict:
    done = box.run("history", "--db", str(box.folder / "workbench.db"))
    good = done.returncode == 0 and "fake-a" in done.stdout
    return check("history (the store)", done, good, "the smoke run is listed")


def _keys(box: Sandbox, _server: FakeOpenAIServer) -> Verdict:
    done = box.run("keys", "list")
    said = (done.stdout + done.stderr).strip()
    good = done.returncode == 0 and "Traceback" not in said
    return check("keys list (keyring)", done, good, said.splitlines()[0][:100] if said else "")


CHECKS: tuple[Callable[[Sandbox, FakeOpenAIServer], Verdict], ...] = (
    _version,
    _window_run,
    _cli_lean,
    _cli_litellm,
    _cli_estimated,
    _price_map,
    _history,
    _keys,
)


def start_seconds(box: Sandbox, starts: int) -> list[float]:
    """Seconds from spawning the bundle to its window shown; the first start is not counted
    (it creates the store and fills the disk cache). Never traced: strace slows a start."""
    times = []
    for attempt in range(starts + 1):
        before = time.time()
        done = box.run(
            "window", "--quit-when-shown", "--db", str(box.folder / "start.db"),
            "--settings", str(box.folder / "start.ini"), trace=False,
        )  # fmt: skip
        shown = [line for line in done.stdout.splitlines() if line.startswith("shown ")]
        if done.returncode != 0 or not shown:
            raise RuntimeError(f"the window did not show (exit {done.returncode}): {done.stderr}")
        if attempt:
            times.append(float(shown[0].split()[1]) - before)
    return times


def bundle_size(bundle: Path) -> str:
    done = subprocess.run(  # noqa: S603
        ["du", "-sh", str(bundle)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    files = sum(1 for path in bundle.rglob("*") if path.is_file() and not path.is_symlink())
    return f"{done.stdout.split()[0]} ({files} files)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--bundle", type=Path, default=BUNDLE)
    parser.add_argument("--starts", type=int, default=3, help="window starts to time")
    args = parser.parse_args(argv)
    executable = args.bundle / EXECUTABLE
    if not executable.is_file():
        say(f"no bundle at {args.bundle}: build it with packaging/build.sh")
        return 1
    untraced = strace_works()
    say(f"bundle: {args.bundle}")
    say(f"size: {bundle_size(args.bundle)}")
    verdicts: list[Verdict] = []
    with (
        tempfile.TemporaryDirectory(prefix="pw-smoke-") as folder,
        FakeOpenAIServer(models=("fake-a", "fake-quiet")) as server,
    ):
        server.behave("fake-quiet", Behaviour(report_usage=False))
        box = Sandbox(Path(folder), executable, trace=untraced is None)
        verdicts += [report(run_check(box, server)) for run_check in CHECKS]  # in order
        if untraced is None:
            contacts = "; ".join(box.contacts) or (
                f"{box.loopback} connections to loopback, none elsewhere, no DNS query"
            )
            verdicts.append(report(Verdict("only 127.0.0.1 contacted", not box.contacts, contacts)))
        else:
            say(f"SKIP  only 127.0.0.1 contacted: {untraced}")
        times = start_seconds(box, args.starts)
    say(
        f"start to window shown: median {statistics.median(times):.2f} s over {len(times)} starts "
        f"({', '.join(f'{t:.2f}' for t in times)}; offscreen)"
    )
    failed = [v.name for v in verdicts if not v.ok]
    say(f"smoke test: {'FAILED: ' + ', '.join(failed) if failed else 'passed'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
