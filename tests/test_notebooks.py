"""Run every notebook in notebooks/ top to bottom, one test per notebook.

Each notebook checks its own results with plain ``assert`` cells, so a notebook whose
numbers go wrong fails here. Kernel ``python3``, 120 s per cell, working directory
notebooks/, matplotlib on the Agg backend. Skipped when nbclient / nbformat / ipykernel
are missing (``pip install -e ".[notebooks]"``).
"""
import importlib.util
import json
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 120  # seconds
TEACHING = ["01_scalar_engine", "02_tensors_and_broadcasting", "03_backprop_step_by_step",
            "04_numpy_to_framework", "05_mlp_classifier", "06_optimisers_compared", "07_activation_functions",
            "08_loss_functions", "09_convolutional_networks", "10_recurrent_networks", "11_gan_ring",
            "12_deploy_to_an_endpoint", "13_keras_style_training"]


def _missing(name):
    try:
        return importlib.util.find_spec(name) is None
    except (ImportError, ValueError):  # a broken install, or a module blocked in sys.modules
        return True


MISSING = [name for name in ("nbclient", "nbformat", "ipykernel") if _missing(name)]
needs_jupyter = pytest.mark.skipif(
    bool(MISSING), reason=f"running notebooks needs {', '.join(MISSING)}: pip install -e '.[notebooks]'")


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell):
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


@pytest.mark.slow
@needs_jupyter
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, monkeypatch):
    import nbformat
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    monkeypatch.setenv("MPLBACKEND", "Agg")  # the kernel inherits this environment
    # the checkout's packages, even where the project is not pip-installed
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        if var not in os.environ:  # small matrices: threads only add overhead on a shared machine
            monkeypatch.setenv(var, "1")

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    try:
        client.execute()
    except NoSuchKernel:
        pytest.skip("no 'python3' Jupyter kernel: python -m ipykernel install --user")
    except (CellExecutionError, CellTimeoutError) as err:
        message = re.sub(r"\x1b\[[0-9;]*m", "", str(err))  # drop the traceback's terminal colours
        pytest.fail(f"{path.name} failed:\n{message}", pytrace=False)


def test_teaching_notebooks_exist():
    """A deleted or renamed notebook must fail, not silently drop out of test_notebook_runs."""
    missing = [name for name in TEACHING if not (NOTEBOOK_DIR / f"{name}.ipynb").is_file()]
    assert not missing, f"notebooks missing from {NOTEBOOK_DIR}: {missing}"


def test_notebooks_are_numbered_without_gaps():
    numbers = [int(p.stem.split("_", 1)[0]) for p in NOTEBOOKS]
    assert numbers == list(range(1, len(NOTEBOOKS) + 1)), [p.stem for p in NOTEBOOKS]
    assert set(TEACHING) <= {p.stem for p in NOTEBOOKS}


def _listed(text):
    """The notebooks a document lists, in order: one ``NN_name`` per line that names one."""
    names = [re.search(r"\b(\d\d_\w+?)(?:\.ipynb)?\b", line) for line in text.splitlines()]
    return [m.group(1) for m in names if m and (NOTEBOOK_DIR / f"{m.group(1)}.ipynb").is_file()]


def test_readme_and_docs_list_every_notebook_once_in_order():
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Notebooks", 1)[1].split("\n## ", 1)[0]
    docs = (ROOT / "docs" / "notebooks.md").read_text(encoding="utf-8")
    table = [line for line in docs.splitlines() if line.startswith("| `")]
    everything = [p.stem for p in NOTEBOOKS]
    assert _listed(section) == everything, "README's notebook list"
    assert _listed("\n".join(table)) == everything, "docs/notebooks.md's table"
    count = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
             10: "ten", 11: "eleven", 12: "twelve", 13: "thirteen", 14: "fourteen"}[len(NOTEBOOKS)]
    assert f"{count.capitalize()} teaching notebooks" in docs, f"docs/notebooks.md should say {count}"


@pytest.mark.parametrize("name", TEACHING)
def test_notebook_committed_clean(name):
    """The teaching notebooks are stored without outputs (small diffs; running them makes the outputs)."""
    path = NOTEBOOK_DIR / f"{name}.ipynb"
    if not path.is_file():
        pytest.skip(f"{path.name} missing (test_teaching_notebooks_exist reports it)")
    dirty = [i for i, c in enumerate(_cells(path))
             if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, (f"{path.name}: cells {dirty} have stored outputs; clear them "
                       f"(jupyter nbconvert --clear-output --inplace {path.relative_to(ROOT)})")


@pytest.mark.parametrize("name", TEACHING)
def test_teaching_notebook_checks_itself(name):
    """Each teaching notebook asserts its results and imports the package instead of defining engine code."""
    path = NOTEBOOK_DIR / f"{name}.ipynb"
    if not path.is_file():
        pytest.skip(f"{path.name} missing (test_teaching_notebooks_exist reports it)")
    code = "\n".join(_source(c) for c in _cells(path) if c["cell_type"] == "code")
    assert "assert" in code, f"{path.name} has no assert cell"
    assert "import autograd" in code, f"{path.name} does not import the package"
    for engine in ("(Function)", "Function.apply", "def _backward", "class Value", "class Tensor"):
        assert engine not in code, f"{path.name} defines engine code ({engine!r}); import it from autograd"
