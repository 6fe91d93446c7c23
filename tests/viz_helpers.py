"""Shared builders for the viz tests: a 3-layer MLP on plain tensors and a module-like holder."""
import xml.etree.ElementTree as ET

import autograd as ag

SVG_NS = "{http://www.w3.org/2000/svg}"


def svg_texts(svg):
    root = ET.fromstring(svg.encode() if isinstance(svg, str) else svg)
    assert root.tag == f"{SVG_NS}svg"
    return [t.text or "" for t in root.iter(f"{SVG_NS}text")]


class TinyModule:
    """Stands in for an nn.Module: only named_parameters() matters to the viz."""

    def __init__(self, params):
        self._params = params

    def named_parameters(self):
        return iter(self._params.items())


def mlp(seed=0, sizes=(3, 8, 8, 1), batch=4):
    """Parameters {fc1.weight, fc1.bias, ...} and a loss function x @ W + b -> relu -> ... -> mse."""
    ag.manual_seed(seed)
    params = {}
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]), start=1):
        params[f"fc{i}.weight"] = ag.randn(n_in, n_out, requires_grad=True)
        params[f"fc{i}.bias"] = ag.randn(n_out, requires_grad=True)
    x = ag.randn(batch, sizes[0])
    target = ag.randn(batch, sizes[-1])
    n_layers = len(sizes) - 1

    def loss_fn():
        h = x
        for i in range(1, n_layers + 1):
            h = h @ params[f"fc{i}.weight"] + params[f"fc{i}.bias"]
            if i < n_layers:
                h = h.relu()
        return ((h - target) ** 2).mean()

    return params, loss_fn
