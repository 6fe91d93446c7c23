"""ag.viz.Stepper: forward op by op, backward exactly as backward() walks; widget and HTML export."""
import re
import subprocess
import tempfile

import numpy as np
import pytest

import autograd as ag
from autograd import render as R
from autograd.viz import draw as D
from browser import find_browser
from viz_helpers import mlp, svg_texts

needs_renderer = pytest.mark.skipif(not R.available_renderers(), reason="no Graphviz renderer installed")


def leaf_grads(params):
    return {k: None if p.grad is None else p.grad.numpy().copy() for k, p in params.items()}


def test_stepper_gives_the_same_gradients_as_backward():
    params, loss_fn = mlp(seed=3)
    loss_fn().backward()
    expected = leaf_grads(params)
    params, loss_fn = mlp(seed=3)
    st = ag.viz.Stepper(loss_fn, params=params)
    frames = st.frames
    assert frames[-1].phase == "backward"
    got = leaf_grads(params)
    for name in expected:
        np.testing.assert_array_equal(got[name], expected[name], err_msg=name)
    # the leaf frames show the same numbers
    last = {f.inputs[0]["node"].variable: f.inputs[0]["after"] for f in frames if type(f.node).__name__ == "AccumulateGrad"}
    for p in params.values():
        np.testing.assert_array_equal(last[p], p.grad.numpy())


def test_backward_frames_follow_the_engine_walk_exactly():
    params, loss_fn = mlp(seed=1)
    loss = loss_fn()
    engine = [(s.node.name(), s.index) for s in ag.backward_steps([loss.grad_fn], [np.ones(())])]
    params, loss_fn = mlp(seed=1)
    st = ag.viz.Stepper(loss_fn, params=params)
    backward = [f for f in st.frames if f.phase == "backward"]
    assert [f.node.name() for f in backward] == [name for name, _ in engine]
    assert len(backward) == len(engine) and all(f.total == len(engine) for f in backward)
    assert backward[0].grad_output == 1 and "the seed" in str(backward[0])


def test_forward_frames_are_the_recorded_ops_in_order():
    params, loss_fn = mlp()
    with ag.record_ops() as ops:
        loss = loss_fn()
        (loss * 0).detach()  # recorded, but not part of the graph: no frame
    st = ag.viz.Stepper(loss, params=params, ops=ops)
    forward = [f for f in st.frames if f.phase == "forward"]
    assert [f.node for f in forward] == [node for node, _ in ops if node in st.model.index]
    assert [f.node.name() for f in forward[:4]] == ["MmBackward0", "AddBackward0", "ReluBackward0",
                                                     "MmBackward0"]
    relu = forward[2]
    assert "relu" in str(relu) and "data mean" in str(relu) and "input a: #2 Add output" in str(relu)
    assert "input a: a constant" in str(forward[0]) and "input b: fc1.weight" in str(forward[0])
    # without a recording the graph's own order is used, and dead values are said to be missing
    st2 = ag.viz.Stepper(loss_fn(), params=params)
    assert [f.node.name() for f in st2.frames if f.phase == "forward"] == [f.node.name() for f in forward]


def test_gradients_before_and_after_accumulation():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    st = ag.viz.Stepper(lambda: (x * x + x).sum(), params={"x": x})
    back = {f.node.name(): f for f in st.frames if f.phase == "backward"}
    add, mul, acc = back["AddBackward0"], back["MulBackward0"], back["torch::autograd::AccumulateGrad"]
    assert add.inputs[1]["before"] is None
    np.testing.assert_array_equal(add.inputs[1]["after"], [1.0, 1.0])  # x got 1 from the + x
    a, b = mul.inputs  # x * x: both inputs are x, accumulated one after the other
    np.testing.assert_array_equal(a["before"], [1.0, 1.0])
    np.testing.assert_array_equal(a["after"], [2.0, 3.0])
    np.testing.assert_array_equal(b["before"], [2.0, 3.0])
    np.testing.assert_array_equal(b["after"], [3.0, 5.0])
    np.testing.assert_array_equal(acc.grad_output, [3.0, 5.0])
    assert acc.inputs[0]["before"] is None and "x.grad: before nothing yet" in str(acc)
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 5.0])
    assert "d(a*b)/da = b" in str(mul) and "d(a+b)/db = 1" in str(add)
    # a second stepper accumulates on top, as backward() would
    st2 = ag.viz.Stepper(lambda: (x * 2).sum())
    acc2 = [f for f in st2.frames if type(f.node).__name__ == "AccumulateGrad"][0]
    np.testing.assert_array_equal(acc2.inputs[0]["before"], [3.0, 5.0])
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 7.0])


