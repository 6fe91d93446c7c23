"""The step function three ways: the textbook's step (F.step, nn.Step, Value.step: 1 for x >= 0),
and PyTorch's heaviside (ag.heaviside, checked against torch)."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F


def test_textbook_step_is_one_at_zero_on_tensors_modules_and_values():
    x = ag.tensor([-2.0, -1e-7, 0.0, -0.0, 1e-7, 3.0])
    np.testing.assert_array_equal(F.step(x).numpy(), [0, 0, 1, 1, 1, 1])
    np.testing.assert_array_equal(nn.Step()(x).numpy(), F.step(x).numpy())
    assert [ag.Value(v).step().data for v in (-0.5, 0.0, 2.0)] == [0.0, 1.0, 1.0]


def test_value_step_has_zero_gradient_and_keeps_the_graph():
    w = ag.Value(0.7)
    out = (w * 2.0 - 1.0).step() * 3.0 + w
    out.backward()
    assert out.data == pytest.approx(3.7)
    assert w.grad == 1.0  # only the "+ w" branch carries a gradient


def test_step_equals_heaviside_with_value_one():
    x = ag.randn(50)
    x = ag.where(x.abs() < 0.3, 0.0, x)  # some exact zeros
    np.testing.assert_array_equal(F.step(x).numpy(), ag.heaviside(x, ag.tensor(1.0)).numpy())


def test_heaviside_matches_torch():
    torch = pytest.importorskip("torch")  # the oracle for ag.heaviside, PyTorch's name
    x = np.array([[-1.5, 0.0, 2.0], [0.0, -0.0, np.nan]], np.float32)
    for values in (np.float32(0.5), np.array([7.0, 8.0, 9.0], np.float32), np.array([[2.0], [3.0]], np.float32)):
        want = torch.heaviside(torch.from_numpy(x), torch.as_tensor(values)).numpy()
        got = ag.heaviside(ag.tensor(x), ag.tensor(values)).numpy()
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(ag.tensor(x).heaviside(ag.tensor(values)).numpy(), want)
    ints = torch.heaviside(torch.tensor([1, 0, -2]), torch.tensor([7])).numpy()
    np.testing.assert_array_equal(ag.heaviside(ag.tensor([1, 0, -2]), ag.tensor([7])).numpy(), ints)


def test_heaviside_errors_like_torch():
    x = ag.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="must be Tensor, not float"):
        ag.heaviside(x, 0.5)
    with pytest.raises(RuntimeError, match="different dtypes"):
        ag.heaviside(x, ag.tensor([0.5], dtype=ag.float64))
    y = ag.heaviside(x, ag.tensor(0.5))
    with pytest.raises(RuntimeError, match="derivative for heaviside is not implemented"):
        y.sum().backward()


def test_step_exports_to_onnx_with_one_at_zero(tmp_path):
    pytest.importorskip("onnx")  # the exporter needs onnx; onnxruntime runs the file
    ort = pytest.importorskip("onnxruntime")
    from seegrad.export import export_onnx

    model = nn.Sequential(nn.Linear(2, 3), nn.Step())
    with ag.no_grad():
        model[0].weight.zero_()
        model[0].bias.copy_(ag.tensor([-1.0, 0.0, 1.0]))
    export_onnx(model, ag.randn(2, 2), tmp_path / "step.onnx")
    got = ort.InferenceSession(str(tmp_path / "step.onnx")).run(None, {"input": np.ones((1, 2), np.float32)})[0]
    np.testing.assert_array_equal(got, [[0, 1, 1]])
