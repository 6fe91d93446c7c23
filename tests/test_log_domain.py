"""The logarithms at the edge of their domain: log(0) = -inf and log(-1) = nan (log2, log10 alike; log1p at -1
and below), computed silently, as PyTorch computes them (`torch.log(torch.tril(torch.ones(n, n)))`, the causal
mask of pytorch/examples' word_language_model, gives 0 and -inf without a warning); numpy's RuntimeWarning
("divide by zero encountered in log") was let through before."""
import warnings

import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")  # the oracle


@pytest.mark.parametrize("name", ["log", "log2", "log10", "log1p"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_log_at_the_domain_edge_is_silent_as_torch(name, dtype):
    values = [-2.0, -1.0, -0.0, 0.0, 0.5, 1.0, float("inf"), float("nan")]
    want = getattr(torch, name)(torch.tensor(values, dtype=getattr(torch, dtype))).numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (PyTorch warns about none of these)
        got = getattr(ag, name)(ag.tensor(values, dtype=getattr(ag, dtype)))
        method = getattr(ag.tensor(values, dtype=getattr(ag, dtype)), name)()
    np.testing.assert_array_equal(got.numpy(), want)
    np.testing.assert_array_equal(method.numpy(), want)
    assert got.dtype == getattr(ag, dtype)


def test_causal_mask_from_log_of_tril():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mask = ag.log(ag.tril(ag.ones(4, 4)))
    np.testing.assert_array_equal(mask.numpy(), torch.log(torch.tril(torch.ones(4, 4))).numpy())
