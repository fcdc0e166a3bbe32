import pytest

from helpers import environment


def test_this_machine_passes_every_check():
    checks = environment.check_environment()
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    assert {"python", "keras", "Fashion-MNIST", "KERAS_HOME"} <= {c.name for c in checks}


def test_a_missing_package_is_named_with_the_fix(monkeypatch):
    real = environment._installed_version
    monkeypatch.setattr(
        environment, "_installed_version", lambda d: None if d == "ipywidgets" else real(d)
    )
    report = environment.environment_report()
    assert "✘ ipywidgets" in report and "make setup" in report
    assert report.endswith("Missing, or outside the tested range: ipywidgets.")


@pytest.mark.parametrize("version", ["3.3.3", "4.0.0"], ids=["too old", "too new"])
def test_a_version_outside_the_tested_range_is_flagged_with_the_fix(monkeypatch, version):
    real = environment._installed_version
    monkeypatch.setattr(
        environment, "_installed_version", lambda d: version if d == "keras" else real(d)
    )
    checks = {c.name: c for c in environment.check_environment()}
    assert not checks["keras"].ok
    assert "outside the tested range >=3.14, <4" in checks["keras"].advice
    assert "make setup" in checks["keras"].advice
    report = environment.environment_report()
    assert f"✘ keras           {version}" in report
    assert report.endswith("Missing, or outside the tested range: keras.")


def test_the_report_shows_each_tested_range():
    report = environment.environment_report()
    assert "tested range" in report.splitlines()[0]
    assert ">=2.16, <2.22" in report and ">=3.11, <3.14" in report


def test_tested_ranges_come_from_pyproject():
    python, ranges = environment.tested_ranges()
    assert "3.13.0" in python and "3.10.13" not in python and "3.14.0" not in python
    assert "3.14.0" in ranges["keras"] and "3.13.2" not in ranges["keras"]
