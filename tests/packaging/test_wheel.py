"""`pip install .` gives the whole app: metadata, entry points, samples, icons and migrations.

The wheel is built offline from a copy of the sources (the venv's setuptools, no build isolation),
so the test needs no network and leaves no build/ or egg-info behind in the checkout. It is then
installed with no dependencies into a fresh virtual environment whose only way to the
dependencies is a .pth file naming the project venv's site-packages: what runs there is the
wheel's code and data, never the checkout's.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path

import pytest
import trove_classifiers
from packaging.requirements import Requirement

from ui import resource_paths

ROOT = Path(__file__).resolve().parents[2]
# What the build reads: pyproject.toml names the README and the LICENSE; the rest are packages.
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", "workbench", "storage", "ui", "resources")
CODE_PACKAGES = ("workbench", "storage", "ui")
APP_ID = "io.github.promptworkbench.PromptWorkbench"
SAMPLES = ("cases.csv", "classify.prompty", "summarise.prompty", "workbench.yaml")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache")
            shutil.copytree(path, source / name, ignore=ignore)
        else:
            shutil.copy2(path, source / name)
    out = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation"]
    proc = subprocess.run(
        [*command, "--no-index", "--quiet", "-w", str(out)],
        cwd=source, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (built,) = out.glob("*.whl")
    assert built.name == "prompt_workbench-0.1.0-py3-none-any.whl"
    return built


def dist_info(wheel: Path, name: str) -> str:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(f"prompt_workbench-0.1.0.dist-info/{name}").decode()


def metadata(wheel: Path) -> Message:
    return HeaderParser().parsestr(dist_info(wheel, "METADATA"))


def names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


# --- metadata ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_metadata_names_the_project_its_version_and_licence(wheel: Path) -> None:
    meta = metadata(wheel)
    assert meta["Name"] == "prompt-workbench"
    assert meta["Version"] == "0.1.0"
    assert meta["Summary"].startswith("A desktop prompt-engineering workbench")
    assert meta["License-Expression"] == "MIT"
    assert meta.get_all("License-File") == ["LICENSE"]
    licence = dist_info(wheel, "licenses/LICENSE")
    assert licence.startswith("MIT License\n\nCopyright (c) 2026 Prompt Workbench developers\n")
    assert meta["Author"] == "Prompt Workbench developers"
    assert meta["Requires-Python"] == ">=3.11"
    assert meta["Description-Content-Type"] == "text/markdown"
    assert "./run-app" in meta.get_payload()  # the README is the long description


@pytest.mark.slow
def test_classifiers_are_real_trove_names_and_name_the_desktops(wheel: Path) -> None:
    classifiers = metadata(wheel).get_all("Classifier") or []
    assert set(classifiers) <= trove_classifiers.classifiers
    assert not set(classifiers) & set(trove_classifiers.deprecated_classifiers)
    assert {
        "Environment :: X11 Applications :: Qt",
        "Intended Audience :: Developers",
        "Operating System :: POSIX :: Linux",
        "Operating System :: MacOS",
        "Operating System :: Microsoft :: Windows",
        "Topic :: Software Development :: Testing",
        "Typing :: Typed",
    } <= set(classifiers)
    # PEP 639: the licence is the SPDX expression; a licence classifier beside it is refused.
    assert not [c for c in classifiers if c.startswith("License ::")]


@pytest.mark.slow
def test_project_urls_point_at_the_repository_and_the_guide(wheel: Path) -> None:
    urls = dict(url.split(", ", 1) for url in metadata(wheel).get_all("Project-URL") or [])
    home = "https://github.com/promptworkbench/prompt-workbench"
    assert urls == {
        "Homepage": home,
        "Documentation": f"{home}/blob/main/docs/user-guide.md",
        "Repository": home,
        "Issues": f"{home}/issues",
        "Changelog": f"{home}/releases",
    }


@pytest.mark.slow
def test_the_window_is_a_dependency_not_an_extra(wheel: Path) -> None:
    requirements = [Requirement(text) for text in metadata(wheel).get_all("Requires-Dist") or []]
    base = {r.name: r for r in requirements if r.marker is None}
    pyside = base["PySide6-Essentials"]
    assert str(pyside.specifier) == "<6.12,>=6.7"
    assert {"aiohttp", "alembic", "keyring", "litellm", "sqlalchemy"} <= set(base)
    extras = {
        (r.name, str(r.specifier), str(r.marker))
        for r in requirements
        if r.marker is not None and r.name in {"PySide6-Essentials", "pyinstaller"}
    }
    assert extras == {
        ("PySide6-Essentials", "<6.12,>=6.7", 'extra == "ui"'),
        ("pyinstaller", ">=6.10", 'extra == "package"'),
    }


@pytest.mark.slow
def test_entry_points_give_the_command_the_window_and_the_store(wheel: Path) -> None:
    entry_points = configparser.ConfigParser()
    entry_points.read_string(dist_info(wheel, "entry_points.txt"))
    assert dict(entry_points["console_scripts"]) == {"workbench": "workbench.cli.entry:main"}
    assert dict(entry_points["workbench.window"]) == {"window": "ui.app:main"}
    assert dict(entry_points["workbench.store"]) == {"sqlite": "storage.cli_store:open_store"}


# --- contents ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_wheel_carries_every_module_of_the_checkout(wheel: Path) -> None:
    # pyproject.toml lists the packages by hand: a new subpackage left out of it fails here.
    modules = {
        path.relative_to(ROOT).as_posix()
        for package in CODE_PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert "storage/migrations/versions/0001_initial.py" in modules
    assert modules <= names(wheel)
    assert not [name for name in names(wheel) if "__pycache__" in name or name.endswith(".pyc")]


@pytest.mark.slow
def test_wheel_carries_samples_icons_migrations_and_typing_marker(wheel: Path) -> None:
    contents = names(wheel)
    data = "prompt_workbench_resources"
    assert {f"{data}/samples/{name}" for name in SAMPLES} <= contents
    assert f"{data}/__init__.py" in contents
    assert f"{data}/icons/{APP_ID}.svg" in contents
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        assert f"{data}/icons/hicolor/{size}x{size}/apps/{APP_ID}.png" in contents
    assert "storage/migrations/script.py.mako" in contents
    assert "workbench/py.typed" in contents
    # Nothing from outside the packages: no tests, scripts, docs or a top-level `resources`.
    tops = {name.split("/", 1)[0] for name in contents}
    assert tops == {
        "workbench",
        "storage",
        "ui",
        data,
        "prompt_workbench-0.1.0.dist-info",
    }


# --- installed -----------------------------------------------------------------------------------


def run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # the tests put the checkout first: the installed app must not
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"  # tests' backend is not there
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A fresh venv holding the wheel: (its bin folder, its site-packages)."""
    venv = tmp_path_factory.mktemp("venv")
    here = tmp_path_factory.mktemp("cwd")
    proc = run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=here)
    assert proc.returncode == 0, proc.stderr
    python = venv / "bin" / "python"
    proc = run(
        sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps",
        "--no-index", wheel, cwd=here,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=here)
    site = Path(proc.stdout.strip())
    assert site.is_relative_to(venv)
    # Dependencies come from the project's venv, appended after the new venv's own packages.
    (site / "project_venv_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return venv / "bin", site


@pytest.mark.slow
def test_installed_command_answers(installed: tuple[Path, Path], tmp_path: Path) -> None:
    bin_dir, _site = installed
    version = run(bin_dir / "workbench", "--version", cwd=tmp_path)
    assert version.returncode == 0, version.stderr
    assert version.stdout == "workbench 0.1.0\n"
    usage = run(bin_dir / "workbench", "run", "--help", cwd=tmp_path)
    assert usage.returncode == 0, usage.stderr
    assert usage.stdout.startswith("usage: workbench run")


@pytest.mark.slow
def test_installed_app_finds_its_own_samples_icons_and_window(
    installed: tuple[Path, Path], tmp_path: Path
) -> None:
    bin_dir, site = installed
    code = "\n".join(
        (
            "from importlib.metadata import entry_points",
            "import ui.resource_paths as paths, workbench",
            "print(workbench.__file__)",
            "print(paths.resources_dir())",
            "print(','.join(sorted(p.name for p in paths.samples_dir().iterdir())))",
            "print(paths.icon_path().is_file(), paths.icon_path(256).is_file())",
            "(window,) = entry_points(group='workbench.window')",
            "print(window.load().__module__)",
            "import ui.app; print(ui.app.__file__)",
        )
    )
    proc = run(bin_dir / "python", "-c", code, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    module, resources, samples, icons, opener, app = proc.stdout.splitlines()
    assert Path(module) == site / "workbench" / "__init__.py"
    assert Path(resources) == site / "prompt_workbench_resources"
    assert samples == ",".join(SAMPLES)
    assert icons == "True True"
    assert opener == "ui.app"
    assert Path(app) == site / "ui" / "app.py"


# --- the other two layouts -----------------------------------------------------------------------


def test_checkout_finds_resources_beside_the_packages() -> None:
    # Run from the checkout (editable or not installed): the same folder either way.
    assert resource_paths.resources_dir() == ROOT / "resources"
    assert resource_paths.samples_dir() == ROOT / "resources" / "samples"
    assert resource_paths.icon_path() == ROOT / "resources" / "icons" / f"{APP_ID}.svg"
    assert resource_paths.icon_path(32) == (
        ROOT / "resources" / "icons" / "hicolor" / "32x32" / "apps" / f"{APP_ID}.png"
    )


def test_bundle_finds_resources_where_pyinstaller_unpacked_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resource_paths.resources_dir() == tmp_path / "resources"
    assert resource_paths.icon_path(512) == (
        tmp_path / "resources" / "icons" / "hicolor" / "512x512" / "apps" / f"{APP_ID}.png"
    )


def test_an_icon_size_that_is_not_shipped_is_refused() -> None:
    with pytest.raises(ValueError, match=r"no 20x20 icon is shipped; sizes: 16, 24, 32"):
        resource_paths.icon_path(20)
