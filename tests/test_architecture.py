"""The layering the README describes, checked: autograd < nn, optim < seegrad (the apps).

- every module imports alone, in a fresh interpreter;
- no import cycles between the project's modules;
- autograd imports no other package of the project; nn and optim import only autograd;
- no private engine name (_make, _data, _rng, _vc) is used outside autograd.
"""
import ast
import concurrent.futures
import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGES = [p for p in ("autograd", "nn", "optim", "seegrad") if (ROOT / p).is_dir()]
ALLOWED = {"autograd": set(), "nn": {"autograd"}, "optim": {"autograd"},
           "seegrad": {"autograd", "nn", "optim"}}
PRIVATE = re.compile(r"\._make\b|\._data\b|\b_rng\b|\._vc\b")
# The one allowed exception to "autograd imports nothing above it": the function upper() in
# autograd/namespaces.py imports nn, optim and seegrad.data when a ported script first asks for
# torch.nn / torch.optim / torch.utils.data (never at import: see test_importing_a_layer_loads_nothing_above_it).
LAZY_UPWARD = ("autograd/namespaces.py", "upper", {"nn", "optim", "seegrad.data"})


def _modules():
    """(module name, path) of every Python module of the project's packages."""
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            yield ".".join(parts), path


MODULES = dict(_modules())


def _imports(name, path):
    """The project modules ``name`` imports at module level (not inside functions)."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)  # from . import x
    return {m for m in found if m in MODULES}


def test_every_module_imports_alone_in_a_fresh_interpreter():
    """Each module imported first thing in a fresh interpreter. A module that its package's own import
    loads is not imported again alone: ``import a.b.c`` runs ``import a.b`` first, the same code in the
    same order as a fresh ``import a.b``, and then finds ``a.b.c`` loaded (a no-op). So each package is
    imported fresh, outermost first, and then each module no ancestor's fresh import loaded (about 80
    interpreters instead of 190)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    report = "import json, sys; print(json.dumps(sorted(sys.modules)))"

    def load(name):
        out = subprocess.run([sys.executable, "-c", f"import {name}; {report}"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
        loaded = set(json.loads(out.stdout)) if out.returncode == 0 else set()
        return name, out.returncode, out.stderr.strip().splitlines()[-1:] or [""], loaded

    modules = [m for m in MODULES if not m.endswith("__main__")]  # entry points run the CLI when imported
    loaded_by = {}  # a module imported fresh -> the modules that import loaded
    failures = []
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for depth in range(1, max(m.count(".") for m in modules) + 2):
            level = [m for m in modules if m.count(".") + 1 == depth and not any(
                m in loaded_by.get(".".join(m.split(".")[:i]), ()) for i in range(1, depth))]
            for name, rc, err, loaded in pool.map(load, level):
                loaded_by[name] = loaded
                if rc:
                    failures.append((name, err[0]))
    assert not failures, failures
    assert len(loaded_by) >= len(PACKAGES) and all(m in set().union(*loaded_by.values()) for m in modules), \
        "some module was neither imported alone nor loaded by an ancestor's fresh import"


def test_no_import_cycles():
    graph = {name: _imports(name, path) - {name} for name, path in MODULES.items()}
    state = {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if nxt.startswith(node + "."):  # a package importing its own submodules
                continue
            if state.get(nxt) == "open":
                cycle = trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for name in graph:
        if name not in state:
            visit(name, [name])


@pytest.mark.parametrize("package", PACKAGES)
def test_packages_import_only_the_layers_below(package):
    wrong = []
    for name, path in MODULES.items():
        if name.split(".")[0] != package:
            continue
        tree = ast.parse(path.read_text())
        lazy = [range(f.lineno, f.end_lineno + 1) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
                and f.name == LAZY_UPWARD[1] and path.relative_to(ROOT).as_posix() == LAZY_UPWARD[0]]
        for node in ast.walk(tree):  # function-level imports count too
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else []
            for imported in names:
                top = imported.split(".")[0]
                if lazy and node.lineno in lazy[0] and imported in LAZY_UPWARD[2]:
                    continue
                if top in ALLOWED and top != package and top not in ALLOWED[package]:
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {imported}")
    assert not wrong, wrong


def test_importing_a_layer_loads_nothing_above_it():
    code = ("import sys, {0}; above = sorted(m for m in sys.modules if m.split('.')[0] in {1!r}); "
            "print(above); sys.exit(1 if above else 0)")
    for package in ("autograd", "nn", "optim"):
        above = [p for p in ALLOWED if p != package and p not in ALLOWED[package]]
        out = subprocess.run([sys.executable, "-c", code.format(package, above)], cwd=ROOT, capture_output=True,
                             text=True, timeout=120, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        assert out.returncode == 0, f"import {package} loaded {out.stdout.strip()} {out.stderr[-300:]}"


def test_no_private_engine_names_outside_autograd():
    wrong = []
    for name, path in MODULES.items():
        if name.split(".")[0] == "autograd":
            continue
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            if PRIVATE.search(line.split("#")[0]):
                wrong.append(f"{path.relative_to(ROOT)}:{lineno}: {line.strip()}")
    assert not wrong, "\n".join(wrong)


def test_import_seegrad_stays_cheap():
    """The fit loop and the data are there at once; ONNX, the web server and plotting load on first use."""
    code = ("import sys, seegrad\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('onnx', 'onnxruntime', 'starlette', 'uvicorn', 'matplotlib'))\n"
            "assert not heavy, heavy\n"
            "assert seegrad.fit and seegrad.data.DataLoader and seegrad.models.mlp\n"
            "from seegrad.export import export_onnx, ExportError\n"
            "assert callable(seegrad.serving.load_predictor)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr
