"""Local models in the window: the settings tab, offline mode with its guard, warm-up, readouts.

Offline mode turns on a process-wide socket guard; every test here turns it off again after.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QCheckBox, QLabel
from pytestqt.qtbot import QtBot

from tests.support.fake_openai import FakeOpenAIServer
from tests.ui.window_driver import close_window, open_services, open_window, press_run
from ui.app import build_services, parse_args
from ui.error_presenter import ErrorPresenter
from ui.main_window import MainWindow
from ui.preferences import Preferences
from ui.readouts import footer, footer_details
from ui.results_model import CellStatus, ResultsModel
from ui.run_controller import RunController
from ui.services import Services
from ui.settings_dialog import SettingsDialog
from workbench import offline_guard
from workbench.domain import (
    Cell,
    CellResult,
    Cost,
    CostSource,
    Message,
    ModelSpec,
    PromptTemplate,
    ServerTimings,
    Timings,
    TokensSource,
    Usage,
)
from workbench.offline_guard import OfflinePolicy, OfflineRefusedError

PROMPT = PromptTemplate("greet", (Message("user", "Say hello."),))


@pytest.fixture(autouse=True)
def _guard_off() -> Iterator[None]:
    """The guard is process-wide: no test leaves it on for the next."""
    offline_guard.deactivate()
    yield
    offline_guard.on_refusal(None)
    offline_guard.deactivate()


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(models=("fake-a",)) as running:
        yield running


def _open_settings(qtbot: QtBot, window: MainWindow) -> SettingsDialog:
    window.open_settings()
    dialog = window.findChild(SettingsDialog, "settingsDialog")
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return dialog


def _run(qtbot: QtBot, window: MainWindow, *models: ModelSpec) -> dict[str, CellResult]:
    """Run PROMPT against `models` with Ctrl+Enter; each model's result by name."""
    window.editor.set_prompts([PROMPT])
    window.models.set_models(list(models))
    with qtbot.waitSignal(window.runs.run_kept, timeout=20_000):
        press_run(window)
    results = {}
    for state in window.results_model.states():
        assert state.result is not None
        results[state.cell.model.name] = state.result
    return results


# --- the preferences and the tab -----------------------------------------------------------------


def test_preferences_keep_the_four_local_settings_and_bound_concurrency(tmp_path: Path) -> None:
    prefs = Preferences(tmp_path / "settings.ini")
    assert (prefs.offline, prefs.local_concurrency, prefs.warm_up) == (False, 1, False)
    assert prefs.local_price_per_hour is None
    prefs.offline = True
    prefs.local_concurrency = 4
    prefs.warm_up = True
    prefs.local_price_per_hour = 1.8
    prefs.sync()
    again = Preferences(tmp_path / "settings.ini")
    assert (again.offline, again.local_concurrency, again.warm_up) == (True, 4, True)
    assert again.local_price_per_hour == 1.8
    again.local_concurrency = 40
    assert again.local_concurrency == 16
    again.local_concurrency = 0
    assert again.local_concurrency == 1
    again.local_price_per_hour = None
    assert again.local_price_per_hour is None


