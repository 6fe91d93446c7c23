"""ag.viz.draw_graph: the picture of the graph, rendered with pip packages only."""
import gc
import re

import numpy as np
import pytest

import autograd as ag
from autograd import render as R
from autograd.viz import draw as D
from viz_helpers import TinyModule, mlp, svg_texts


@pytest.fixture
def no_system_dot(monkeypatch):
    """Render as if no system Graphviz were installed (only the pip renderers)."""
    pip_only = tuple(n for n in R._detect() if n != "dot")
    if not pip_only:
        pytest.skip("no pip-installed Graphviz renderer")
    monkeypatch.setattr(R, "_detect", lambda: pip_only)
    monkeypatch.setattr(D, "_has_system_dot", lambda: False)


def node_line(source, label_start):
    """The DOT statement of the node whose label starts with ``label_start``."""
    m = re.search(r'\n\t+(\w+) \[label="' + re.escape(label_start) + r'.*?\n(?=\t|\})', source, re.S)
    assert m, f"no node labelled {label_start!r} in\n{source}"
    return m.group(0)


def test_mlp_graph_renders_to_svg_without_system_graphviz(no_system_dot):
    params, loss_fn = mlp()
    loss = loss_fn()
    loss.backward()
    g = ag.viz.draw_graph(loss, params=params)
    assert isinstance(g, ag.viz.Digraph)
    texts = svg_texts(g.pipe(format="svg"))
    for name in ("fc1.weight", "fc2.bias", "fc3.weight", "#1 Mm", "#3 Relu", "output", "(3, 8) float32"):
        assert name in texts, name
    assert any(t.startswith("grad ") for t in texts)


def test_jupyter_mimebundle_has_svg_string(no_system_dot):
    params, loss_fn = mlp()
    bundle = ag.viz.draw_graph(loss_fn(), params=params)._repr_mimebundle_()
    svg = bundle["image/svg+xml"]
    assert isinstance(svg, str) and "<svg" in svg
    assert "fc1.weight" in svg_texts(svg)
    assert ag.viz.draw_graph(loss_fn())._repr_svg_().lstrip().startswith("<?xml")


def test_render_writes_svg_and_png_files(tmp_path, no_system_dot):
    params, loss_fn = mlp()
    g = ag.viz.draw_graph(loss_fn(), params=params)
    out = g.render(tmp_path / "mlp", format="svg")
    assert out == str(tmp_path / "mlp.svg")
    assert "fc1.weight" in svg_texts(open(out, "rb").read())
    assert (tmp_path / "mlp").read_text() == g.source  # the DOT source, as graphviz does
    if any("png" in R.RENDERER_FORMATS[n] for n in R.available_renderers()):
        png = g.render(outfile=tmp_path / "graph.png")
        assert open(png, "rb").read().startswith(b"\x89PNG")
        assert (tmp_path / "graph.gv").read_text() == g.source  # beside the output, not in the cwd
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_other_formats_need_system_graphviz_and_say_so(no_system_dot):
    g = ag.viz.draw_graph(ag.tensor([1.0], requires_grad=True) * 2)
    with pytest.raises(R.RenderError, match="system Graphviz"):
        g.pipe(format="pdf")
    with pytest.raises(R.RenderError, match="engine='neato'"):
        g.pipe(format="svg", engine="neato")


def test_kinds_are_told_apart_by_colour_and_shape():
    params, loss_fn = mlp()
    extra = ag.ones(1, requires_grad=True)  # an unnamed leaf
    loss = loss_fn() * extra
    src = ag.viz.draw_graph(loss, params=params).source
    assert D.STYLE["param"]["fillcolor"] in node_line(src, "fc1.weight")
    assert D.STYLE["leaf"]["fillcolor"] in node_line(src, "leaf")
    assert D.STYLE["output"]["fillcolor"] in node_line(src, "output")
    assert D.STYLE["value"]["fillcolor"] in node_line(src, "(4, 8)")
    op = node_line(src, "#1 Mm")
    assert "ellipse" in op and D.STYLE["op"]["fillcolor"] in op
    assert "const" in src  # x and the target need no gradient
    colours = {D.STYLE[k]["fillcolor"] for k in ("param", "leaf", "value", "output", "op")}
    assert len(colours) == 5