def test_broadcast_sum_is_explained():
    w = ag.ones(2, 3, requires_grad=True)
    b = ag.zeros(3, requires_grad=True)
    st = ag.viz.Stepper(lambda: (w + b).sum(), params={"w": w, "b": b})
    add = next(f for f in st.frames if f.phase == "backward" and f.node.name() == "AddBackward0")
    assert "input b = b: sends [2, 2, 2] (summed over axis 0)" in str(add)


def test_iterating_drives_the_engine_one_node_at_a_time():
    params, loss_fn = mlp()
    st = ag.viz.Stepper(loss_fn, params=params)
    it = iter(st)
    seen = []
    for frame in it:
        seen.append(frame)
        if frame.phase == "backward":
            break
    assert all(p.grad is None for p in params.values())  # only the first backward node has run
    assert ag.is_grad_enabled()  # a paused walk leaves grad mode alone
    seen.extend(it)
    assert all(p.grad is not None for p in params.values())
    assert [f.index for f in seen] == list(range(len(st)))
    text = st.text()
    assert "forward 1/" in text and "AccumulateGrad into fc1.weight" in text
    with pytest.raises(IndexError, match="out of range"):
        st[len(st)]


def test_value_graph_stepper_matches_backward():
    def build():
        a, b = ag.Value(2.0, label="a"), ag.Value(-3.0, label="b")
        return a, b, ((a * b + a) * b).tanh()

    a, b, out = build()
    out.backward()
    a2, b2, _ = build()
    st = ag.viz.Stepper(lambda: ((a2 * b2 + a2) * b2).tanh())
    frames = st.frames
    assert (a2.grad, b2.grad) == (a.grad, b.grad)
    assert frames[0].node.name() == "MulBackward0" and "data -6" in str(frames[0])


def test_frames_keep_copies_of_values():
    params, loss_fn = mlp()
    st = ag.viz.Stepper(loss_fn, params=params)
    frames = st.frames
    w = params["fc1.weight"]
    node = w._node()
    before_data = frames[0]._state["values"][node].copy()
    before_grad = frames[-1]._state["grads"][node].copy()
    with ag.no_grad():
        w.mul_(0.0)  # like an optimizer step, in place
        w.grad.mul_(0.0)
    np.testing.assert_array_equal(frames[0]._state["values"][node], before_data)
    np.testing.assert_array_equal(frames[-1]._state["grads"][node], before_grad)


def test_derivative_rules_table_and_fallback():
    class Cube(ag.Function):
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a ** 3

        def backward(ctx, grad):  # d(a^3)/da = 3 a^2
            (a,) = ctx.saved_tensors
            return grad * 3 * a * a

    class Twice(ag.Function):
        def forward(ctx, a):
            return 2 * a

        def backward(ctx, grad):
            """d(2a)/da = 2"""
            return 2 * grad

    x = ag.tensor([1.0, 2.0], requires_grad=True)
    assert ag.viz.derivative_rule(Cube.apply(x).grad_fn).derivatives == ("d(a^3)/da = 3 a^2",)
    assert ag.viz.derivative_rule(Twice.apply(x).grad_fn).derivatives == ("d(2a)/da = 2",)
    assert ag.viz.derivative_rule((x * x).grad_fn).derivatives == ("d(a*b)/da = b", "d(a*b)/db = a")
    st = ag.viz.Stepper(lambda: Cube.apply(x).sum())
    cube = next(f for f in st.frames if f.phase == "backward" and "Cube" in f.node.name())
    assert "d(a^3)/da = 3 a^2" in str(cube)
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])