def test_the_local_models_tab_saves_on_ok_and_reloads(
    qtbot: QtBot, services: Services, presenter: ErrorPresenter, tmp_path: Path
) -> None:
    def opened() -> SettingsDialog:
        dialog = SettingsDialog(services, presenter)
        qtbot.addWidget(dialog)
        dialog.open()
        return dialog

    dialog = opened()
    tab = dialog.local_tab
    titles = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert titles == ["API keys", "Local endpoints", "Local models", "Defaults", "Store"]
    explanation = tab.findChild(QLabel, "offlineExplanation")
    assert explanation is not None
    assert explanation.text() == (
        "Only this machine and the local endpoints added under Local endpoints may be "
        "contacted; anything else is refused before a byte is sent."
    )
    session_note = tab.findChild(QLabel, "offlineSessionNote")
    assert session_note is not None and not session_note.isVisibleTo(tab)
    assert not tab.offline.isChecked()
    assert tab.concurrency.value() == 1
    assert not tab.warm_up.isChecked()
    assert tab.price.text() == "free"

    tab.offline.setChecked(True)
    tab.concurrency.setValue(3)
    tab.warm_up.setChecked(True)
    tab.price.setValue(1.8)
    assert tab.price.text() == "$1.80 per hour"
    assert not services.prefs.offline  # nothing saved before OK
    with qtbot.waitSignal(dialog.settings_changed):
        dialog.accept()

    kept = Preferences(tmp_path / "settings.ini")
    assert (kept.offline, kept.local_concurrency, kept.warm_up) == (True, 3, True)
    assert kept.local_price_per_hour == 1.8

    again = opened()
    tab = again.local_tab
    assert tab.offline.isChecked()
    assert tab.concurrency.value() == 3
    assert tab.warm_up.isChecked()
    assert tab.price.text() == "$1.80 per hour"
    tab.price.setValue(tab.price.minimum())
    tab.offline.setChecked(False)
    with qtbot.waitSignal(again.settings_changed):
        again.accept()
    kept = Preferences(tmp_path / "settings.ini")
    assert kept.local_price_per_hour is None
    assert not kept.offline
    assert (kept.local_concurrency, kept.warm_up) == (3, True)


# --- what runs take from them --------------------------------------------------------------------


def test_local_concurrency_warm_up_offline_and_price_reach_the_run(
    services: Services, presenter: ErrorPresenter
) -> None:
    prefs = services.prefs
    prefs.endpoints = ["http://192.168.1.5:8080/v1", "http://models.example.com/v1"]
    prefs.local_concurrency = 3
    prefs.warm_up = True
    prefs.offline = True
    prefs.local_price_per_hour = 1.8
    runs = RunController(services, presenter, ResultsModel())
    options = runs.run_options(budget=False)
    assert options.local_concurrency == 3
    assert options.warm_up is True
    assert options.offline == OfflinePolicy(
        endpoints=("http://192.168.1.5:8080/v1", "http://models.example.com/v1")
    )
    assert runs.new_runner(budget=False).options == options

    local = ModelSpec("llama", api_base="http://127.0.0.1:8080/v1")
    own_price = ModelSpec("qwen", api_base="http://localhost:11434/v1", hourly_usd=0.5)
    hosted = ModelSpec("gpt-4o-mini")
    cells = runs.plan([PROMPT], [{}], [local, own_price, hosted])
    assert cells is not None
    assert [cell.model.hourly_usd for cell in cells] == [1.8, 0.5, None]

    prefs.offline = False
    prefs.warm_up = False
    prefs.local_concurrency = 2
    prefs.local_price_per_hour = None
    assert runs.run_options(budget=False).warm_up is True  # taken when saved, not before
    runs.apply_preferences()
    options = runs.run_options(budget=False)
    assert (options.local_concurrency, options.warm_up, options.offline) == (2, False, None)
    cells = runs.plan([PROMPT], [{}], [local])
    assert cells is not None and cells[0].model.hourly_usd is None


def test_warm_up_shows_in_the_status_bar_before_the_timed_call(
    qtbot: QtBot, tmp_path: Path, server: FakeOpenAIServer
) -> None:
    services = open_services(tmp_path)
    services.prefs.warm_up = True
    window = open_window(qtbot, services)
    notices: list[str] = []
    window.runs.notice.connect(notices.append)
    results = _run(qtbot, window, ModelSpec("fake-a", api_base=server.base_url, transport="openai"))
    assert results["fake-a"].ok
    assert server.request_count("fake-a") == 2  # the warm-up, then the cell
    assert len(notices) == 1
    assert notices[0].startswith("warmed up fake-a in ")
    close_window(window)


# --- offline mode in the window ------------------------------------------------------------------


