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
    assert report.endswith("Missing or too old: ipywidgets.")


def test_too_old_a_version_is_flagged(monkeypatch):
    monkeypatch.setattr(environment, "_installed_version", lambda d: "0.1")
    checks = {c.name: c for c in environment.check_environment()}
    assert not checks["keras"].ok and "needs ≥ 3.3" in checks["keras"].advice


def test_version_tuple_ignores_suffixes():
    assert environment._version_tuple("2.21.0rc1") == (2, 21, 0)