def test_every_core_op_has_a_rule():
    # its own Rule, or the comment on its backward (so adding an op stays a one-place change)
    from autograd.ops import activation, conv, embedding, loss, math, norm, recurrent, reduce, shape

    checked = 0
    for module in (math, reduce, shape, activation, loss, conv, norm, embedding, recurrent):
        for cls in vars(module).values():
            if isinstance(cls, type) and issubclass(cls, ag.Function) and cls.__module__ == module.__name__ \
                    and not issubclass(cls, ag.NonDifferentiable):
                rule = ag.viz.derivative_rule(cls.__new__(cls))
                assert rule.derivatives and not rule.derivatives[0].startswith("see "), cls.name()
                checked += 1
    assert checked >= 30


def test_stepper_errors():
    with pytest.raises(RuntimeError, match="Stepper: grad can be implicitly created only for scalar"):
        ag.viz.Stepper(ag.ones(3, requires_grad=True) * 2)
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.viz.Stepper(lambda: ag.ones(3).sum())
    with pytest.raises(TypeError, match="Tensor or Value"):
        ag.viz.Stepper(lambda: 3.0)
    x = ag.ones(3, requires_grad=True)
    st = ag.viz.Stepper(x * 2, gradient=ag.tensor([1.0, 2.0, 3.0]))
    assert [f.phase for f in st.frames] == ["forward", "backward", "backward"]
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0, 6.0])


@needs_renderer
def test_frame_pictures_highlight_the_current_node():
    params, loss_fn = mlp()
    st = ag.viz.Stepper(loss_fn, params=params)
    frames = st.frames
    fwd, back = frames[2], frames[st.n_forward + 3]
    for frame in (fwd, back):
        src = frame.graph().source
        op_id = f"op{st.model.index[frame.node]}"
        line = re.search(rf"\t{op_id} \[[^\n]*\n", src).group(0)
        assert D.CURRENT["color"] in line and D.CURRENT_OP_FILL in line
        assert frame.title in svg_texts(frame.svg())
    assert D.FUTURE["color"] in fwd.graph().source  # later ops are drawn faint
    assert D.BACKWARD_EDGE["color"] in back.graph().source
    assert "grad so far" in back.graph().source
    assert fwd.svg() is fwd.svg()  # rendered once, then cached
    bundle = fwd._repr_mimebundle_()
    assert bundle["text/plain"] == str(fwd) and "<svg" in bundle["image/svg+xml"]


@needs_renderer
def test_widget_buttons_and_slider_change_the_frame():
    pytest.importorskip("ipywidgets")
    params, loss_fn = mlp()
    w = ag.viz.Stepper(loss_fn, params=params).widget()
    n = len(w.frames)
    assert w.slider.max == n - 1 and w.index == 0 and w.prev_button.disabled
    first_graph, first_text = w.graph_html.value, w.text_html.value
    assert "<svg" in first_graph and "forward 1/" in first_text
    w.next_button.click()
    assert w.index == 1 and w.slider.value == 1
    assert w.graph_html.value != first_graph and "forward 2/" in w.text_html.value
    w.slider.value = n - 1
    assert w.index == n - 1 and w.next_button.disabled and "AccumulateGrad" in w.text_html.value
    w.next_button.click()  # past the end: stays
    assert w.index == n - 1
    w.prev_button.click()
    assert w.index == n - 2
    w.play.value = 3  # what the Play widget does when it ticks
    assert w.index == 3 and w.slider.value == 3


