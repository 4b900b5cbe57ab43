"""A GGUF file checked and served: the header reader, and the child process around a stand-in.

The stand-in (`tests/support/stand_in_engine.py`) takes the real server's flags and speaks the
OpenAI wire format, so the process handling here is tested without llama.cpp's build; the real
engine runs in tests/engine.
"""

from __future__ import annotations

import json
import signal
import struct
import sys
import urllib.request
from pathlib import Path

import gguf
import numpy as np
import pytest

from tests.support.tiny_gguf import write_empty_gguf, write_tiny_llama
from workbench import local_engine
from workbench.domain import ModelSpec
from workbench.errors import WorkbenchError
from workbench.gguf_header import EngineError, GgufInfo, check_gguf
from workbench.local_engine import EngineProcess, engine_missing, free_port

STAND_IN = (sys.executable, "-m", "tests.support.stand_in_engine")
READY_S = 30.0  # a generous bound for a loaded machine; the stand-in is ready in about a second


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_llama(tmp_path_factory.mktemp("model") / "tiny.gguf")


def _string(text: str) -> bytes:
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def _gguf(*entries: bytes, version: int = 3, tensors: int = 0) -> bytes:
    """A GGUF header by hand: each entry is a key/value pair already encoded."""
    return b"GGUF" + struct.pack("<IQQ", version, tensors, len(entries)) + b"".join(entries)


def _text_entry(key: str, value: str) -> bytes:
    return _string(key) + struct.pack("<I", 8) + _string(value)


def _u32_entry(key: str, value: int) -> bytes:
    return _string(key) + struct.pack("<II", 4, value)


def _write(tmp_path: Path, data: bytes, name: str = "x.gguf") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _message(path: Path) -> str:
    with pytest.raises(EngineError) as caught:
        check_gguf(path)
    return str(caught.value)


# --- the header ------------------------------------------------------------------------


def test_the_tiny_model_reads_as_a_llama(tiny: Path) -> None:
    assert check_gguf(tiny) == GgufInfo(
        path=tiny,
        size_bytes=tiny.stat().st_size,
        version=3,
        tensor_count=21,  # embeddings, output norm and output, and 9 per layer for 2 layers
        architecture="llama",
        name="tiny-llama",
        context_length=512,
        file_type="F32",
    )


def test_an_engine_error_is_a_workbench_error() -> None:
    assert issubclass(EngineError, WorkbenchError)


def test_a_zip_file_is_not_a_model(tmp_path: Path) -> None:
    path = _write(tmp_path, b"PK\x03\x04" + b"\x00" * 100)
    assert _message(path) == "x.gguf is not a GGUF model file (it starts with b'PK\\x03\\x04')"


def test_an_empty_file(tmp_path: Path) -> None:
    assert _message(_write(tmp_path, b"")) == "x.gguf is empty"


@pytest.mark.parametrize("keep", [2, 6, 20, 30, 200, 4000])
def test_a_file_cut_inside_its_header_is_truncated(tiny: Path, tmp_path: Path, keep: int) -> None:
    path = _write(tmp_path, tiny.read_bytes()[:keep])
    assert _message(path) == "x.gguf ends inside its header (truncated?)"


def test_a_missing_file(tmp_path: Path) -> None:
    assert _message(tmp_path / "x.gguf") == "x.gguf: no such file"


def test_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    assert _message(folder) == "models is a folder, not a GGUF model file"


def test_unsupported_versions_are_named(tmp_path: Path) -> None:
    assert _message(_write(tmp_path, _gguf(version=1))) == (
        "x.gguf is GGUF version 1; llama.cpp reads versions 2 and 3"
    )
    big_endian = b"GGUF" + struct.pack(">IQQ", 3, 0, 0)
    assert _message(_write(tmp_path, big_endian)) == (
        "x.gguf is a big-endian GGUF file, which llama.cpp here cannot load"
    )


def test_version_2_and_the_values_in_any_order(tmp_path: Path) -> None:
    skipped = (
        _string("odd.floats") + struct.pack("<IIQ", 9, 12, 2) + struct.pack("<dd", 1.5, 2.5),
        _string("odd.nested")  # an array of two arrays of strings
        + struct.pack("<IIQ", 9, 9, 2)
        + struct.pack("<IQ", 8, 1) + _string("a")
        + struct.pack("<IQ", 8, 2) + _string("b") + _string("c"),
        _string("odd.flag") + struct.pack("<I?", 7, True),
        _text_entry("odd.text", "x" * 100_000),  # long, and not wanted: skipped unread
    )  # fmt: skip
    data = _gguf(
        _u32_entry("mistral.context_length", 32768),
        *skipped,
        _u32_entry("general.file_type", 15),
        _text_entry("general.name", "Mistral 7B"),
        _text_entry("general.architecture", "mistral"),
        version=2,
    )
    info = check_gguf(_write(tmp_path, data))
    assert (info.version, info.architecture, info.name) == (2, "mistral", "Mistral 7B")
    assert (info.context_length, info.file_type, info.tensor_count) == (32768, "Q4_K_M", 0)


