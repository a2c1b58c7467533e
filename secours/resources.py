"""Where the data the package carries lives: the topic catalogue, the Avro schemas, the shipped drills.

An installed wheel carries them inside the package (``secours/_data``, copied there by the build:
``setup.py``), read with :mod:`importlib.resources`. A checkout, or an editable install of one,
reads them where they are kept and edited, at the top of the repository. Either way the rest of
the code asks here, never for a path relative to its own file.
"""

from __future__ import annotations

import argparse
from importlib import metadata, resources
from pathlib import Path

__all__ = [
    "data_path",
    "drill_file",
    "drills_dir",
    "package_version",
    "schemas_dir",
    "shipped_drills",
    "topics_file",
]

_CHECKOUT = Path(__file__).resolve().parent.parent


def package_version() -> str | None:
    """The installed distribution's version (None: a checkout that was never installed)."""
    try:
        return metadata.version("secours")
    except metadata.PackageNotFoundError:
        return None


def data_path(name: str) -> Path:
    """``topics.yaml``, ``schemas`` or ``drills``: inside the installed package, else in the checkout."""
    packaged = resources.files("secours").joinpath("_data", name)
    if isinstance(packaged, Path) and packaged.exists():
        return packaged
    return _CHECKOUT / name


def topics_file() -> Path:
    return data_path("topics.yaml")


def schemas_dir() -> Path:
    return data_path("schemas")


def drills_dir() -> Path:
    return data_path("drills")


def shipped_drills() -> list[Path]:
    return sorted(drills_dir().glob("*.yaml"))


def drill_file(ref: str) -> Path:
    """A drill given on the command line: a file's path, or the name of a shipped drill (``baseline``),
    from any directory. For argparse (``type=drill_file``): an unknown one is a one-line usage error."""
    path = Path(ref)
    if path.is_file():
        return path
    shipped = {p.stem: p for p in shipped_drills()}
    if ref in shipped:
        return shipped[ref]
    if path.suffix in (".yaml", ".yml") or path.parent != Path():
        raise argparse.ArgumentTypeError(f"{ref}: no such drill file")
    some = ", ".join(sorted(shipped)[:3])
    raise argparse.ArgumentTypeError(
        f"{ref}: neither a drill file nor a shipped drill (`secours drill list`: {some}...)"
    )
