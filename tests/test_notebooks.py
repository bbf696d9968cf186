"""Every notebook follows the series' pattern (nbval runs them; this checks their shape)."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
REPO_URL = re.search(r'^Repository = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
REPO = REPO_URL.removeprefix("https://github.com/")


def cells(path):
    return [(c["cell_type"], "".join(c["source"])) for c in json.loads(path.read_text())["cells"]]


def test_there_are_notebooks():
    assert NOTEBOOKS, "no numbered notebooks found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_title_purpose_and_colab_badge(path):
    kind, first = cells(path)[0]
    assert kind == "markdown" and first.startswith(f"# {path.name[:2]} ")
    assert "**Purpose:**" in first
    badge = f"https://colab.research.google.com/github/{REPO}/blob/main/notebooks/{path.name}"
    assert badge in first


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_setup_installs_from_this_repository_only_in_colab(path):
    code = [src for kind, src in cells(path) if kind == "code"]
    install = [src for src in code if "%pip install" in src]
    assert len(install) == 1
    assert 'IN_COLAB = "google.colab" in sys.modules' in install[0]
    assert re.search(r"if IN_COLAB:\n\s+%pip install", install[0])
    assert f"git+{REPO_URL}" in install[0]
    assert any("Version(" in src for src in code), "no version checks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_quick_mode_switch_and_figures_through_the_helper(path):
    code = "\n".join(src for kind, src in cells(path) if kind == "code")
    assert "QUICK = esc50.quick_mode()" in code
    assert ".savefig(" not in code, "save figures with plots.save_fig"
    assert "plots.save_fig(" in code


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercises_with_hidden_solutions(path):
    nb = json.loads(path.read_text())
    assert any(c["cell_type"] == "markdown" and "## Exercises" in "".join(c["source"]) for c in nb["cells"])
    solutions = [c for c in nb["cells"] if "solution" in c["metadata"].get("tags", [])]
    assert solutions and all(c["metadata"]["jupyter"]["source_hidden"] for c in solutions)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_readme_lists_the_notebook_with_its_badge(path):
    readme = (ROOT / "README.md").read_text()
    assert f"(notebooks/{path.name})" in readme
    assert f"https://colab.research.google.com/github/{REPO}/blob/main/notebooks/{path.name}" in readme
