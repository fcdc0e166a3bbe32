"""What the course needs on this machine, and exactly what is missing."""

from __future__ import annotations

import importlib.metadata
import re
import sys
from dataclasses import dataclass

from helpers import config

# (distribution, lowest version, what it is for)
REQUIREMENTS = (
    ("tensorflow-cpu", "2.16", "TensorFlow, the engine under Keras"),
    ("keras", "3.3", "Keras 3: models, layers, optimizers"),
    ("numpy", "1.26", "arrays"),
    ("scipy", "1.11", "a few exact constants (SELU) and statistics"),
    ("matplotlib", "3.8", "every figure"),
    ("ipywidgets", "8.1", "sliders and buttons"),
    ("jupyterlab", "4.1", "the notebook interface"),
    ("jupyterlab-widgets", "3.0", "shows widgets inside JupyterLab"),
)
INSTALL_HINT = "run `make setup` in the course folder (or: pip install -e '.[dev]')"


@dataclass(frozen=True)
class Check:
    """One line of the environment report."""

    name: str
    found: str
    ok: bool
    advice: str = ""


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split(".")[:3]:
        digits = re.match(r"\d*", piece).group()  # '0rc1' -> '0'
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def _installed_version(distribution: str) -> str | None:
    names = [distribution]
    if distribution == "tensorflow-cpu":
        names.append("tensorflow")  # either build serves
    for name in names:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def check_environment() -> list[Check]:
    """Check Python, each package, the data and Keras's cache folder; say what to do if not ok."""
    checks = [
        Check(
            "python",
            sys.version.split()[0],
            sys.version_info >= (3, 10),
            "Python 3.10 or newer is needed",
        )
    ]
    for distribution, lowest, purpose in REQUIREMENTS:
        version = _installed_version(distribution)
        if version is None:
            checks.append(
                Check(distribution, "missing", False, f"needed for {purpose}: {INSTALL_HINT}")
            )
        elif _version_tuple(version) < _version_tuple(lowest):
            checks.append(Check(distribution, version, False, f"needs ≥ {lowest}: {INSTALL_HINT}"))
        else:
            checks.append(Check(distribution, version, True))
    from helpers import data

    try:
        folder = data.find_fashion_mnist_dir()
        found = str(folder) if folder else "not on disk; Keras will download it"
        checks.append(Check("Fashion-MNIST", found, True))
    except data.DataNotFoundError as error:
        checks.append(Check("Fashion-MNIST", "missing", False, str(error)))
    home = config.keras_home()
    checks.append(
        Check("KERAS_HOME", str(home), home.is_dir(), "set KERAS_HOME to a writable folder")
    )
    return checks


def environment_report() -> str:
    """The checks as a table a learner can read; missing pieces say how to get them."""
    checks = check_environment()
    rows = [f"{'':2}{'what':<20}{'found'}"]
    for check in checks:
        mark = "✔" if check.ok else "✘"
        rows.append(f"{mark:2}{check.name:<20}{check.found}")
        if not check.ok:
            rows += [f"{'':22}{line}" for line in check.advice.splitlines()]
    missing = [c.name for c in checks if not c.ok]
    rows.append("All set." if not missing else f"Missing or too old: {', '.join(missing)}.")
    return "\n".join(rows)
