"""Extract the PyTorch expressions of tinygrad's operator tests into tests/porting/data/tinygrad_ops.json.

    python scripts/extract_tinygrad_ops.py <tinygrad checkout>/test/backend/test_ops.py <commit>

tinygrad (MIT licence, https://github.com/tinygrad/tinygrad) tests each of its ops against PyTorch with
``helper_test_op(shapes, torch_fxn, ...)``: ``torch_fxn`` is a lambda written in plain PyTorch. This keeps
every such call whose shapes, keyword arguments and lambda are self-contained (literals, the lambda's own
parameters, ``torch``, ``np``, ``math``), so that tests/porting/test_tinygrad_ops.py can run each lambda under
PyTorch and under this project from the same text: code written by other people, against PyTorch."""
import ast
import json
import pathlib
import sys

FREE_NAMES = {"torch", "np", "math", "True", "False", "None", "range", "slice", "Ellipsis", "int", "float", "min",
              "max", "abs", "sum", "tuple", "list", "len"}


def _torch_attribute(node):
    """Is ``node`` a name like torch.exp or torch.nn.functional.relu?"""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id == "torch"


def extract(source):
    tree = ast.parse(source)
    cases = []
    for cls in tree.body:
        if not (isinstance(cls, ast.ClassDef) and cls.name.startswith("TestOps")):
            continue
        for fn in cls.body:
            if not isinstance(fn, ast.FunctionDef):
                continue
            for node in ast.walk(fn):
                if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "helper_test_op"):
                    continue
                if len(node.args) < 2:
                    continue
                fxn = node.args[1]
                if _torch_attribute(fxn):  # torch.exp, torch.nn.functional.gelu: called on the inputs
                    text, body, params = f"lambda *x: {ast.get_source_segment(source, fxn)}(*x)", fxn, set()
                elif isinstance(fxn, ast.Lambda):
                    text, body, params = ast.get_source_segment(source, fxn), fxn.body, {a.arg for a in fxn.args.args}
                else:
                    continue
                try:
                    shapes = ast.literal_eval(node.args[0])
                    kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
                except ValueError:
                    continue
                names = {n.id for n in ast.walk(body) if isinstance(n, ast.Name)}
                if names - params - FREE_NAMES:
                    continue
                kwargs.pop("tinygrad_fxn", None)
                cases.append({"test": fn.name, "line": node.lineno, "shapes": shapes, "fxn": text,
                              "kwargs": kwargs})
    return cases


def main(path, commit):
    cases = extract(pathlib.Path(path).read_text())
    out = pathlib.Path(__file__).resolve().parents[1] / "tests" / "porting" / "data" / "tinygrad_ops.json"
    out.write_text(json.dumps({"source": f"tinygrad/tinygrad@{commit}:test/backend/test_ops.py (MIT licence)",
                               "cases": cases}, indent=0) + "\n")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
