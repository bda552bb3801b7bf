"""The course's Python passes ruff with the settings in pyproject.toml
(undefined and unused names, import order, pycodestyle, bug-prone patterns)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def ruff() -> str:
    found = Path(sys.executable).with_name("ruff")
    return str(found) if found.exists() else shutil.which("ruff") or "ruff"


def test_the_code_passes_ruff():
    result = subprocess.run([ruff(), "check", "--output-format", "concise", "."], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_finds_an_undefined_name(tmp_path):
    """The check can fail: a misspelt name, the mistake a rename leaves behind."""
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    (tmp_path / "broken.py").write_text("def f(cases):\n    return write_rnu(cases)\n")
    result = subprocess.run([ruff(), "check", "--output-format", "concise", "."], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 1 and "F821" in result.stdout, result.stdout + result.stderr