def test_a_header_without_the_metadata_gives_nones(tmp_path: Path) -> None:
    info = check_gguf(_write(tmp_path, _gguf(_u32_entry("general.file_type", 99))))
    assert (info.architecture, info.name, info.context_length) == (None, None, None)
    assert info.file_type == "type 99"


def test_the_gguf_package_agrees_on_a_file_it_wrote(tmp_path: Path) -> None:
    path = tmp_path / "other.gguf"
    writer = gguf.GGUFWriter(path, "qwen2")
    writer.add_name("Other")
    writer.add_context_length(4096)
    writer.add_array("tokenizer.ggml.tokens", ["a", "b", "c"])
    writer.add_tensor("token_embd.weight", np.zeros((3, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    info = check_gguf(path)
    assert (info.architecture, info.name, info.context_length, info.tensor_count) == (
        "qwen2",
        "Other",
        4096,
        1,
    )
    assert info.file_type is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # Counts no file of this size can hold.
        (
            b"GGUF" + struct.pack("<IQQ", 3, 0, 2**62),
            "x.gguf ends inside its header (truncated?)",
        ),
        (
            b"GGUF" + struct.pack("<IQQ", 3, 2**62, 0),
            "x.gguf ends inside its header (truncated?)",
        ),
        # A key of 2**60 bytes.
        (
            _gguf(struct.pack("<Q", 2**60) + b"k" * 20),
            "x.gguf has a metadata key longer than GGUF allows (damaged?)",
        ),
        # A string value longer than the file.
        (
            _gguf(_string("general.name") + struct.pack("<IQ", 8, 2**62) + b"x" * 20),
            "x.gguf ends inside its header (truncated?)",
        ),
        # An array of 2**61 uint64s, and one of 2**61 strings.
        (
            _gguf(_string("a") + struct.pack("<IIQ", 9, 10, 2**61) + b"\x00" * 20),
            "x.gguf ends inside its header (truncated?)",
        ),
        (
            _gguf(_string("a") + struct.pack("<IIQ", 9, 8, 2**61) + b"\x00" * 20),
            "x.gguf ends inside its header (truncated?)",
        ),
        # Arrays nested past any model's.
        (
            _gguf(
                _string("a") + struct.pack("<I", 9) + struct.pack("<IQ", 9, 1) * 8 + b"\x00" * 20
            ),
            "x.gguf nests metadata arrays deeper than a model file does (damaged?)",
        ),
        # A value type GGUF does not have.
        (
            _gguf(_string("a") + struct.pack("<I", 77) + b"\x00" * 20),
            "x.gguf has metadata of unknown type 77 (a newer GGUF version?)",
        ),
    ],
)
def test_a_hostile_header_fails_without_allocating(
    tmp_path: Path, data: bytes, expected: str
) -> None:
    assert _message(_write(tmp_path, data)) == expected


# --- the process -----------------------------------------------------------------------


def test_free_port_is_bindable() -> None:
    import socket  # noqa: PLC0415

    port = free_port()
    assert 0 < port < 65536
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))


def test_engine_missing_looks_without_importing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Packages that fail when imported: engine_missing must find them, never run them.
    for name in ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "starlette_context"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("raise ImportError('imported')\n")
    (tmp_path / "pydantic_settings.py").write_text("raise ImportError('imported')\n")
    monkeypatch.syspath_prepend(tmp_path)
    assert engine_missing() == (
        'llama-cpp-python is installed without its server: pip install "prompt-workbench[engine]"'
    )
    (tmp_path / "llama_cpp" / "server").mkdir()
    (tmp_path / "llama_cpp" / "server" / "__main__.py").write_text("raise ImportError\n")
    assert engine_missing() is None
    (tmp_path / "pydantic_settings.py").unlink()
    (tmp_path / "uvicorn" / "__init__.py").unlink()
    (tmp_path / "uvicorn").rmdir()
    message = engine_missing()
    if message is not None:  # the venv may hold the real ones behind ours
        assert message.endswith(': pip install "prompt-workbench[engine]"')
        assert message.startswith("llama-cpp-python's server needs ")