def test_values_and_gradients_on_the_boxes():
    w = ag.tensor([[1.0, -2.0], [3.0, 0.5]], requires_grad=True)
    big = ag.arange(20, dtype=ag.float32).reshape(4, 5).requires_grad_()
    loss = (w.sum() * big).sum()
    src = ag.viz.draw_graph(loss, params={"w": w, "big": big}).source
    assert not any("\ngrad " in node_line(src, n) for n in ("w\n", "big", "output"))  # no backward yet
    assert "grad summed over axis 0, 1" in src  # the scalar w.sum() was broadcast to (4, 5)
    assert "data [[1, -2], [3, 0.5]]" in node_line(src, "w\n")
    assert "data mean 9.5, min 0, max 19, norm 49.7" in node_line(src, "big")
    assert f"data {loss.item():.4g}" in node_line(src, "output")
    loss.backward()
    src = ag.viz.draw_graph(loss, params={"w": w, "big": big}).source
    assert "grad [[190, 190], [190, 190]]" in node_line(src, "w\n")
    assert "grad mean 2.5, min 2.5, max 2.5" in node_line(src, "big")
    plain = ag.viz.draw_graph(loss, show_values=False, show_grads=False).source
    assert "\ndata " not in plain and "\ngrad " not in plain.replace("\ngrad summed", "")


def test_summarize():
    s = ag.viz.summarize
    assert s(ag.tensor(3.14159)) == "3.142"
    assert s(np.array([1.0, 2.0, 3.0])) == "[1, 2, 3]"
    assert s(2.5) == "2.5" and s(None) == "-"
    assert s(np.ones(9)) == "mean 1, min 1, max 1, norm 3"
    assert s(np.full(8, -1 / 3e5)).startswith("mean")  # short arrays with long numbers are summarised


def test_broadcast_edges_say_which_axes_were_summed():
    a = ag.ones(4, 1, requires_grad=True)
    b = ag.ones(1, 3, requires_grad=True)
    c = ag.ones(3, requires_grad=True)
    same = ag.ones(4, 3, requires_grad=True)
    out = ((a + b) * c + same).sum()
    src = ag.viz.draw_graph(out, params={"a": a, "b": b, "c": c, "same": same}).source
    ids = {name: re.search(r'(\w+) \[label="' + name + r'\n', src).group(1) for name in ("a", "b", "c", "same")}

    def edge_label(node_id):
        m = re.search(rf"\t{node_id} -> \w+ \[label=\" ([^\"]*)\"", src)
        return m.group(1) if m else ""

    assert edge_label(ids["a"]) == "a\ngrad summed over axis 1"
    assert edge_label(ids["b"]) == "b\ngrad summed over axis 0"
    assert edge_label(ids["c"]) == "b\ngrad summed over axis 0"
    assert edge_label(ids["same"]) == "b"
    assert src.count("summed over") == 3  # not on the Sum reduction


def test_parameter_names_from_a_module_or_a_dict():
    params, loss_fn = mlp()
    loss = loss_fn()
    for p in (TinyModule(params), params):
        texts = ag.viz.draw_graph(loss, params=p).source
        assert all(name in texts for name in params)
    with pytest.raises(TypeError, match="named_parameters"):
        ag.viz.draw_graph(loss, params=[1, 2])
    with pytest.raises(TypeError, match="fc1.weight"):
        ag.viz.draw_graph(loss, params={"fc1.weight": np.zeros(3)})


def test_cluster_modules_groups_ops_by_parameter_owner():
    params, loss_fn = mlp()
    loss = loss_fn()
    model = ag.viz.GraphModel(loss, params, cluster_modules=True)
    owners = {model.describe_op(n): model.owner.get(n) for n in model.ops}
    assert owners["#1 Mm (MmBackward0)"] == "fc1"
    assert owners["#2 Add (AddBackward0)"] == "fc1"
    assert owners["#4 Mm (MmBackward0)"] == "fc2"
    assert owners["#7 Mm (MmBackward0)"] == "fc3"
    assert owners["#3 Relu (ReluBackward0)"] is None
    assert owners["#9 Sub (SubBackward0)"] is None
    src = ag.viz.draw_graph(loss, params=params, cluster_modules=True).source
    assert src.count("subgraph cluster_") == 3 and "label=fc2" in src
    assert "subgraph cluster_" not in ag.viz.draw_graph(loss, params=params).source


