"""Layers given an input of another dtype than their parameters: PyTorch refuses (its CPU norms accept
float32 parameters with a float16 input, mixed precision), and so does this project, where it promoted
before (a float64 batch through a float32 layer came out float64). Each case runs under PyTorch 2.13 and
here: both raise, or both give the same output dtype."""
import pytest

import autograd as ag
import nn

torch = pytest.importorskip("torch")  # the oracle

LAYERS = {  # name -> (build(nn module of either library), input shape)
    "Linear": (lambda n: n.Linear(3, 2), (2, 3)),
    "Conv2d": (lambda n: n.Conv2d(1, 2, 3), (1, 1, 5, 5)),
    "ConvTranspose2d": (lambda n: n.ConvTranspose2d(1, 2, 3), (1, 1, 5, 5)),
    "LSTM": (lambda n: n.LSTM(3, 4), (2, 1, 3)),
    "GRU": (lambda n: n.GRU(3, 4), (2, 1, 3)),
    "LayerNorm": (lambda n: n.LayerNorm(3), (2, 3)),
    "BatchNorm1d": (lambda n: n.BatchNorm1d(3), (4, 3)),
    "GroupNorm": (lambda n: n.GroupNorm(1, 2), (2, 2, 3)),
    "InstanceNorm1d": (lambda n: n.InstanceNorm1d(3, affine=True), (2, 3, 4)),
    "PReLU": (lambda n: n.PReLU(), (2, 3)),
}
PAIRS = [("float32", "float64"), ("float64", "float32"), ("float32", "float16"), ("float32", "float32")]


def outcome(library, module, shape, weights, data, train):
    layer = LAYERS[module][0](library.nn).to(getattr(library, weights))
    layer.train(train)
    try:
        out = layer(library.ones(*shape, dtype=getattr(library, data)))
    except (RuntimeError, TypeError, ValueError) as err:
        return "raises", err
    out = out[0] if isinstance(out, tuple) else out
    return str(out.dtype).replace("torch.", ""), None


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("weights,data", PAIRS)
@pytest.mark.parametrize("module", list(LAYERS))
def test_an_input_of_another_dtype_than_the_layer_as_pytorch(module, weights, data, train):
    shape = LAYERS[module][1]
    theirs, _ = outcome(torch, module, shape, weights, data, train)
    ours, err = outcome(ag, module, shape, weights, data, train)
    assert ours == theirs, f"{module} with {weights} weights on {data} data: PyTorch {theirs}, ours {ours} {err}"
    if err is not None:  # the message names the dtypes at fault
        assert data in str(err) and weights in str(err), str(err)