@pytest.mark.slow
def test_the_engine_serves_the_file_until_stopped(tiny: Path) -> None:
    heard: list[str] = []
    engine = EngineProcess(tiny, command=STAND_IN, n_ctx=512, on_output=heard.append)
    assert (engine.alias, engine.model_name, engine.running, engine.returncode) == (
        "tiny",
        "tiny",
        False,
        None,
    )
    engine.start()
    try:
        engine.wait_ready(READY_S)
        assert engine.running
        assert engine.api_base == f"http://127.0.0.1:{engine.port}/v1"
        assert engine.model_spec() == ModelSpec(name="tiny", api_base=engine.api_base)
        assert engine.load_ms is not None and engine.load_ms > 0
        assert engine.info is not None and engine.info.architecture == "llama"
        with urllib.request.urlopen(f"{engine.api_base}/models", timeout=5) as response:
            listed = json.load(response)
        assert [model["id"] for model in listed["data"]] == ["tiny"]
    finally:
        engine.stop()
    assert (engine.running, engine.returncode) == (False, 0)  # it stopped on SIGTERM, as asked
    engine.stop()  # again: nothing to do
    lines = engine.output()
    assert lines[0] == f"stand-in engine: loading {tiny} (n_ctx 512)"
    assert f"INFO:     Uvicorn running on http://127.0.0.1:{engine.port}" in "\n".join(lines)
    assert heard == lines  # stop() waited for the last lines


@pytest.mark.slow
def test_the_child_sees_no_api_keys_and_no_overriding_port(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret")
    monkeypatch.setenv("API_KEY", "secret")  # llama_cpp.server would demand it from clients
    monkeypatch.setenv("PORT", "1")  # and would listen here instead of on --port
    with EngineProcess(tiny, command=STAND_IN, alias="named") as engine:
        assert engine.model_name == "named"
        assert engine.running
    assert "stand-in engine: 0 API key variables in the environment" in engine.output()


@pytest.mark.slow
def test_a_file_that_is_not_gguf_never_starts_a_process(tmp_path: Path) -> None:
    engine = EngineProcess(_write(tmp_path, b"PK\x03\x04zip"), command=STAND_IN)
    with pytest.raises(EngineError, match=r"^x\.gguf is not a GGUF model file"):
        engine.start()
    assert (engine.running, engine.returncode, engine.output()) == (False, None, [])


@pytest.mark.slow
def test_the_stand_in_itself_refuses_a_file_that_is_not_gguf(tmp_path: Path) -> None:
    import subprocess  # noqa: PLC0415

    path = _write(tmp_path, b"PK\x03\x04zip")
    ran = subprocess.run(
        [*STAND_IN, "--model", str(path), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 1
    assert f"failed to load {path}: not a GGUF file" in ran.stderr


@pytest.mark.slow
def test_a_model_the_engine_cannot_load_fails_with_its_own_lines(tmp_path: Path) -> None:
    path = write_empty_gguf(tmp_path / "odd.gguf", "nonesuch")
    engine = EngineProcess(path, command=STAND_IN)
    engine.start()
    with pytest.raises(EngineError) as caught:
        engine.wait_ready(READY_S)
    assert str(caught.value) == (
        "llama.cpp could not load odd.gguf: "
        "llama_model_load: error loading model: unknown model architecture: 'nonesuch'\n"
        "llama_model_load_from_file_impl: failed to load model"
    )
    assert engine.returncode == 1 and not engine.running


@pytest.mark.slow
def test_an_engine_that_never_answers_times_out_and_is_stopped(tiny: Path) -> None:
    engine = EngineProcess(tiny, command=(*STAND_IN, "--never_ready"))
    engine.start()
    with pytest.raises(EngineError) as caught:
        engine.wait_ready(timeout_s=1.5)
    assert str(caught.value) == "tiny.gguf: the engine was not ready after 1.5 s"
    assert not engine.running
    assert engine.returncode is not None


@pytest.mark.slow
def test_an_engine_that_ignores_sigterm_is_killed(tiny: Path) -> None:
    engine = EngineProcess(tiny, command=(*STAND_IN, "--ignore_sigterm"))
    engine.start()
    engine.wait_ready(READY_S)
    engine.stop(timeout_s=0.5)
    assert engine.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_output_keeps_the_last_2000_lines(tiny: Path) -> None:
    engine = EngineProcess(tiny, command=(*STAND_IN, "--chatter", "2500"))
    with engine:
        pass
    lines = engine.output()
    assert len(lines) == 2000
    assert "stand-in engine: chatter 2500" in lines
    assert "stand-in engine: chatter 500" not in lines


def test_a_command_that_does_not_exist(tiny: Path, tmp_path: Path) -> None:
    engine = EngineProcess(tiny, command=(str(tmp_path / "no-such-engine"),))
    with pytest.raises(EngineError, match=r"^could not start the engine \(.*no-such-engine\): "):
        engine.start()
    assert not engine.running


def test_free_port_passes_over_the_ports_to_avoid(monkeypatch: pytest.MonkeyPatch) -> None:
    offered = iter([5001, 5002, 5003])
    monkeypatch.setattr(local_engine, "_bound_port", lambda _host: next(offered))
    assert free_port(avoid={5001, 5002}) == 5003


def test_free_port_gives_up_when_the_os_offers_only_ports_to_avoid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(local_engine, "_bound_port", lambda _host: 5001)
    with pytest.raises(EngineError, match=r"no free port on 127\.0\.0\.1 outside 1 reserved ones"):
        free_port(avoid={5001})
