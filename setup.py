"""The wheel carries the data the package reads: the topic catalogue, the Avro schemas and the shipped
drills are kept at the top of the repository (where they are edited and reviewed) and copied into
``secours/_data`` when a wheel is built, so that an installed ``secours`` runs from any directory
(``secours.resources`` reads them from there). An editable install reads the checkout itself."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DATA = {"topics.yaml": None, "schemas": "*.avsc", "drills": "*.yaml"}


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "secours" / "_data"
        for name, pattern in DATA.items():
            source = ROOT / name
            if pattern is None:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / name)
                continue
            (target / name).mkdir(parents=True, exist_ok=True)
            for path in sorted(source.glob(pattern)):
                shutil.copy2(path, target / name / path.name)


setup(cmdclass={"build_py": BuildWithData})