def self_contained(page):
    no_ns = re.sub(r'xmlns(:xlink)?="http://www\.w3\.org/[^"]*"', "", page)
    return not re.search(r"https?://|<script[^>]+src=|<link\b|@import", no_ns)


@needs_renderer
def test_to_html_writes_a_self_contained_page(tmp_path):
    params, loss_fn = mlp()
    st = ag.viz.Stepper(loss_fn, params=params)
    out = st.to_html(tmp_path / "steps.html", title="MLP <steps>")
    page = out.read_text()
    # each frame: its full picture, and a compact one (the modules fc1, fc2, fc3 as one box each)
    assert page.count('<section class="frame"') == len(st) == page.count('<div class="view full"><svg')
    assert page.count('<div class="view compact"><svg') == len(st) == page.count("<svg") // 2
    assert page.count(" hidden>") == len(st) - 1
    for f in st.frames:  # which nodes the page keeps in view on each frame
        assert f'data-index="{f.index}" data-phase="{f.phase}" data-ids="{" ".join(f.dot_ids)}"' in page
    plain = st.to_html(tmp_path / "plain.html", compact=False).read_text()
    assert plain.count("<svg") == len(st) and 'class="view compact"' not in plain
    assert "<title>MLP &lt;steps&gt;</title>" in page and "<?xml" not in page
    assert self_contained(page)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.html", "steps.html"]


CLICKER = """<script>
window.addEventListener("load", function () {
  var log = [document.body.dataset.frame];
  function click(id) { document.getElementById(id).click(); log.push(document.body.dataset.frame); }
  click("next"); click("next"); click("prev");
  var s = document.getElementById("slider");
  s.value = LAST; s.dispatchEvent(new Event("input")); log.push(document.body.dataset.frame);
  click("next");
  var shown = Array.prototype.filter.call(document.querySelectorAll(".frame"), function (f) { return !f.hidden; });
  log.push(shown.length + ":" + shown[0].dataset.index);
  click("play");  // from the last frame, play starts over and advances on its timer
  setTimeout(function () { log.push(document.body.dataset.frame); document.body.setAttribute("data-log", log.join(",")); }, 2500);
});
</script>
</body>"""


