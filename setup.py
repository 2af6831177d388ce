"""Which packages and files the `jouda` distribution holds, found rather than listed: every folder of
jouda/, shared/ and services/ is a package (those holding only templates or seeds too, as setuptools
treats them), with every file in it. A new service folder is in the image without editing this file
or pyproject.toml (tests/unit/test_packaging.py builds the wheel to check)."""

from pathlib import Path

from setuptools import setup

HERE = Path(__file__).parent
ROOTS = {"jouda": "jouda", "jouda.shared": "shared", "jouda.services": "services"}  # distribution name -> folder


def discover():
    packages, package_data = [], {}
    for prefix, folder in ROOTS.items():
        root = HERE / folder
        for path in [root, *sorted(p for p in root.rglob("*") if p.is_dir())]:
            if "__pycache__" in path.parts:
                continue
            name = ".".join((prefix, *path.relative_to(root).parts))
            packages.append(name)
            data = sorted(f.name for f in path.iterdir() if f.is_file() and f.suffix not in (".py", ".pyc"))
            if data:
                package_data[name] = data
    return packages, package_data


PACKAGES, PACKAGE_DATA = discover()
setup(packages=PACKAGES, package_data=PACKAGE_DATA, package_dir=ROOTS)
