"""Take the user guide's screenshots of the real window under Xvfb, from the first start on.

    xvfb-run -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshots.py
The models are the tests' fake OpenAI-compatible server on 127.0.0.1 (no model weights can be
downloaded here), answering each sample prompt with a fitting reply at a model-like pace; every
other part (editor, runner, streaming, store, readouts) is the real app. Keys live in the tests'
in-memory keyring, never the system's, and no key from the environment shows.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Before keyring loads: the key the shots show is made up, and lives only in this process.
os.environ["PYTHON_KEYRING_BACKEND"] = "tests.support.memory_keyring.MemoryKeyring"
for _name in [name for name in os.environ if name.endswith("_API_KEY")]:
    del os.environ[_name]

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDockWidget

from tests.support.fake_openai import Behaviour, FakeOpenAIServer
from ui.app import build_services, parse_args, shut_down, warm_up
from ui.main_window import MainWindow
from workbench.domain import ModelParams, ModelSpec

OUT = ROOT / "docs" / "screenshots"
REPLIES = {
    "llama3.2:3b": (
        ("one word", "positive"),
        (
            "summaries",
            (
                "Prompt engineering means writing and testing the instructions you give a "
                "language model so that its answers stay accurate, useful and consistent "
                "across many inputs."
            ),
        ),
    ),
    "qwen2.5:7b-instruct": (
        ("one word", "Positive"),
        (
            "summaries",
            (
                "Prompt engineering is designing a model's instructions so its answers are "
                "accurate, useful and consistent for every input it sees."
            ),
        ),
    ),
}


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def shoot(name: str) -> None:
    screen = QGuiApplication.primaryScreen()
    path = OUT / name
    screen.grabWindow(0).save(str(path))  # the X screen itself, as Xvfb shows it
    print(f"wrote {path.relative_to(ROOT)}")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="shots-"))
    app = QApplication(sys.argv[:1])
    if app.platformName() != "xcb":
        raise SystemExit("run under Xvfb: xvfb-run -s '-screen 0 1600x1000x24' ...")
    with FakeOpenAIServer(models=tuple(REPLIES)) as server:
        for model, replies in REPLIES.items():
            server.behave(model, Behaviour(replies=replies, ttft_s=0.4, token_interval_s=0.12))
        services = build_services(
            parse_args(["--db", str(folder / "w.db"), "--settings", str(folder / "s.ini")])
        )
        services.store.open().result(30)
        warm_up()
        window = MainWindow(services)
        window.setGeometry(0, 0, 1600, 1000)
        window.show()
        window.keeper.load()
        wait(800)
        shoot("window-first-start.png")
        show_api_keys(window, server)
        for model in REPLIES:
            window.models.add_model(
                ModelSpec(model, server.base_url, ModelParams(temperature=0.2), "openai")
            )
        wait(800)
        window.run_all()
        window.results.select_cell(3)  # the detail view follows a streaming cell
        wait(2600)
        shoot("window-mid-run.png")
        while window.runs.running:
            wait(200)
        window.history.refresh()
        window.results.select_cell(2)
        window.results.select_cell(3, add=True)
        window.results.compare_selected()
        wait(800)
        shoot("window-after-run.png")
        show_local_engine(window, folder)
        show_prompt_set(window, folder)
        window.prompt_sets.save()
        wait(1200)
        show_matrix(window, server)
        window.close()
        wait(1500)
        shut_down(window.services)


def show_api_keys(window: MainWindow, server: FakeOpenAIServer) -> None:
    """Settings > API keys with one key in the keyring, masked, after a connection test."""
    from ui.settings_dialog import SettingsDialog  # noqa: PLC0415
    from workbench.secrets import KeyringStore  # noqa: PLC0415

    keys = KeyringStore()
    keys.set("openai", "sk-proj-shots0000000000000000000000000000000000007f3a")
    window.services.keys = keys
    window.models.refresh_keys()
    window.open_settings()
    wait(600)
    dialog = window.findChild(SettingsDialog)
    if dialog is None:
        raise SystemExit("no Settings dialog")
    dialog.check_base_urls = {"openai": server.base_url}  # the fake stands in for OpenAI
    dialog.tabs.setCurrentWidget(dialog.keys_tab)
    dialog.keys_tab.view.selectRow(0)
    wait(400)
    dialog.keys_tab.test_button.click()
    wait(1200)
    shoot("settings-api-keys.png")
    dialog.reject()
    wait(300)


def git(repo: Path, *args: str) -> None:
    subprocess.run(  # noqa: S603 - a fixed git command on the script's scratch repo
        ["git", "-c", "user.email=shots@example.com", "-c", "user.name=shots", *args],  # noqa: S607
        cwd=repo, check=True, capture_output=True,
    )  # fmt: skip


def show_prompt_set(window: MainWindow, folder: Path) -> None:
    """The samples as a prompt set in a git repo: one prompt saved with an edit, then edited on."""
    repo = folder / "prompts"
    shutil.copytree(ROOT / "resources" / "samples", repo)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "prompts")
    window.prompt_sets.open(repo)
    wait(1500)
    system = window.editor.columns[0].system_edit
    system.setPlainText(system.toPlainText() + " Never explain.")
    window.prompt_sets.save()
    wait(1200)
    system.setPlainText(system.toPlainText() + " Lower case.")
    for dock in window.findChildren(QDockWidget):
        if dock.windowTitle() == "Changed files":
            dock.raise_()
    wait(1200)
    shoot("window-prompt-set.png")


# Customer messages, their expected label, and which model gets which wrong (for the matrix shot).
MESSAGES = (
    ("The app crashed twice while I was paying", "negative", ""),
    ("Support fixed my problem in five minutes", "positive", ""),
    ("The invoice arrived on Tuesday", "neutral", "llama3.2:3b"),
    ("I love the new dark mode", "positive", ""),
    ("Nobody answered my emails for a week", "negative", ""),
    ("The update changed the menu layout", "neutral", "qwen2.5:7b-instruct"),
    ("Refund processed, thanks for the quick help", "positive", ""),
    ("It is fine, I guess, nothing special", "neutral", "llama3.2:3b"),
    ("Your courier left the parcel in the rain", "negative", ""),
    ("Great value for the price", "positive", ""),
    ("Login fails with an error code 17", "negative", "qwen2.5:7b-instruct"),
    ("The meeting moved to 3 pm", "neutral", ""),
)
OTHER = {"negative": "neutral", "neutral": "positive", "positive": "neutral"}


def show_matrix(window: MainWindow, server: FakeOpenAIServer) -> None:
    """A suite of 2 prompts x 2 models x 12 cases x 2 repeats with checks, in the matrix tab."""
    from workbench.domain import Message, PromptTemplate  # noqa: PLC0415
    from workbench.suite import Case, Check  # noqa: PLC0415

    for model in REPLIES:
        terse = tuple(
            (text, OTHER[label] if wrong == model else label) for text, label, wrong in MESSAGES
        )
        # The guillemet prompt is answered in title case with a full stop by one model.
        styled = tuple(
            (f"«{text}", (label.title() + "." if model.startswith("qwen") else label))
            for text, label, _ in MESSAGES
        )
        server.behave(model, Behaviour(replies=styled + terse, ttft_s=0.05, token_interval_s=0.01))
    window.models.set_models(
        [ModelSpec(m, server.base_url, ModelParams(temperature=0.2), "openai") for m in REPLIES]
    )
    window.editor.set_prompts(
        (
            PromptTemplate(
                "classify",
                (
                    Message("system", "Label the sentiment in one lowercase word."),
                    Message("user", "{{message}}"),
                ),
            ),
            PromptTemplate(
                "classify-quoted",
                (Message("user", "Sentiment of «{{message}}» in one word:"),),
            ),
        )
    )
    window.cases.set_cases(
        [Case({"message": text}, (Check("icontains", label),)) for text, label, _ in MESSAGES]
    )
    window.cases.set_repeats(2)
    window.checks.set_checks(
        [Check("regex", "^(positive|negative|neutral)$"), Check("latency", threshold=2000)]
    )
    wait(600)
    window.run_with_preflight()
    for _ in range(100):
        if window.preflight.dialog is not None:
            break
        wait(200)
    else:
        raise SystemExit(f"no preflight dialog: {window.presenter.history[-2:]}")
    wait(600)
    shoot("window-preflight.png")
    window.preflight.dialog.accept()
    wait(400)
    while window.runs.running:
        wait(200)
    wait(1200)
    window.results_tabs.setCurrentWidget(window.matrix)
    window.centre.setSizes([0, 1000])  # the editor folded away: the matrix is what is looked at
    window.matrix.select_cell(2 * 2 * 2)  # case 3, which llama gets wrong under classify
    wait(800)
    shoot("window-matrix.png")
    window.results_tabs.setCurrentWidget(window.charts)
    wait(800)
    shoot("window-charts.png")


def show_local_engine(window: MainWindow, folder: Path) -> None:
    """A GGUF file run by llama.cpp in a child process (the tests' tiny random-weight model, so
    its answers are gibberish), then Settings on its Local models tab."""
    from tests.support.tiny_gguf import write_tiny_llama  # noqa: PLC0415 - needs gguf
    from workbench.local_engine import engine_missing  # noqa: PLC0415

    if engine_missing() is not None:
        print(f"skipped the local engine shots: {engine_missing()}")
        return
    path = write_tiny_llama(folder / "tiny-llama.gguf", width=256, layers=4)
    window.engines_dock.raise_()
    window.engines_panel.run_file(path)
    while not window.engines.engines() or window.engines.engines()[0].load_ms is None:
        wait(200)
    window.run_all()  # the engine's column streams beside the other two models
    while window.runs.running:
        wait(200)
    window.results.select_cell(2)
    wait(800)
    shoot("window-local-engine.png")
    window.open_settings()
    wait(600)
    from ui.settings_dialog import SettingsDialog  # noqa: PLC0415

    dialog = window.findChild(SettingsDialog)
    if dialog is not None:
        dialog.tabs.setCurrentWidget(dialog.local_tab)
        wait(400)
        shoot("settings-local-models.png")
        dialog.reject()
    # Removing its model stops the engine, as a person would; the later shots run without it.
    window.models.set_models([m for m in window.models.models() if m.name != "tiny-llama"])


if __name__ == "__main__":
    main()