def test_intermediate_values_shown_when_recorded():
    params, loss_fn = mlp()
    loss = loss_fn()
    gc.collect()
    plain = ag.viz.draw_graph(loss, params=params).source
    assert "data" not in node_line(plain, "(4, 8)")  # the intermediate tensor is gone
    with ag.record_ops() as ops:
        loss = loss_fn()
    recorded = ag.viz.draw_graph(loss, params=params, ops=ops).source
    assert "data mean" in node_line(recorded, "(4, 8) float32")


def test_value_graph_shows_every_value():
    # regression: intermediate Values stay alive while the output is held (through their edges)
    a, b, c = ag.Value(2.0, label="a"), ag.Value(-3.0, label="b"), ag.Value(10.0, label="c")
    out = ((a * b + c) * a).tanh()
    gc.collect()
    out.backward()
    src = ag.viz.draw_graph(out).source
    for label, data in (("a", "2"), ("b", "-3"), ("scalar", "-6"), ("scalar", "4"), ("scalar", "8")):
        assert re.search(rf'label="{label}\n(scalar\n)?data {data}\n', src), (label, data)
    assert f"data {out.data:.4g}" in node_line(src, "output")
    assert f"grad {a.grad:.4g}" in node_line(src, "a\n")


def test_max_nodes_collapses_a_long_chain_quickly():
    x = ag.ones(2, requires_grad=True)
    y = x
    for _ in range(20000):
        y = y * 1.0
    g = ag.viz.draw_graph(y.sum(), max_nodes=30)
    ops = re.findall(r'label="#\d+ \w+"', g.source)
    assert len(ops) == 30
    assert "1+ more nodes not drawn" in g.source and "max_nodes=30" in g.source
    full = ag.viz.draw_graph((x * 2).sum(), max_nodes=30).source
    assert "more nodes" not in full


def test_legend_rankdir_and_bad_roots():
    params, loss_fn = mlp()
    loss = loss_fn()
    assert "cluster_legend" in ag.viz.draw_graph(loss, legend=True).source
    assert "cluster_legend" not in ag.viz.draw_graph(loss).source
    assert "rankdir=BT" in ag.viz.draw_graph(loss).source
    assert "rankdir=LR" in ag.viz.draw_graph(loss, rankdir="LR").source
    with pytest.raises(ValueError, match="rankdir"):
        ag.viz.draw_graph(loss, rankdir="XY")
    with pytest.raises(ValueError, match="max_nodes"):
        ag.viz.draw_graph(loss, max_nodes=0)
    with pytest.raises(ValueError, match="requires_grad"):
        ag.viz.draw_graph(ag.ones(3))
    with pytest.raises(TypeError, match="Tensor"):
        ag.viz.draw_graph(np.ones(3))
    leaf = ag.ones(2, requires_grad=True)
    assert "leaf" in ag.viz.draw_graph(leaf).source


def test_several_roots_in_one_picture():
    x = ag.ones(3, requires_grad=True)
    src = ag.viz.draw_graph([(x * 2).sum(), x.exp().sum()], params={"x": x}).source
    assert src.count('label="output') == 2 and src.count('label="x\n') == 1


def test_nn_modules_are_named_and_clustered():
    nn = pytest.importorskip("nn")
    if not all(hasattr(nn, n) for n in ("Sequential", "Linear", "ReLU", "MSELoss")):
        pytest.skip("nn.Sequential/Linear/ReLU/MSELoss not available")
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    loss = nn.MSELoss()(model(ag.randn(4, 3)), ag.randn(4, 1))
    m = ag.viz.GraphModel(loss, model, cluster_modules=True)
    weight = model[0].weight if hasattr(model, "__getitem__") else dict(model.named_parameters())["0.weight"]
    first = [n for n in m.ops if weight._node() in n._edges]  # the op(s) that use the first weight
    assert first and all(m.owner.get(n) == "0" for n in first)
    assert all(m.owner.get(n) is None for n in m.ops if n.name() == "ReluBackward0")
    src = ag.viz.draw_graph(loss, params=model, cluster_modules=True).source
    assert 'label="(0): Linear"' in src and 'label="(2): Linear"' in src  # as print(model) numbers them
    assert "(0): Linear(" in repr(model) and "(2): Linear(" in repr(model)
    assert 'tooltip="(0): Linear(in_features=3, out_features=8, bias=True)"' in src
    assert 'label="0.weight\n(8, 3) float32' in src