@pytest.mark.skipif(find_browser() is None, reason="no Chromium/Chrome installed")
@needs_renderer
def test_html_buttons_work_in_headless_chromium(tmp_path):
    params, loss_fn = mlp(sizes=(3, 4, 1))
    st = ag.viz.Stepper(loss_fn, params=params)
    last = len(st) - 1
    page = st.to_html(tmp_path / "steps.html").read_text()
    test_page = tmp_path / "clicked.html"
    test_page.write_text(page.replace("</body>", CLICKER.replace("LAST", str(last))))
    profile = tempfile.mkdtemp(dir=tmp_path)
    cmd = [find_browser(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", "--virtual-time-budget=10000", "--dump-dom", test_page.as_uri()]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    log = re.search(r'data-log="([^"]*)"', dom)
    assert log, f"the page did not run its script; DOM starts with: {dom[:300]!r}"
    values = log.group(1).split(",")
    assert values[:6] == ["0", "1", "2", "1", str(last), str(last)]
    assert values[6] == f"1:{last}"
    assert values[7] == "0" and 0 < int(values[8]) <= last  # play restarted from frame 0 and moved on


def node_positions(svg):
    """{graphviz node id: (x, y) of its first line of text} in an SVG frame."""
    nodes = re.findall(r'<g id="node\d+" class="node">\s*<title>(\w+)</title>.*?<text[^>]* x="([-\d.]+)" y="([-\d.]+)"',
                       svg, re.S)
    return {name: (float(x), float(y)) for name, x, y in nodes}


@needs_renderer
def test_layout_stays_put_from_frame_to_frame():
    params, loss_fn = mlp()
    st = ag.viz.Stepper(loss_fn, params=params, cluster_modules=True)
    frames = st.frames
    first = node_positions(frames[0].svg())
    assert len(first) >= 2 * len(st.model.ops)
    for f in (frames[st.n_forward - 1], frames[st.n_forward + 5], frames[-1]):
        assert node_positions(f.svg()) == first, f.title
    assert all(line.startswith(("data -", "grad -")) or "data" not in line
               for line in st.model.value_lines(st.model.nodes[-1], ag.viz.draw.make_frame(placeholders=True)))


def test_stepper_on_a_graph_bigger_than_max_nodes():
    x = ag.ones(2, requires_grad=True)
    y = x
    for _ in range(50):
        y = y * 1.5
    st = ag.viz.Stepper(y.sum(), max_nodes=10)
    frames = st.frames
    assert st.n_forward == 10  # only the drawn ops step forward...
    assert len(frames) - st.n_forward == 52  # ...but the backward walk is the engine's, all of it
    np.testing.assert_allclose(x.grad.numpy(), [1.5 ** 50] * 2, rtol=1e-5)
    assert "beyond max_nodes" in str(frames[-1])
    assert "more nodes not drawn" in frames[-1].graph().source


def test_compact_frames_open_only_the_module_of_the_step():
    params, loss_fn = mlp()
    st = ag.viz.Stepper(loss_fn, params=params, cluster_modules=True, compact=True)
    model = st.model
    assert model.modules == ["fc1", "fc2", "fc3"]
    for f in st.frames:
        own = model.owner.get(f.node)
        assert f.collapsed() == set(model.modules) - {own}, f.title
        src = f.graph().source
        assert all(f'\tm{model.module_id[m]} [label="{m}  [+]' in src for m in f.collapsed()), f.title
        assert all(f"\t{i} [" in src for i in f.dot_ids), f.title  # the step's node is always drawn
        assert f.collapsed(compact=False) == set() and f.collapsed(expand=model.modules) == set()
    with pytest.raises(ValueError, match=r"no module named 'fc9'; the graph's modules are: fc1, fc2, fc3"):
        st.frames[0].svg(expand=["fc9"])
    relu = next(f for f in st.frames if f.phase == "forward" and "Relu" in f.title)
    assert relu.collapsed() == {"fc1", "fc2", "fc3"}  # an op outside every module
    assert relu.svg() is relu.svg() and relu.svg(compact=False) != relu.svg()


@needs_renderer
def test_widget_keeps_the_step_in_its_window():
    pytest.importorskip("ipywidgets")
    from autograd.viz import svgview

    params, loss_fn = mlp(sizes=(3, 8, 8, 8, 8, 1))  # taller than the widget's window
    w = ag.viz.Stepper(loss_fn, params=params, cluster_modules=True).widget()
    for i in range(len(w.frames)):
        w.show(i)
        frame = w.frames[i]
        svg = w.picture(frame)
        x, y, width, height = svgview.viewbox(svg)
        box = svgview.node_box(svg, frame.dot_ids)
        assert box is not None, frame.title
        assert x <= box[0] and box[2] <= x + width and y <= box[1] and box[3] <= y + height, frame.title
        assert svg in w.graph_html.value and frame.title in w.text_html.value
    whole = svgview.viewbox(frame.svg())
    w.whole.value = True  # the whole graph, shrunk to fit
    assert svgview.viewbox(w.picture(frame)) == whole
    w.whole.value = False
    assert not w.compact.value
    w.compact.value = True
    assert "[+]" in w.graph_html.value
    assert w.expand.options == (("fc1", "fc1"), ("fc2", "fc2"), ("fc3", "fc3"), ("fc4", "fc4"), ("fc5", "fc5"))
    w.expand.value = ("fc2", "fc3", "fc4")
    assert w.graph_html.value.count("[+]") == 1  # fc5; fc1 stays open as the step's module (fc1.weight's frame)
    w.expand.value = ("fc2", "fc3", "fc4", "fc5")
    assert "[+]" not in w.graph_html.value
