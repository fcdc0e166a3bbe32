"""The oldest-versions run installs exactly the floors pyproject.toml promises."""

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
OLDEST = ROOT / "tests" / "constraints" / "oldest.txt"


def _pins() -> dict[str, Version]:
    pins = {}
    for line in OLDEST.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            requirement = Requirement(line)
            (spec,) = requirement.specifier
            assert spec.operator == "==", f"{line}: pin one version with =="
            pins[canonicalize_name(requirement.name)] = Version(spec.version)
    return pins


def _floors() -> dict[str, Version]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    floors = {}
    for line in project["dependencies"] + project["optional-dependencies"]["dev"]:
        requirement = Requirement(line)
        lows = [s.version for s in requirement.specifier if s.operator == ">="]
        if lows:
            floors[canonicalize_name(requirement.name)] = Version(lows[0])
    return floors


def test_every_floor_is_pinned_at_the_lowest_release_of_its_series():
    pins, floors = _pins(), _floors()
    for tool in ("ruff", "uv"):  # the linter and the venv builder only run in the default env
        floors.pop(tool)
    assert set(pins) == set(floors), "tests/constraints/oldest.txt and pyproject.toml disagree"
    for name, floor in floors.items():
        pin = pins[name]
        # The floor itself, or the first release of the floor's series that exists
        # (scipy>=1.11 → 1.11.1: there is no 1.11.0 wheel for the Pythons we test).
        assert pin >= floor and pin.release[: len(floor.release)] == floor.release, (name, pin)