def test_offline_run_finishes_the_local_cell_and_refuses_the_hosted_one(
    qtbot: QtBot, tmp_path: Path, server: FakeOpenAIServer
) -> None:
    services = open_services(tmp_path)
    services.prefs.offline = True
    assert services.keys is not None
    services.keys.set("openai", "sk-test-0123456789abcdef")
    window = open_window(qtbot, services)
    assert offline_guard.active() == OfflinePolicy(endpoints=())
    badge = window.status.offline
    assert badge.isVisible()
    assert badge.text() == "Offline"
    assert badge.toolTip().endswith("\n127.0.0.1, localhost")

    results = _run(
        qtbot,
        window,
        ModelSpec("fake-a", api_base=server.base_url, transport="openai"),
        ModelSpec("gpt-4o-mini"),
    )
    local, hosted = results["fake-a"], results["gpt-4o-mini"]
    assert local.ok
    assert local.output == server.reply_for("fake-a", [{"role": "user", "content": "Say hello."}])
    assert hosted.error is not None
    assert hosted.error.type == "offline_refused"
    statuses = {s.cell.model.name: s.status for s in window.results_model.states()}
    assert statuses == {"fake-a": CellStatus.FINISHED, "gpt-4o-mini": CellStatus.FAILED}

    window.results.select_cell(hosted.cell.index)
    shown = window.results.output_view.findChild(QLabel, "outputError")
    assert shown is not None and shown.isVisible()
    assert shown.text() == hosted.error.message
    assert shown.text().startswith("offline mode refused a connection")
    assert "gpt-4o-mini" in shown.text()

    assert [r.model for r in server.requests()] == ["fake-a"]  # the hosted call never left
    assert offline_guard.refused() == []  # refused before any socket was asked for
    close_window(window)


def test_a_socket_refusal_on_any_thread_is_shown_once_per_host(
    qtbot: QtBot, tmp_path: Path
) -> None:
    services = open_services(tmp_path)
    services.prefs.offline = True
    window = open_window(qtbot, services)
    shown: list[str] = []
    window.offline.refusal_shown.connect(shown.append)
    errors: list[BaseException] = []

    def reach_out() -> None:
        for attempt in (
            lambda: socket.create_connection(("192.0.2.1", 80), timeout=5),
            lambda: socket.create_connection(("192.0.2.1", 443), timeout=5),
            lambda: socket.getaddrinfo("example.com", 443),
        ):
            try:
                attempt()
            except OfflineRefusedError as exc:
                errors.append(exc)

    worker = threading.Thread(target=reach_out)
    worker.start()
    worker.join(10)
    assert len(errors) == 3
    qtbot.waitUntil(lambda: shown == ["192.0.2.1", "example.com"])
    titles = [title for title, _ in window.presenter.history if title.startswith("Offline")]
    assert titles == ["Offline mode refused 192.0.2.1", "Offline mode refused example.com"]
    texts = dict(window.presenter.history)
    assert texts["Offline mode refused example.com"] == (
        "Nothing was sent to example.com: under offline mode only this machine may be "
        "contacted. Turn it off under Settings > Local models to reach other hosts."
    )
    close_window(window)


def test_saving_the_setting_turns_the_guard_and_badge_on_and_off(
    qtbot: QtBot, tmp_path: Path
) -> None:
    services = open_services(tmp_path)
    services.prefs.endpoints = ["http://192.168.1.5:8080/v1"]
    window = open_window(qtbot, services)
    assert offline_guard.active() is None
    assert not window.status.offline.isVisible()

    def save_offline(on: bool) -> None:
        dialog = _open_settings(qtbot, window)
        box = dialog.local_tab.findChild(QCheckBox, "offlineCheck")
        assert box is not None
        box.setChecked(on)
        with qtbot.waitSignal(dialog.settings_changed):
            dialog.accept()

    save_offline(True)
    policy = OfflinePolicy(endpoints=("http://192.168.1.5:8080/v1",))
    assert offline_guard.active() == policy
    assert window.status.offline.isVisible()
    assert window.status.offline.toolTip().endswith("\n127.0.0.1, localhost, 192.168.1.5")
    assert window.runs.run_options(budget=False).offline == policy

    save_offline(False)
    assert offline_guard.active() is None
    assert not window.status.offline.isVisible()
    assert window.runs.run_options(budget=False).offline is None
    close_window(window)