def test_module_boxes_name_attributes_by_their_path():
    nn = pytest.importorskip("nn")

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(nn.Linear(3, 4), nn.Tanh())
            self.head = nn.Linear(4, 2)

        def forward(self, x):
            return self.head(self.encoder(x))

    ag.manual_seed(0)
    net = Net()
    src = ag.viz.draw_graph(net(ag.randn(5, 3)).sum(), params=net, cluster_modules=True).source
    assert 'label="(encoder.0): Linear"' in src and 'label="(head): Linear"' in src
    assert "(head): Linear(" in repr(net)


def test_constant_inputs_are_named_by_their_role():
    nn = pytest.importorskip("nn")
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3))
    loss = nn.CrossEntropyLoss()(model(ag.randn(6, 4)), ag.tensor([0, 1, 2, 0, 1, 2]))
    src = ag.viz.draw_graph(loss, params=model).source
    ce = re.search(r"\t(op\d+) \[label=\"#2 CrossEntropy\"", src).group(1)
    into_ce = re.findall(rf"\t(\w+) -> {ce}\b([^\n]*)", src)
    assert len(into_ce) == 2  # the logits, and one box for the four constants
    (logits_edge,) = [attrs for source, attrs in into_ce if source.startswith("v")]
    assert 'label=" logits"' in logits_edge
    (const_id,) = [source for source, _ in into_ce if source.startswith("c")]
    const = node_line(src, "row weights")
    assert const.strip().startswith(const_id)
    for role in ("target", "class weights", "valid rows", "(constants, no grad)"):
        assert role in const, role
    assert 'label=const' not in src and 'label="const"' not in src
    linear_input = node_line(src, "x\n")  # the data going into the Linear: its role, not "const"
    assert "(constant, no grad)" in linear_input


def test_collapsed_modules_are_one_box_each():
    nn = pytest.importorskip("nn")
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))
    with ag.record_ops() as ops:
        loss = nn.MSELoss()(model(ag.randn(4, 3)), ag.randn(4, 1))
    loss.backward()
    full = ag.viz.draw_graph(loss, params=model, cluster_modules=True, ops=ops).source
    compact = ag.viz.draw_graph(loss, params=model, cluster_modules=True, ops=ops, collapse=True).source
    assert full.count("subgraph cluster_") == 3 and "subgraph cluster_" not in compact
    assert "0.weight" not in compact and "#1 Linear" not in compact
    box = node_line(compact, "(2): Linear  [+]")
    assert "2 parameters, 1 op" in box and "(4, 8) float32" in box and "data mean" in box
    # the rest of the graph is wired to the boxes: relu reads from box m0, box m1 reads from relu
    relus = re.findall(r'\t(op\d+) \[label="#\d Relu"', compact)
    assert len(relus) == 2
    assert f"m0 -> {relus[0]}" in compact and re.search(r"\tv\d+ -> m1\n", compact)
    one = ag.viz.draw_graph(loss, params=model, cluster_modules=True, ops=ops, collapse=["2"]).source
    assert one.count("subgraph cluster_") == 2 and "(2): Linear  [+]" in one and "0.weight" in one
    with pytest.raises(ValueError, match=r"no module named '7'.*modules are: 0, 2, 4"):
        ag.viz.draw_graph(loss, params=model, collapse=["7"])


@pytest.mark.skipif(not R.available_renderers(), reason="no Graphviz renderer installed")
def test_odd_names_are_drawn_literally():
    names = ["<w>", 'q"uote\\x', "ünï"]
    params = {n: ag.tensor([1.0, 2.0], requires_grad=True) for n in names}
    a, b, c = params.values()
    texts = svg_texts(ag.viz.draw_graph((a * b + c).sum(), params=params).pipe("svg"))
    assert all(n in texts for n in names)
