"""The wheel that deploy/Dockerfile installs holds every service of the platform, with its modules and
its files (templates, seeds, migrations), though no package is listed by hand (setup.py)."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from jouda import platform

ROOT = Path(__file__).resolve().parents[2]
NOT_SHIPPED = shutil.ignore_patterns(
    ".git", ".venv", "var", "build", "dist", "*.egg-info", "__pycache__", "*.pyc", ".schemathesis", "node_modules"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    source, out = tmp_path_factory.mktemp("source") / "jouda", tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT, source, ignore=NOT_SHIPPED)  # built from a copy: no build/ left in the checkout
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    [built] = out.glob("jouda-*.whl")
    return set(zipfile.ZipFile(built).namelist())


def files_of(folder):
    return [
        path
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    ]


@pytest.mark.parametrize("service", platform.SERVICES)
def test_every_file_of_every_service_is_in_the_wheel(wheel, service):
    folder = ROOT / "services" / service
    expected = {f"jouda/services/{service}/{path.relative_to(folder).as_posix()}" for path in files_of(folder)}
    assert any(name.endswith(".txt") or name.endswith("migrations/script.py.mako") for name in expected)
    assert expected - wheel == set()


def test_the_shared_library_and_the_command_are_in_the_wheel(wheel):
    for folder, prefix in ((ROOT / "shared", "jouda/shared"), (ROOT / "jouda", "jouda")):
        assert {f"{prefix}/{path.relative_to(folder).as_posix()}" for path in files_of(folder)} - wheel == set()
    assert not any(name.startswith(("tests/", "services/", "shared/")) for name in wheel)  # nothing at top level