def test_offline_on_the_command_line_is_for_this_session_only(
    qtbot: QtBot, tmp_path: Path, presenter: ErrorPresenter
) -> None:
    assert parse_args([]).offline is False
    settings = tmp_path / "settings.ini"
    args = parse_args(["--offline", "--settings", str(settings), "--db", str(tmp_path / "w.db")])
    assert args.offline is True
    services = build_services(args)
    services.store.open().result(30)
    window = open_window(qtbot, services)
    assert window.status.currentMessage() == (
        "Offline mode (--offline, this session only): only this machine may be contacted."
    )
    assert offline_guard.active() == OfflinePolicy(endpoints=())
    assert window.status.offline.isVisible()
    assert services.prefs.offline_now and not services.prefs.offline
    assert window.runs.run_options(budget=False).offline == OfflinePolicy(endpoints=())

    dialog = SettingsDialog(services, presenter)
    qtbot.addWidget(dialog)
    note = dialog.local_tab.findChild(QLabel, "offlineSessionNote")
    assert note is not None and note.isVisibleTo(dialog.local_tab)
    assert not dialog.local_tab.offline.isChecked()  # the saved choice, unchanged
    dialog.reject()
    close_window(window)
    assert Preferences(settings).offline is False


# --- how the figures read ------------------------------------------------------------------------


def _result(
    *,
    usage: Usage,
    cost: Cost,
    load_ms: float | None = None,
    server: ServerTimings | None = None,
    hourly_usd: float | None = None,
) -> CellResult:
    model = ModelSpec("llama", api_base="http://127.0.0.1:8080/v1", hourly_usd=hourly_usd)
    cell = Cell(0, PROMPT, model, {}, PROMPT.messages)
    timings = Timings(ttft_ms=150.0, latency_ms=2000.0, decode_ms=1500.0, load_ms=load_ms)
    if server is not None:
        timings = Timings(150.0, 2000.0, 1500.0, load_ms=load_ms, server=server)
    return CellResult(cell, "hello", "stop", usage, cost, timings, attempts=1)


def test_readouts_show_load_apart_from_ttft_and_the_servers_speeds() -> None:
    result = _result(
        usage=Usage(20, 12, TokensSource.REPORTED),
        cost=Cost(0.001, CostSource.LOCAL_HOURLY),
        load_ms=2100.0,
        server=ServerTimings(
            prompt_tokens=1024, prompt_ms=2000.0, decode_tokens=382, decode_ms=10000.0
        ),
        hourly_usd=1.8,
    )
    assert footer(result) == (
        "in 20 · out 12 · $0.0010 (local $1.80/h) · load 2.1 s · TTFT 150 ms · 2.00 s · "
        "8 tok/s · prefill 512 tok/s · decode 38.2 tok/s (server)"
    )
    assert footer_details(result) == (
        "Tokens: 20 in, 12 out, as reported by the server\n"
        "Cost: $0.0010 (local-hourly: $1.80 per hour × 2.00 s)\n"
        "Model load 2.1 s, as the server reported it (not counted in the time to first token)\n"
        "Time to first token 150 ms, total 2.00 s (measured here)\n"
        "Prefill 512 tok/s (1,024 tokens in 2.00 s, as the server measured)\n"
        "Decode 38.2 tok/s (382 tokens in 10.00 s, as the server measured)\n"
        "Finish reason: stop"
    )


def test_readouts_mark_estimated_tokens_and_show_only_what_the_server_reported() -> None:
    result = _result(
        usage=Usage(20, 12, TokensSource.ESTIMATED),
        cost=Cost(0.0, CostSource.LOCAL),
        load_ms=40.0,
        server=ServerTimings(decode_tokens=12, decode_ms=400.0),
    )
    assert footer(result) == (
        "in ~20 · out ~12 · free (local) · load 40 ms · TTFT 150 ms · 2.00 s · 8 tok/s · "
        "decode 30.0 tok/s (server)"
    )
    details = footer_details(result).splitlines()
    assert details[0] == "Tokens: 20 in, 12 out, estimated with tiktoken (the server reported none)"
    assert details[1] == "Cost: free (local) (local)"
    assert "Prefill" not in footer_details(result)
    unknown = _result(
        usage=Usage(20, 12, TokensSource.REPORTED), cost=Cost(None, CostSource.LOCAL_HOURLY)
    )
    assert footer(unknown) == "in 20 · out 12 · cost unknown · TTFT 150 ms · 2.00 s · 8 tok/s"
