"""gilbench-fidelity finds gilbench where the preset build puts it and exits non-zero without one."""
import os
import pathlib

import pytest

from fidelity import common, main


def _fake(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "ROOT", tmp_path / "share" / "repo")  # PREFIX/bin is tmp_path/bin
    monkeypatch.delenv("GILBENCH", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    return tmp_path


def test_preset_build_first(checkout):
    want = _fake(checkout / "share" / "repo" / "build" / "release" / "bin" / "gilbench")
    _fake(checkout / "share" / "repo" / "build" / "bin" / "gilbench")
    _fake(checkout / "empty" / "gilbench")
    assert common.find_gilbench(None) == want


def test_path_then_installed(checkout):
    on_path = _fake(checkout / "empty" / "gilbench")
    assert common.find_gilbench(None) == on_path
    os.remove(on_path)
    # the installed layout: PREFIX/share/gilbench is ROOT, the binary PREFIX/bin/gilbench
    installed = _fake(pathlib.Path(common.ROOT).parent.parent / "bin" / "gilbench")
    assert common.find_gilbench(None) == installed


def test_env_and_explicit(checkout, monkeypatch):
    _fake(checkout / "share" / "repo" / "build" / "release" / "bin" / "gilbench")
    monkeypatch.setenv("GILBENCH", "/x/gilbench")
    assert common.find_gilbench(None) == "/x/gilbench"
    assert common.find_gilbench("/y/gilbench") == "/y/gilbench"


def test_missing_is_an_error(checkout, capsys):
    assert main.main(["--quick", "--latency"]) == main.EXIT_NO_GILBENCH == 3
    assert "no gilbench binary" in capsys.readouterr().err


def test_bad_paths_are_usage_errors(checkout, monkeypatch, capsys):
    assert main.main(["--quick", "--gilbench", "/nonexistent/gilbench"]) == main.EXIT_USAGE
    monkeypatch.setenv("GILBENCH", "/nonexistent/gilbench")
    assert main.main(["--quick"]) == main.EXIT_USAGE
    assert "GILBENCH=/nonexistent/gilbench" in capsys.readouterr().err
