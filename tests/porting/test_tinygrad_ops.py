"""tinygrad's operator tests, run against PyTorch and this project from the same text.

tinygrad (MIT licence) checks each of its ops against PyTorch with ``helper_test_op(shapes, torch_fxn)``,
where ``torch_fxn`` is a PyTorch lambda or function (``lambda x: x.max(axis=1)[0]``, ``lambda x, w:
torch.nn.functional.conv_transpose2d(x, w, groups=2)``...). data/tinygrad_ops.json holds the self-contained
ones (scripts/extract_tinygrad_ops.py; the source commit is in the file). Each runs here as tinygrad runs it:
inputs uniform in [low, high) from ``np.random.seed(0)``, int64 inputs made int32, the forward value compared,
then the gradient of ``fxn(*inputs).sum()`` with respect to every input, with tinygrad's tolerances (forward
atol 1e-6 / rtol 1e-3, gradients atol 1e-4 / rtol 1e-3, or the case's own). Shapes and dtypes must be equal.
Written by other people, they found float64 gradients of float32 max/min, a wrong circular pad with negative
pads, integer powers with negative exponents refused, ``axis=`` refused by any/all/std_mean, ``view(dtype)``
and ``max_unpool2d`` missing."""
import json
import pathlib
import warnings

import numpy as np
import pytest

from harness import run_both

torch = pytest.importorskip("torch")  # the oracle: each case also runs with PyTorch (CI installs it)

DATA = json.loads((pathlib.Path(__file__).parent / "data" / "tinygrad_ops.json").read_text())
CASES = DATA["cases"]

PROGRAM = '''
import math
import numpy as np
import torch

SHAPES, VALS, LOW, HIGH, FORWARD_ONLY = {shapes!r}, {vals!r}, {low!r}, {high!r}, {forward_only!r}
if SHAPES is None:
    ts = [torch.tensor(x, requires_grad=(not FORWARD_ONLY)) for x in VALS]
else:
    np.random.seed(0)
    np_data = [np.random.uniform(low=LOW, high=HIGH, size=size).astype(np.float32) for size in SHAPES]
    ts = [torch.tensor(data, requires_grad=(not FORWARD_ONLY)) for data in np_data]
for i in range(len(ts)):
    if ts[i].dtype == torch.int64:
        ts[i] = ts[i].type(torch.int32)
fxn = {fxn}
out = fxn(*ts)
if not FORWARD_ONLY and ts:
    grads = torch.autograd.grad(fxn(*ts).sum(), ts)
'''


def _program(case):
    kwargs = case["kwargs"]
    return PROGRAM.format(shapes=case["shapes"], vals=kwargs.get("vals"), low=kwargs.get("low", -2),
                          high=kwargs.get("high", 2), forward_only=kwargs.get("forward_only", False), fxn=case["fxn"])


@pytest.mark.parametrize("case", CASES, ids=[f"{c['test']}:{c['line']}" for c in CASES])
def test_tinygrad_case_same_as_pytorch(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (deprecation and user warnings of either library)
        torch_run, our_run = run_both(_program(case))
    kwargs = case["kwargs"]
    results = [name for name in torch_run.values if name == "out" or name.startswith(("out.", "grads."))]
    assert results, "the case left no result"
    for name in results:
        want, got = np.asarray(torch_run[name]), np.asarray(our_run[name])
        gradient = name.startswith("grads.")
        atol = kwargs.get("grad_atol" if gradient else "atol", 1e-4 if gradient else 1e-6)
        rtol = kwargs.get("grad_rtol" if gradient else "rtol", 1e-3)
        assert got.shape == want.shape, f"{case['fxn']}: {name} has shape {got.shape}, PyTorch's {want.shape}"
        assert got.dtype == want.dtype, f"{case['fxn']}: {name} is {got.dtype}, PyTorch's {want.dtype}"
        if want.dtype.kind == "f":
            np.testing.assert_allclose(got, want, atol=atol, rtol=rtol, err_msg=f"{case['fxn']}: {name}")
        else:
            np.testing.assert_array_equal(got, want, err_msg=f"{case['fxn']}: {name}")


def test_the_cases_are_the_extracted_ones():
    """The data file holds what the script extracts (a guard against editing it by hand): enough cases, each
    with a lambda, and none repeated."""
    assert len(CASES) >= 800 and DATA["source"].startswith("tinygrad/tinygrad@")
    assert all(c["fxn"].startswith("lambda") for c in CASES)
    assert len({(c["test"], c["line"]) for c in CASES}) == len(CASES)
