"""torch.matrix_power / Tensor.matrix_power / torch.linalg.matrix_power against PyTorch: values and gradients
for n = 0, 1, 2, 3, larger (binary powers) and negative (powers of the inverse), batched; integer matrices;
a non-square A is refused naming the op."""
import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")  # the oracle


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 7, 13, -1, -2, -3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_and_gradients_are_pytorchs(n, dtype):
    rng = np.random.default_rng(abs(n))
    a = (rng.standard_normal((2, 4, 4)) / 2 + 2 * np.eye(4)).astype(dtype)  # (well conditioned for n < 0)
    g = rng.standard_normal((2, 4, 4)).astype(dtype)
    t, o = torch.tensor(a, requires_grad=True), ag.tensor(a, requires_grad=True)
    want, got = torch.linalg.matrix_power(t, n), ag.linalg.matrix_power(o, n)
    assert got.requires_grad and got.dtype == getattr(ag, dtype) and got.shape == tuple(want.shape)
    want.backward(torch.tensor(g))
    got.backward(ag.tensor(g))
    rtol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=rtol * 10, atol=rtol * 10)


def test_the_method_and_the_function_on_integers():
    x = np.arange(9).reshape(3, 3)
    want = torch.tensor(x).matrix_power(3)
    for got in (ag.tensor(x).matrix_power(3), ag.matrix_power(ag.tensor(x), 3)):
        assert got.dtype == ag.int64
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_a_non_square_matrix_is_refused():
    with pytest.raises(RuntimeError):
        torch.ones(2, 3).matrix_power(2)
    with pytest.raises(RuntimeError, match=r"matrix_power: A must be batches of square matrices.*2 by 3"):
        ag.ones(2, 3).matrix_power(2)
    with pytest.raises(TypeError, match="matrix_power"):
        ag.ones(3, 3).matrix_power(2.0)
