"""Write the list of the PyTorch API this project covers into docs/porting.md, from the registry.

    python scripts/gen_porting_api.py            # rewrite the generated section of docs/porting.md
    python scripts/gen_porting_api.py --check    # exit 1 if the committed section is out of date

What it lists, each read from the code rather than typed: the op table (``autograd.function.OPS``)
by the module that registers each op, with its Tensor method, ``torch.`` function, in-place twin
and aliases, and the Python operators; the Tensor methods and ``torch.`` names beyond the table;
the namespaces (torch.autograd, torch.linalg, torch.special, torch.utils.data, torch.distributions,
torch.multiprocessing);
nn's layers by file, nn.functional, nn.init, nn.utils, nn.utils.rnn; optim's optimizers and schedulers.
tests/test_porting_api_doc.py fails when the committed list differs from what this prints.
"""
import inspect
import pathlib
import sys
import types

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "porting.md"
BEGIN = "<!-- BEGIN GENERATED API LIST (python scripts/gen_porting_api.py) -->"
END = "<!-- END GENERATED API LIST -->"
COMMAND = "python scripts/gen_porting_api.py"

SYMBOLS = {  # an operator's dunders -> its Python spelling
    "add": "+", "sub": "-", "mul": "*", "truediv": "/", "floordiv": "//", "mod": "%", "pow": "**", "matmul": "@",
    "and": "&", "or": "|", "xor": "^", "lshift": "<<", "rshift": ">>", "lt": "<", "le": "<=", "gt": ">", "ge": ">=",
    "eq": "==", "ne": "!=", "neg": "-x", "pos": "+x", "abs": "abs(x)", "invert": "~x", "getitem": "x[...]",
}
# ag.<name> resolved on first use (autograd/__init__.py)
LAZY = ("nn", "optim", "utils", "save", "load", "viz", "distributions", "multiprocessing")


def _code(names):
    return ", ".join(f"`{n}`" for n in names)


def _public(module):
    return sorted(n for n in dir(module) if not n.startswith("_"))


def _ops_section(OPS):
    lines = ["### The op table", "",
             f"{len([n for n in OPS if not n.startswith('__')])} names in `autograd.function.OPS`, by the file that "
             "registers them. `x.op()`: a Tensor method; `torch.op()`: a function of `autograd` (so of "
             "`import autograd as torch`); in place: the twin that writes into `x`; aliases share the op; "
             "`Value.op()`: also a method of the micrograd-style scalar `ag.Value`.", ""]
    groups = {}  # module -> {fn: [names]}
    operators = {}
    for name, op in OPS.items():
        if name.startswith("__"):
            base = name.strip("_")
            base = base[1:] if base not in SYMBOLS and base[1:] in SYMBOLS else base
            operators.setdefault(SYMBOLS[base], []).append(name)
            continue
        groups.setdefault(op.module, {}).setdefault(id(op.fn), []).append(name)
    for module in sorted(groups):
        path = module.replace(".", "/") + ".py"
        lines += [f"**{path}**", "", "| op | `x.op()` | `torch.op()` | in place | aliases | `Value.op()` |",
                  "|---|---|---|---|---|---|"]
        for names in sorted(groups[module].values(), key=lambda ns: ns[0]):
            op = OPS[names[0]]
            twins = [n + "_" for n in names if OPS[n].inplace]
            lines.append(f"| `{names[0]}` | {'yes' if op.method else ''} | {'yes' if op.function else ''} | "
                         f"{_code(twins)} | {_code(names[1:])} | {'yes' if op.scalar else ''} |")
        lines.append("")
    lines += ["**Operators** (each calls the op of its name, on Tensors; `r` forms take a number on the left): "
              + "; ".join(f"`{symbol}` ({_code(names)})" for symbol, names in sorted(operators.items())), ""]
    return lines


def _beyond_table(ag, OPS):
    inplace = {name + "_" for name, op in OPS.items() if op.inplace}
    methods = [n for n in _public(ag.Tensor) if n not in OPS and n not in inplace]
    files = {p.stem for p in (ROOT / "autograd").iterdir()} - {"linalg", "special", "distributed", "viz"}
    dtypes = [n for n in _public(ag) if isinstance(getattr(ag, n), np.dtype)]  # (float, long...: methods too)
    names = [n for n in _public(ag) if n not in OPS and n not in dtypes
             and not (n in files and isinstance(getattr(ag, n), types.ModuleType))]  # (not the engine's files)
    modules = [n for n in names if isinstance(getattr(ag, n), types.ModuleType)]
    classes = [n for n in names if inspect.isclass(getattr(ag, n))]
    functions = [n for n in names if n not in modules + classes + dtypes and inspect.isroutine(getattr(ag, n))]
    others = [n for n in names if n not in modules + classes + dtypes + functions]
    return ["### Tensors and `torch.` beyond the op table", "",
            f"- Tensor methods and properties: {_code(methods)}",
            f"- `torch.` functions: {_code(functions)}",
            f"- `torch.` classes and context managers: {_code(classes)}",
            f"- dtypes: {_code(dtypes)}",
            f"- namespaces and lazy names: {_code(sorted(set(modules + others) | set(LAZY)))} (`nn`, `optim`, "
            "`utils.data`, `distributions`, `multiprocessing`, `save` and `load` are imported on first use)", ""]


