"""`workbench keys`, in process, against the in-memory keyring."""

from __future__ import annotations

import io

import keyring
import pytest

from tests.support.memory_keyring import FailKeyring
from workbench.cli.main import main
from workbench.secrets import KeyringStore

SECRET = "sk-proj-0123456789abcdefXYZ"


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_set_list_delete(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, SECRET + "\n")
    assert main(["keys", "set", "OpenAI"]) == 0
    assert KeyringStore().get("openai") == SECRET
    assert main(["keys", "list"]) == 0
    out = capsys.readouterr().out
    assert "openai" in out and "sk-...fXYZ" in out
    assert SECRET not in out
    assert main(["keys", "delete", "openai"]) == 0
    assert KeyringStore().get("openai") is None
    assert main(["keys", "delete", "openai"]) == 1


def test_key_is_never_taken_from_argv(monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, "")
    with pytest.raises(SystemExit) as info:
        main(["keys", "set", "openai", SECRET])
    assert info.value.code == 2
    assert KeyringStore().get("openai") is None


def test_empty_key_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, "\n")
    assert main(["keys", "set", "openai"]) == 2
    assert "no key given" in capsys.readouterr().err


def test_without_a_secure_keyring_it_explains_the_alternative(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    try:
        _stdin(monkeypatch, SECRET + "\n")
        assert main(["keys", "set", "openai"]) == 2
        err = capsys.readouterr().err
        assert "no secure keyring" in err and "OPENAI_API_KEY" in err
        assert SECRET not in err
        monkeypatch.setenv("OPENAI_API_KEY", SECRET)
        assert main(["keys", "list"]) == 0
        listed = capsys.readouterr()
        assert "no secure keyring" in listed.err
        assert "OPENAI_API_KEY set" in listed.out
        assert SECRET not in listed.out + listed.err
    finally:
        keyring.set_keyring(previous)
