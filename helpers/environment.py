"""What the course needs on this machine, and exactly what is missing."""

from __future__ import annotations

import importlib.metadata
import sys
import tomllib
from dataclasses import dataclass

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from helpers import config

# (distribution, what it is for); the tested range of each comes from pyproject.toml
PACKAGES = (
    ("tensorflow-cpu", "TensorFlow, the engine under Keras"),
    ("keras", "Keras 3: models, layers, optimizers"),
    ("numpy", "arrays"),
    ("scipy", "a few exact constants (SELU) and statistics"),
    ("matplotlib", "every figure"),
    ("ipywidgets", "sliders and buttons"),
    ("jupyterlab", "the notebook interface"),
)
INSTALL_HINT = "in the course folder run `make setup` (or: pip install -e '.[dev]')"
NEWEST_TESTED_PYTHON = "3.14"  # exclusive: make test runs Python 3.13 (README, Tested versions)
PYPROJECT = config.REPO_ROOT / "pyproject.toml"


@dataclass(frozen=True)
class Check:
    """One line of the environment report."""

    name: str
    found: str
    ok: bool
    advice: str = ""
    tested: str = ""


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


def tested_ranges() -> tuple[SpecifierSet, dict[str, SpecifierSet]]:
    """The Python range and each package's range the course is tested with (pyproject.toml)."""
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    ranges = {}
    for line in project["dependencies"]:
        requirement = Requirement(line)
        ranges[canonicalize_name(requirement.name)] = requirement.specifier
    python = SpecifierSet(project["requires-python"]) & SpecifierSet(f"<{NEWEST_TESTED_PYTHON}")
    return python, ranges


def _shown(tested: SpecifierSet) -> str:
    """'>=2.16, <2.22': lower bound first."""
    return ", ".join(sorted(map(str, tested), key=lambda s: (not s.startswith(">"), s))) or "any"


def _check_version(name: str, version: str | None, tested: SpecifierSet, purpose: str) -> Check:
    shown = _shown(tested)
    if version is None:
        return Check(name, "missing", False, f"needed for {purpose}: {INSTALL_HINT}", shown)
    if Version(version) not in tested:
        return Check(
            name, version, False, f"outside the tested range {shown}: {INSTALL_HINT}", shown
        )
    return Check(name, version, True, tested=shown)


def check_environment() -> list[Check]:
    """Check Python, each package (inside the tested range?), the data and Keras's cache folder."""
    python_range, ranges = tested_ranges()
    python = sys.version.split()[0]
    checks = [_check_version("python", python, python_range, "the course")]
    if not checks[0].ok:
        checks[0] = Check(
            "python", python, False,
            f"outside the tested range {checks[0].tested}: install a Python in it, then "
            "`make setup PYTHON=python3.13` (or any tested version)",
            checks[0].tested,
        )  # fmt: skip
    for distribution, purpose in PACKAGES:
        tested = ranges.get(canonicalize_name(distribution), SpecifierSet())
        checks.append(
            _check_version(distribution, _installed_version(distribution), tested, purpose)
        )
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
    """The checks as a table a learner can read; what is missing or untested says how to fix it."""
    checks = check_environment()
    rows = [f"{'':2}{'what':<16}{'found':<12}tested range"]
    for check in checks:
        mark = "✔" if check.ok else "✘"
        if check.tested:
            rows.append(f"{mark:2}{check.name:<16}{check.found:<12}{check.tested}")
        else:
            rows.append(f"{mark:2}{check.name:<16}{check.found}")
        if not check.ok:
            rows += [f"{'':18}{line}" for line in check.advice.splitlines()]
    missing = [c.name for c in checks if not c.ok]
    rows.append(
        "All set: every version is inside the tested range."
        if not missing
        else f"Missing, or outside the tested range: {', '.join(missing)}."
    )
    return "\n".join(rows)