def _namespaces(ag, data):
    import autograd.distributions as distributions  # noqa: PLC0415  (imported on first use)
    import autograd.multiprocessing as multiprocessing  # noqa: PLC0415  (imported on first use)

    autograd_names = [n for n in _public(ag.autograd) if not isinstance(getattr(ag.autograd, n), types.ModuleType)]
    return ["### Namespaces", "",
            f"- `torch.autograd`: {_code(autograd_names)}; `torch.autograd.function`: "
            f"{_code(_public(ag.autograd.function))}; `torch.autograd.graph`: {_code(_public(ag.autograd.graph))}; "
            f"`torch.autograd.functional`: {_code(ag.autograd.functional.__all__)}",
            f"- `torch.linalg`: {_code(n for n in _public(ag.linalg) if n[0].islower() and n != 'as_tensor')}",
            f"- `torch.special`: {_code(sorted(ag.special.__all__))}",
            f"- `torch.utils.data` (`seegrad.data`): {_code(sorted(data.__all__))}",
            f"- `torch.distributions` (`autograd.distributions`, [distributions.md](distributions.md)): "
            f"{_code(sorted(distributions.__all__))}; `constraints`: "
            f"{_code(n for n in distributions.constraints.__all__ if n != 'Constraint')}",
            f"- `torch.multiprocessing` (`autograd.multiprocessing`, [distributed.md](distributed.md), \"Hogwild\"): "
            f"Python's `multiprocessing` (all of it), and "
            f"{_code(sorted(set(multiprocessing.__all__) - set(multiprocessing.multiprocessing.__all__)))}", ""]


def _functions_of(module):
    return [n for n in _public(module) if inspect.isfunction(getattr(module, n))
            and getattr(getattr(module, n), "__module__", "").split(".")[0] in ("nn", "autograd", "optim")]


def _nn(nn):
    by_file = {}
    for name in _public(nn):
        obj = getattr(nn, name)
        if inspect.isclass(obj) and issubclass(obj, nn.Module):
            by_file.setdefault(obj.__module__.replace(".", "/") + ".py", []).append(name)
    lines = ["### nn", "", "Layers (`nn.Module` subclasses), by file:", ""]
    lines += [f"- {path}: {_code(names)}" for path, names in sorted(by_file.items())]
    lines += ["", f"- `nn.functional`: {_code(_functions_of(nn.functional))}",
              f"- `nn.init`: {_code(_functions_of(nn.init))}",
              f"- `nn.utils`: {_code(_functions_of(nn.utils))}",
              f"- `nn.utils.rnn`: `PackedSequence`, {_code(sorted(set(nn.utils.rnn.__all__) - {'PackedSequence'}))} (RNN, LSTM and GRU take "
              "and return a `PackedSequence`)",
              f"- `nn.utils.parametrize`: {_code(sorted(nn.utils.parametrize.__all__))}",
              f"- `nn.utils.parametrizations`: {_code(sorted(nn.utils.parametrizations.__all__))}",
              f"- `nn.utils.prune`: {_code(sorted(nn.utils.prune.__all__))}",
              f"- `nn.save`, `nn.load` (also `torch.save`, `torch.load`): state dicts and checkpoints in a safe `.npz`",
              ""]
    return lines


def _optim(optim):
    optimizers = [n for n in _public(optim) if inspect.isclass(getattr(optim, n))
                  and issubclass(getattr(optim, n), optim.Optimizer)]
    schedulers = [n for n in _public(optim.lr_scheduler) if inspect.isclass(getattr(optim.lr_scheduler, n))
                  and getattr(optim.lr_scheduler, n).__module__ == optim.lr_scheduler.__name__]
    return ["### optim", "", f"- optimizers: {_code(optimizers)}", f"- `optim.lr_scheduler`: {_code(schedulers)}", ""]


def generate():
    """The generated section of docs/porting.md, markers included."""
    sys.path.insert(0, str(ROOT))
    import autograd as ag
    import nn
    import optim
    import seegrad.data as data
    from autograd.function import OPS

    lines = [BEGIN, "", "## PyTorch API covered", "",
             f"Generated from the registry by `{COMMAND}` (tests/test_porting_api_doc.py fails when this list "
             "is out of date). What is not listed here is not provided.", ""]
    lines += _ops_section(OPS) + _beyond_table(ag, OPS) + _namespaces(ag, data) + _nn(nn) + _optim(optim)
    return "\n".join(lines).rstrip() + "\n\n" + END


def current(text):
    """The generated section of ``text`` (markers included), or None."""
    if BEGIN not in text or END not in text:
        return None
    return BEGIN + text.split(BEGIN, 1)[1].split(END, 1)[0] + END


def main(argv=None, doc=DOC):
    args = sys.argv[1:] if argv is None else argv
    text = doc.read_text()
    fresh = generate()
    if "--check" in args:
        if current(text) != fresh:
            print(f"{doc.name}: the PyTorch API list is out of date; run `{COMMAND}`")
            return 1
        return 0
    old = current(text)
    text = text.replace(old, fresh) if old else text.rstrip() + "\n\n" + fresh + "\n"
    doc.write_text(text)
    print(f"wrote the PyTorch API list into {doc.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
