"""environment.yml (conda, Binder) and pyproject.toml (pip) describe the same environment."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_and_pyproject_name_the_same_packages():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_names = {
        _name(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]
    }
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_names, pip_section = set(), []
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            pip_section = entry["pip"]
        else:
            conda_names.add(_name(entry))
    conda_names -= {"python", "pip"}
    listed = conda_names | {_name(r) for r in pip_section if not r.startswith("-")}
    assert listed == pip_names
    assert any(r.startswith("-e") and "[dev]" in r for r in pip_section), (
        "env must install the project"
    )


def test_python_versions_agree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(e for e in env["dependencies"] if isinstance(e, str) and e.startswith("python"))
    assert project["requires-python"] == ">=3.11"
    assert re.search(r"3\.1[1-3]", python)
