"""The workspace wiring: root extras name the plugin distributions; set-up finds Python 3.13."""

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load(path):
    return tomllib.loads(path.read_text())


def test_every_plugin_folder_is_a_distribution_named_by_a_root_extra():
    extras = load(ROOT / "pyproject.toml")["project"]["optional-dependencies"]
    named = {requirement for requirements in extras.values() for requirement in requirements}
    for folder in sorted((ROOT / "plugins").glob("*/")):
        project = load(folder / "pyproject.toml")["project"]
        assert project["name"] in named, f"add an extra naming {project['name']} to pyproject.toml"
        assert extras[folder.name] == [project["name"]]
        assert (folder / "tests").is_dir(), f"{folder.name} needs its own tests/"


def test_root_extras_follow_the_plugin_naming_rule():
    extras = load(ROOT / "pyproject.toml")["project"]["optional-dependencies"]
    for name, requirements in extras.items():
        if name != "embedded":
            assert requirements == ["djongo-" + name.replace("_", "-")]


def test_setup_says_clearly_when_it_finds_no_python_313(tmp_path):
    # A copy of the script in an empty folder (no .venv), with a PATH that has no Python 3.13
    # and no pyenv.
    shutil.copy(ROOT / "dev", tmp_path / "dev")
    (tmp_path / "pyproject.toml").write_text("")
    bare_path = "/usr/bin:/bin"
    if shutil.which("python3.13", path=bare_path):
        pytest.skip("this machine has Python 3.13 in its system folders")
    result = subprocess.run(["bash", str(tmp_path / "dev"), "setup"], capture_output=True,
                            text=True, env={"PATH": bare_path, "HOME": os.environ.get("HOME", "/")},
                            timeout=60)
    assert result.returncode == 1
    assert "djongo-core needs Python 3.13 and found none" in result.stderr
    assert "pyenv install 3.13" in result.stderr
