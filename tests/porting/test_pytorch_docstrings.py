"""PyTorch's own documentation examples, run under PyTorch and under this project from the same text.

Every ``>>>`` example in the docstring of a torch function this project provides (``torch.gather``,
``torch.nn.functional.conv2d``, ``torch.nn.Linear``...) is taken from the installed PyTorch (the oracle CI
installs), joined into one program per docstring, and run by the harness (harness.py: the same random draws in
both runs). A bare expression, which the docs show the value of, is kept as a value to compare (``_value_<i>``).
Written by PyTorch's authors, these found ``torch.nan``/``torch.pi``, ``out=``, ``Tensor.resize_``,
``Tensor.random_``, ``torch.LongTensor``, einsum's sublist form and the integer dtype of ``nn.Threshold`` missing
or wrong. The examples that cannot run as programs, or that show behaviour no two libraries share, are listed in
SKIP with the reason."""
import ast
import doctest
import warnings

import pytest

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle: each example also runs with PyTorch (CI installs it)

import nn  # noqa: E402
import nn.functional as our_F  # noqa: E402
from autograd.function import OPS  # noqa: E402

SKIP = {  # name -> why its examples are not compared
    "multinomial": "the example calls multinomial(weights, 5) on 4 classes to show PyTorch's error (ours is the same)",
    "sgn": "complex numbers (not provided)",
    "sort": "x.sort() of a tensor with ties: the order of equal elements is unspecified without stable=True",
    "tensordot": "the example moves tensors to CUDA",
    "sparse_coo_tensor": "the example makes a tensor on CUDA",
    "F.scaled_dot_product_attention": "the example moves tensors to CUDA",
    "F.pad": "the example pads torch.empty(...): uninitialised values",
    "nn.Fold": "the example is pseudo-code (kernel_size=...)",
    "nn.Unfold": "the example is pseudo-code (kernel_size=...)",
    "nn.MultiheadAttention": "the example uses names it does not define (embed_dim, query...)",
    "nn.SyncBatchNorm": "the example needs an initialised process group",
    "nn.DataParallel": "the example uses names it does not define (model, input_var) and three GPUs",
    "nn.RReLU": "RReLU's slopes are drawn inside PyTorch's C++ code, which the harness cannot replay",
    "nn.TripletMarginWithDistanceLoss": "the example calls backward twice through one graph (PyTorch's docstring marks "
                                         "it FIXME): PyTorch's own run raises",
}
TOLERANCE = {  # name -> (rtol, atol) where float32 sums of thousands of products round differently
    "F.conv3d": (1e-3, 1e-4),
    "F.conv_transpose3d": (1e-3, 1e-4),
}
_PARSER = doctest.DocTestParser()


def _targets():
    """(name, torch object) for every function and module class this project provides that PyTorch documents."""
    names = sorted({n for n, op in OPS.items() if op.function and not n.startswith("_")})
    found = [(n, getattr(torch, n, None)) for n in names]
    found += [("F." + n, getattr(torch.nn.functional, n, None)) for n in sorted(dir(our_F))
              if not n.startswith("_") and callable(getattr(our_F, n)) and not isinstance(getattr(our_F, n), type)]
    found += [("nn." + n, getattr(torch.nn, n, None)) for n in sorted(dir(nn))
              if not n.startswith("_") and isinstance(getattr(nn, n), type)]
    return [(name, obj) for name, obj in found if obj is not None and _runnable(obj.__doc__ or "")]


def _runnable(doc):
    """Has examples that parse as Python (a few docstrings cut a call across prompts without '...')."""
    examples = _PARSER.get_examples(doc)
    try:
        ast.parse("".join(example.source for example in examples))
    except SyntaxError:
        return False
    return bool(examples)


def _program(doc):
    """The docstring's examples as one program; each bare expression (not a print) assigned to ``_value_<i>``."""
    tree = ast.parse("".join(example.source for example in _PARSER.get_examples(doc)))
    for i, node in enumerate(tree.body):
        if isinstance(node, ast.Expr) and not (isinstance(node.value, ast.Call) and
                                               getattr(node.value.func, "id", None) == "print"):
            tree.body[i] = ast.Assign([ast.Name(f"_value_{i}", ast.Store())], node.value, lineno=node.lineno)
    header = "import math\nimport torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
    return header + ast.unparse(ast.fix_missing_locations(tree))


TARGETS = _targets()


@pytest.mark.slow  # (about 50 s in all: some examples convolve tensors of millions of elements)
@pytest.mark.parametrize("name, obj", TARGETS, ids=[name for name, _ in TARGETS])
def test_docstring_examples_run_as_with_pytorch(name, obj):
    if name in SKIP:
        pytest.skip(SKIP[name])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (deprecation warnings the examples trigger, in both libraries)
        torch_run, our_run = run_both(_program(obj.__doc__))
    rtol, atol = TOLERANCE.get(name, (1e-4, 1e-5))
    assert_same(torch_run, our_run, rtol=rtol, atol=atol)


def test_enough_examples_are_found():
    """The docstrings are read from the installed PyTorch: a change there must not silently empty this test."""
    assert len(TARGETS) >= 300
