"""The layers: autograd < nn, optim < seegrad (the apps). Arrows point down only."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# what each package may import among the project's own packages (function bodies included)
ALLOWED = {
    "autograd": {"autograd"},
    "nn": {"autograd", "nn"},
    "optim": {"autograd", "optim"},
    "seegrad": {"autograd", "nn", "optim", "seegrad"},
}


def project_imports(path):
    """(line, package) of every absolute import of one of the project's packages in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in ALLOWED:
                yield node.lineno, top


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_the_layers_below(package):
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {top}"
             for path in sorted((ROOT / package).rglob("*.py"))
             for line, top in project_imports(path) if top not in ALLOWED[package]]
    assert not wrong, f"{package} may import only {sorted(ALLOWED[package])}:\n" + "\n".join(wrong)


def test_importing_the_library_loads_no_app_module():
    code = ("import sys, autograd, nn, optim, nn.functional, optim.lr_scheduler\n"
            "apps = sorted(m for m in sys.modules if m.split('.')[0] == 'seegrad')\n"
            "assert not apps, apps")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_import_seegrad_stays_cheap():
    """The fit loop and the data are there at once; ONNX, the web server and plotting load on first use."""
    code = ("import sys, seegrad\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('onnx', 'onnxruntime', 'starlette', 'uvicorn', 'matplotlib'))\n"
            "assert not heavy, heavy\n"
            "assert seegrad.fit and seegrad.data.DataLoader and seegrad.models.mlp\n"
            "from seegrad.export import export_onnx, ExportError\n"
            "assert callable(seegrad.serving.load_predictor)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
