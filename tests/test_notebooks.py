"""The notebooks (notebooks/*.ipynb, paired with Jupytext percent scripts notebooks/*.py) run here, offline.

Each notebook is executed top to bottom by nbclient in a fresh kernel of this test run's own Python (a kernel
spec written to a temporary folder, argv = sys.executable, so neither a user's "python3" kernel nor a system
Jupyter is used). Its claims are asserts in its code cells, so a false claim, an error in any cell, or a run
past the notebook's deadline fails the test. Its figures must be in the outputs as plotly figures that plotly's
strict validation accepts. Also: each .py and .ipynb pair holds the same cells, the committed .ipynb carry no
outputs, the notebooks use only rnnviz's library (no streamlit, no rnnviz.ui), and `import rnnviz` does not
import streamlit.
"""
import json
import os
import pathlib
import re
import subprocess
import sys
import time

import jupytext
import nbformat
import plotly.graph_objects as go
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
SCRIPTS = sorted(NOTEBOOK_DIR.glob("[0-9]*.py"))
PLOTLY_MIME = "application/vnd.plotly.v1+json"
NOTEBOOK_TIMEOUT = 180          # seconds for a whole notebook (each takes a few here); a guard against hangs
KERNEL_NAME = "rnnviz-test-python"


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 4, NOTEBOOKS


@pytest.fixture(scope="module")
def kernel_specs(tmp_path_factory) -> KernelSpecManager:
    """A kernel spec that starts ipykernel with this Python (sys.executable), in a folder of its own."""
    folder = tmp_path_factory.mktemp("kernels") / KERNEL_NAME
    folder.mkdir()
    (folder / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "rnnviz tests", "language": "python"}))
    return KernelSpecManager(kernel_dirs=[str(folder.parent)])


def run_notebook(path: pathlib.Path, kernel_specs: KernelSpecManager):
    """The notebook executed in its own folder (as Jupyter runs it); raises CellExecutionError on a failing cell."""
    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=kernel_specs)
    deadline = time.monotonic() + NOTEBOOK_TIMEOUT
    client = NotebookClient(nb, km=km, timeout=NOTEBOOK_TIMEOUT, startup_timeout=60, allow_errors=False,
                            timeout_func=lambda cell: max(1, int(deadline - time.monotonic())),
                            resources={"metadata": {"path": str(path.parent)}})
    env = {**os.environ, "PLOTLY_RENDERER": "plotly_mimetype"}     # figures as plotly's own mime bundle
    client.execute(env=env)
    assert time.monotonic() < deadline, f"{path.name} took more than {NOTEBOOK_TIMEOUT} s"
    return nb


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_shows_its_figures(path, kernel_specs):
    nb = run_notebook(path, kernel_specs)
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    n_figures = 0
    for cell in code:
        shown = [o.data[PLOTLY_MIME] for o in cell.outputs if "data" in o and PLOTLY_MIME in o.data]
        expected = len(re.findall(r"^show\(", cell.source, re.M))          # rnnviz.figspec.show(fig)
        assert len(shown) == expected, f"{path.name}: a cell calls show() {expected} times but has " \
                                       f"{len(shown)} figures in its outputs:\n{cell.source[:300]}"
        for spec in shown:
            fig = go.Figure(spec)                    # plotly's strict validation of what the notebook displayed
            assert fig.data, f"{path.name}: an empty figure"
        n_figures += len(shown)
    assert n_figures >= 3, f"{path.name} shows only {n_figures} figures"


def test_notebooks_and_scripts_are_paired():
    """Every .ipynb has its Jupytext percent script and the other way round."""
    assert [p.stem for p in NOTEBOOKS] == [p.stem for p in SCRIPTS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_pair_in_sync_and_committed_without_outputs(path):
    """The .ipynb holds exactly the .py's cells (edit either, then `jupytext --sync notebooks/*.py`), and no
    outputs or execution counts (CI runs them; outputs would only make diffs large)."""
    ipynb = nbformat.read(path, as_version=4)
    script = jupytext.read(path.with_suffix(".py"))
    cells = lambda nb: [(c.cell_type, c.source) for c in nb.cells]     # noqa: E731
    assert cells(ipynb) == cells(script), f"{path.name} and its .py differ: run `jupytext --sync notebooks/*.py`"
    assert ipynb.metadata.get("jupytext", {}).get("formats") == "ipynb,py:percent"
    for c in ipynb.cells:
        if c.cell_type == "code":
            assert not c.outputs and c.execution_count is None, \
                f"{path.name} was saved with outputs: clear them (jupyter nbconvert --clear-output --inplace)"


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_notebooks_use_only_the_library(path):
    """Only rnnviz's library: no streamlit, nothing of the app (rnnviz.ui), no private names."""
    source = path.read_text()
    assert not re.search(r"^\s*(import|from)\s+streamlit", source, re.M)
    assert not re.search(r"rnnviz\.ui\b|from rnnviz import .*\bui\b", source)
    assert not re.search(r"\b(rv|rnnviz(\.\w+)*)\._", source), "a private name of rnnviz"


def test_import_rnnviz_does_not_import_streamlit():
    code = ("import sys, rnnviz, rnnviz.figures, rnnviz.bptt_figures, rnnviz.batch_figures, rnnviz.train_figures; "
            "assert 'streamlit' not in sys.modules, sorted(m for m in sys.modules if m.startswith('streamlit'))")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)
