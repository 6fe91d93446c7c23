"""Tensor.ndimension(), PyTorch's alias of dim(), against PyTorch."""
import pytest

import autograd as ag

torch = pytest.importorskip("torch")  # the oracle


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (1, 1, 4)])
def test_ndimension_is_dim(shape):
    assert ag.zeros(shape).ndimension() == torch.zeros(shape).ndimension() == len(shape)
