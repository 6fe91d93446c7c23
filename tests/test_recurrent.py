"""Recurrent layers against PyTorch (outputs and every parameter gradient), the cells by
gradcheck, the fused layers against hand-unrolled cells, and the error messages."""
import numpy as np
import pytest

import autograd as ag
from autograd.ops.recurrent import CHUNK, GRULayer, RNNLayer, lstm_layer
from nn.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell, gru_cell, lstm_cell, rnn_relu_cell, rnn_tanh_cell

torch = pytest.importorskip("torch")

LAYERS = {"RNN": (RNN, torch.nn.RNN), "LSTM": (LSTM, torch.nn.LSTM), "GRU": (GRU, torch.nn.GRU)}
CELLS = {"RNNCell": (RNNCell, torch.nn.RNNCell), "LSTMCell": (LSTMCell, torch.nn.LSTMCell),
         "GRUCell": (GRUCell, torch.nn.GRUCell)}


def _copy_into_torch(ours, theirs):
    ours_params = dict(ours.named_parameters())
    theirs_params = dict(theirs.named_parameters())
    assert list(ours_params) == list(theirs_params)  # same names, same order
    with torch.no_grad():
        for name, p in theirs_params.items():
            assert tuple(ours_params[name].shape) == tuple(p.shape), name
            p.copy_(torch.from_numpy(ours_params[name].detach().numpy()))


def _loss_weights(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


def _weighted_sum(outputs, weights, lib):
    total = 0
    for out, w in zip(outputs, weights):
        total = total + (out * (lib.tensor(w) if lib is ag else torch.tensor(w))).sum()
    return total


CASES = [
    # mode, kwargs, batched
    ("RNN", {}, True),
    ("RNN", {"nonlinearity": "relu", "num_layers": 2}, True),
    ("RNN", {"bidirectional": True, "batch_first": True}, True),
    ("LSTM", {}, True),
    ("LSTM", {"num_layers": 2, "bidirectional": True}, True),
    ("LSTM", {"batch_first": True, "bias": False}, True),
    ("LSTM", {"num_layers": 2}, False),
    ("GRU", {}, True),
    ("GRU", {"num_layers": 2, "bidirectional": True, "batch_first": True}, True),
    ("GRU", {"bidirectional": True}, False),
]


@pytest.mark.parametrize("mode,kwargs,batched", CASES)
@pytest.mark.parametrize("with_state", [False, True])
def test_layer_matches_torch(mode, kwargs, batched, with_state):
    ours_cls, torch_cls = LAYERS[mode]
    L, N, I, H = 5, 3, 4, 6
    ag.manual_seed(0)
    ours = ours_cls(I, H, dtype=ag.float64, **kwargs)
    theirs = torch_cls(I, H, **kwargs).double()
    _copy_into_torch(ours, theirs)

    rng = np.random.default_rng(1)
    first = kwargs.get("batch_first", False)
    x_shape = ((N, L, I) if first else (L, N, I)) if batched else (L, I)
    x = rng.standard_normal(x_shape)
    D = 2 if kwargs.get("bidirectional") else 1
    state_shape = (kwargs.get("num_layers", 1) * D,) + ((N,) if batched else ()) + (H,)
    states = [rng.standard_normal(state_shape) for _ in range(2 if mode == "LSTM" else 1)]

    x_ours, x_theirs = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    s_ours = [ag.tensor(s, requires_grad=True) for s in states]
    s_theirs = [torch.tensor(s, requires_grad=True) for s in states]
    hx_ours = hx_theirs = None
    if with_state:
        hx_ours = tuple(s_ours) if mode == "LSTM" else s_ours[0]
        hx_theirs = tuple(s_theirs) if mode == "LSTM" else s_theirs[0]
    out_ours, h_ours = ours(x_ours, hx_ours)
    out_theirs, h_theirs = theirs(x_theirs, hx_theirs)
    flat_ours = [out_ours] + (list(h_ours) if mode == "LSTM" else [h_ours])
    flat_theirs = [out_theirs] + (list(h_theirs) if mode == "LSTM" else [h_theirs])
    for a, b in zip(flat_ours, flat_theirs):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)

    weights = [_loss_weights(tuple(o.shape), i) for i, o in enumerate(flat_ours)]
    _weighted_sum(flat_ours, weights, ag).backward()
    _weighted_sum(flat_theirs, weights, torch).backward()
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-9, atol=1e-12)
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs_params[name].grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=name)
    if with_state:
        for a, b in zip(s_ours, s_theirs):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", list(CELLS))
@pytest.mark.parametrize("batched", [True, False])
def test_cell_matches_torch(name, batched):
    ours_cls, torch_cls = CELLS[name]
    ag.manual_seed(0)
    ours, theirs = ours_cls(4, 5, dtype=ag.float64), torch_cls(4, 5).double()
    _copy_into_torch(ours, theirs)
    rng = np.random.default_rng(2)
    lead = (3,) if batched else ()
    x, h, c = rng.standard_normal(lead + (4,)), rng.standard_normal(lead + (5,)), rng.standard_normal(lead + (5,))
    if name == "LSTMCell":
        a = ours(ag.tensor(x), (ag.tensor(h), ag.tensor(c)))
        b = theirs(torch.tensor(x), (torch.tensor(h), torch.tensor(c)))
    else:
        a, b = [ours(ag.tensor(x), ag.tensor(h))], [theirs(torch.tensor(x), torch.tensor(h))]
    for u, v in zip(a, b):
        assert tuple(u.shape) == tuple(v.shape)
        np.testing.assert_allclose(u.detach().numpy(), v.detach().numpy(), rtol=1e-10)
    # and without a state: zeros, as in PyTorch
    a0, b0 = ours(ag.tensor(x)), theirs(torch.tensor(x))
    a0, b0 = (a0[0], b0[0]) if name == "LSTMCell" else (a0, b0)
    np.testing.assert_allclose(a0.detach().numpy(), b0.detach().numpy(), rtol=1e-10)


CELL_FNS = {"RNNCell": rnn_tanh_cell, "ReLUCell": rnn_relu_cell, "LSTMCell": lstm_cell, "GRUCell": gru_cell}


@pytest.mark.parametrize("name", list(CELL_FNS))
def test_cell_gradcheck(name):
    """The composite cells (what RNNCell, LSTMCell, GRUCell run) by central differences."""
    G = {"LSTMCell": 4, "GRUCell": 3}.get(name, 1)
    rng = np.random.default_rng(3)
    shapes = [(2, 3), (2, 4), (2, 4), (G * 4, 3), (G * 4, 4), (G * 4,), (G * 4,)]
    x, h, c, *params = [ag.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    cell = CELL_FNS[name]

    def fn(x, h, c, *params):
        if name == "LSTMCell":
            h2, c2 = cell(x, (h, c), *params)
            return h2.tanh().sum() + (c2 * c2).sum()
        return cell(x, h, *params) + c  # c only to keep one signature

    assert ag.gradcheck(fn, [x, h, c] + params)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("mode", ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"])
def test_fused_layer_gradcheck(mode, reverse):
    """The hand-written backpropagation through time of each fused primitive, by central differences."""
    G = {"LSTM": 4, "GRU": 3}.get(mode, 1)
    rng = np.random.default_rng(4)
    shapes = [(4, 2, 3), (2, 5), (2, 5), (G * 5, 3), (G * 5, 5), (G * 5,), (G * 5,)]
    x, h0, c0, *params = [ag.tensor(rng.standard_normal(s) * 0.7, requires_grad=True) for s in shapes]

    def fn(x, h0, c0, *params):
        if mode == "LSTM":  # every h_t, then h_n and c_n
            hs, h_n, c_n = lstm_layer(x, h0, c0, *params, reverse=reverse)
            return ag.cat([hs, ag.stack([h_n, c_n])])
        if mode == "GRU":
            return GRULayer.apply(x, h0, *params, reverse=reverse) + c0
        return RNNLayer.apply(x, h0, *params, reverse=reverse, nonlinearity=mode[4:].lower()) + c0

    assert ag.gradcheck(fn, [x, h0, c0] + params)


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_fused_layer_equals_unrolled_cells(mode):
    """Without torch: the fused sequence primitive gives the numbers of a Python loop of cells."""
    ag.manual_seed(0)
    layer = LAYERS[mode][0](3, 4, dtype=ag.float64)
    cell = CELLS[mode + "Cell"][0](3, 4, dtype=ag.float64)
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = ag.tensor(np.random.default_rng(5).standard_normal((6, 2, 3)))
    out, _ = layer(x)
    state = None
    for t in range(6):
        state = cell(x[t], state)
        h = state[0] if mode == "LSTM" else state
        np.testing.assert_allclose(out[t].detach().numpy(), h.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_parameter_names_shapes_and_init():
    ag.manual_seed(0)
    lstm = LSTM(10, 20, num_layers=2, bidirectional=True)
    names = [n for n, _ in lstm.named_parameters()]
    assert names == list(dict(torch.nn.LSTM(10, 20, num_layers=2, bidirectional=True).named_parameters()))
    shapes = {n: tuple(p.shape) for n, p in lstm.named_parameters()}
    assert shapes["weight_ih_l0"] == (80, 10) and shapes["weight_ih_l1_reverse"] == (80, 40)
    assert shapes["weight_hh_l1"] == (80, 20) and shapes["bias_hh_l0_reverse"] == (80,)
    for p in lstm.parameters():
        a = p.detach().numpy()
        assert a.dtype == np.float32
        assert np.abs(a).max() <= 1 / np.sqrt(20) and np.abs(a).max() > 0.8 / np.sqrt(20)
    assert [n for n, _ in GRU(3, 5, bias=False).named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]
    assert len(lstm.all_weights) == 4 and len(lstm.all_weights[0]) == 4
    assert repr(LSTM(10, 20, num_layers=2, batch_first=True)) == "LSTM(10, 20, num_layers=2, batch_first=True)"
    assert repr(RNNCell(3, 4, nonlinearity="relu")) == "RNNCell(3, 4, nonlinearity='relu')"


def test_dropout_between_layers_only_in_training():
    ag.manual_seed(0)
    lstm = LSTM(3, 8, num_layers=2, dropout=0.5)
    x = ag.randn(4, 2, 3)
    a, _ = lstm(x)
    b, _ = lstm(x)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())  # a fresh mask each call
    lstm.eval()
    c, _ = lstm(x)
    d, _ = lstm(x)
    np.testing.assert_array_equal(c.detach().numpy(), d.detach().numpy())
    with pytest.warns(UserWarning, match="dropout"):
        GRU(3, 4, dropout=0.2)


def test_lstm_output_is_last_hidden_state():
    ag.manual_seed(0)
    lstm = LSTM(3, 4, bidirectional=True, batch_first=True)
    out, (h, c) = lstm(ag.randn(2, 7, 3))
    o = out.detach().numpy()
    np.testing.assert_array_equal(o[:, -1, :4], h.detach().numpy()[0])  # forward ends at the last step
    np.testing.assert_array_equal(o[:, 0, 4:], h.detach().numpy()[1])  # reverse ends at the first


def test_bad_input_messages():
    lstm = LSTM(10, 20)
    with pytest.raises(ValueError, match=r"LSTM\(10, 20\): expected input of shape \(L, N, 10\) or \(L, 10\), "
                                         r"got \(5, 3, 7\)"):
        lstm(ag.randn(5, 3, 7))
    with pytest.raises(ValueError, match=r"got \(5,\)"):
        lstm(ag.randn(5))
    with pytest.raises(ValueError, match=r"GRU\(4, 8\): expected input of shape \(N, L, 4\)"):
        GRU(4, 8, batch_first=True)(ag.randn(2, 3, 4, 1))
    with pytest.raises(ValueError, match=r"expected h_0 of shape \(2, 3, 20\)"):
        LSTM(10, 20, num_layers=2)(ag.randn(5, 3, 10), (ag.zeros(1, 3, 20), ag.zeros(2, 3, 20)))
    with pytest.raises(ValueError, match=r"expected c_0 of shape \(1, 3, 20\)"):
        lstm(ag.randn(5, 3, 10), (ag.zeros(1, 3, 20), ag.zeros(3, 20)))
    with pytest.raises(TypeError, match=r"hx must be a tuple"):
        lstm(ag.randn(5, 3, 10), ag.zeros(1, 3, 20))
    with pytest.raises(ValueError, match=r"RNN\(3, 4\): expected h_0 of shape \(1, 4\)"):
        RNN(3, 4)(ag.randn(5, 3), ag.zeros(1, 2, 4))
    with pytest.raises(ValueError, match=r"LSTMCell\(10, 20\): expected input of shape \(N, 10\) or \(10,\), "
                                         r"got \(3, 7\)"):
        LSTMCell(10, 20)(ag.randn(3, 7))
    with pytest.raises(ValueError, match=r"GRUCell\(3, 4\): expected hx of shape \(2, 4\), got \(2, 5\)"):
        GRUCell(3, 4)(ag.randn(2, 3), ag.zeros(2, 5))
    with pytest.raises(TypeError, match=r"RNN\(3, 4\): input has dtype float64 but the parameters are float32"):
        RNN(3, 4)(ag.randn(5, 3, dtype=ag.float64))
    with pytest.raises(ValueError, match="empty sequence"):
        RNN(3, 4)(ag.zeros(0, 2, 3))
    with pytest.raises(ValueError, match="nonlinearity"):
        RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="hidden_size must be a positive integer"):
        LSTM(3, 0)
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="proj_size should be a positive integer or zero"):
        LSTM(3, 4, proj_size=-1)


def test_double_backward_through_fused_layer_says_what_to_do():
    rnn = RNN(2, 3)
    x = ag.randn(4, 1, 2, requires_grad=True)
    out, _ = rnn(x)
    with pytest.raises(RuntimeError, match="RNNCell"):
        ag.grad(out.sum(), x, create_graph=True)


@pytest.mark.parametrize("used", ["output", "h_n", "c_n", "h_n and c_n", "output and c_n"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_gradients_whichever_outputs_the_loss_uses(used, bidirectional):
    """nn.LSTM's output and (h_n, c_n) come from two ops sharing one run (lstm_layer): each alone,
    or with another, gives PyTorch's gradients (the layer's backward runs whichever the loss used)."""
    ag.manual_seed(0)
    ours = LSTM(3, 4, dtype=ag.float64, bidirectional=bidirectional)
    theirs = torch.nn.LSTM(3, 4, bidirectional=bidirectional).double()
    _copy_into_torch(ours, theirs)
    x = np.random.default_rng(2).standard_normal((5, 2, 3))
    x_ours, x_theirs = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    losses = []
    for lib, net, xx in ((ag, ours, x_ours), (torch, theirs, x_theirs)):
        out, (h, c) = net(xx)
        parts = {"output": out, "h_n": h, "c_n": c}
        picked = [parts[name] for name in used.split(" and ")]
        weights = [_loss_weights(tuple(p.shape), i) for i, p in enumerate(picked)]
        losses.append(_weighted_sum(picked, weights, lib))
    for loss in losses:
        loss.backward()
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-9, atol=1e-12)
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs_params[name].grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=name)


@pytest.mark.parametrize("length", [CHUNK, CHUNK + 1, 2 * CHUNK + 5])
def test_lstm_sequences_longer_than_a_chunk_match_torch(length):
    """LSTMLayer's backward takes the weight gradients CHUNK steps at a time: sequences of one
    chunk, a chunk and a step, and several chunks, both directions, every gradient vs PyTorch."""
    ag.manual_seed(0)
    ours = LSTM(3, 4, dtype=ag.float64, bidirectional=True)
    theirs = torch.nn.LSTM(3, 4, bidirectional=True).double()
    _copy_into_torch(ours, theirs)
    rng = np.random.default_rng(length)
    x, h0, c0 = rng.standard_normal((length, 2, 3)), rng.standard_normal((2, 2, 4)), rng.standard_normal((2, 2, 4))
    grads = []
    for lib, net in ((ag, ours), (torch, theirs)):
        leaves = [lib.tensor(a, requires_grad=True) for a in (x, h0, c0)]
        out, (h, c) = net(leaves[0], (leaves[1], leaves[2]))
        _weighted_sum([out, h, c], [_loss_weights(tuple(p.shape), i) for i, p in enumerate((out, h, c))], lib).backward()
        grads.append([a.grad.numpy() for a in leaves] + [p.grad.numpy() for _, p in net.named_parameters()])
    for i, (a, b) in enumerate(zip(*grads)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=str(i))


def test_lstm_backward_twice_with_retain_graph_and_in_place_change_caught():
    """The run's output gradient is taken by each backward: two backward passes add up to twice
    one; changing the output in place before backward is refused, as for any saved tensor."""
    ag.manual_seed(0)
    lstm = LSTM(3, 4, dtype=ag.float64)
    x = ag.tensor(np.random.default_rng(3).standard_normal((4, 2, 3)))
    out, (h, c) = lstm(x)
    (out.sum() + c.sum()).backward(retain_graph=True)
    once = lstm.weight_hh_l0.grad.numpy().copy()
    c.sum().backward(retain_graph=True)  # only c_n: the output's gradient of the first pass is not reused
    lstm.zero_grad()
    c.sum().backward(retain_graph=True)
    only_c = lstm.weight_hh_l0.grad.numpy().copy()
    lstm.zero_grad()
    (out.sum() + c.sum()).backward(retain_graph=True)
    (out.sum() + c.sum()).backward()
    np.testing.assert_allclose(lstm.weight_hh_l0.grad.numpy(), 2 * once, rtol=1e-12)
    assert not np.allclose(only_c, once)

    out, (h, c) = lstm(x)
    loss = out.sum()
    with ag.no_grad():
        out.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()
    with ag.no_grad():  # without a graph the layer gives the same numbers
        out2, (h2, c2) = lstm(x)
    np.testing.assert_allclose(out2.numpy(), out.detach().numpy() / 2, rtol=1e-12)
    np.testing.assert_allclose(h2.numpy()[0], out2.numpy()[-1], rtol=1e-12)


def test_models_gru_is_the_mnist1d_papers_gru():
    import seegrad

    ag.manual_seed(0)
    model = seegrad.models.gru()  # bidirectional GRU(1, 6) over 40 steps, Linear(480, 10)
    assert sum(p.numel() for p in model.parameters()) == 2 * (18 * 1 + 18 * 6 + 18 + 18) + 480 * 10 + 10
    x = ag.randn(4, 40)
    logits = model(x)
    assert tuple(logits.shape) == (4, 10)
    logits.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_cells_support_double_backward_like_torch():
    ag.manual_seed(0)
    ours, theirs = LSTMCell(3, 4, dtype=ag.float64), torch.nn.LSTMCell(3, 4).double()
    _copy_into_torch(ours, theirs)
    x = np.random.default_rng(6).standard_normal((2, 3))
    xa, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (ga,) = ag.grad(ours(xa)[0].sum(), xa, create_graph=True)
    (gt,) = torch.autograd.grad(theirs(xt)[0].sum(), xt, create_graph=True)
    (ga * ga).sum().backward()
    (gt * gt).sum().backward()
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-9)
    np.testing.assert_allclose(ours.weight_hh.grad.numpy(), theirs.weight_hh.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("mode", ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"])
def test_fused_primitive_equals_cells_on_drawn_shapes(mode):
    """hypothesis draws L, N, I, H and the direction: the fused primitive's output and every
    gradient equal those of a Python loop of the composite cells (no torch needed)."""
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies
    G = {"LSTM": 4, "GRU": 3}.get(mode, 1)
    cell = {"RNN_TANH": rnn_tanh_cell, "RNN_RELU": rnn_relu_cell, "LSTM": lstm_cell, "GRU": gru_cell}[mode]

    @hypothesis.settings(max_examples=15, deadline=None)
    @hypothesis.given(st.integers(1, 5), st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), st.booleans(),
                      st.integers(0, 2**16))
    def check(L, N, I, H, reverse, seed):
        rng = np.random.default_rng(seed)
        shapes = [(L, N, I), (N, H), (N, H), (G * H, I), (G * H, H), (G * H,), (G * H,)]
        arrays = [rng.standard_normal(s) for s in shapes]
        fused = [ag.tensor(a, requires_grad=True) for a in arrays]
        loop = [ag.tensor(a, requires_grad=True) for a in arrays]
        x, h0, c0, *params = fused
        if mode == "LSTM":
            hs, h_n, c_n = lstm_layer(x, h0, c0, *params, reverse=reverse)
            out = ag.cat([hs, ag.stack([h_n, c_n])])
        elif mode == "GRU":
            out = GRULayer.apply(x, h0, *params, reverse=reverse)
        else:
            out = RNNLayer.apply(x, h0, *params, reverse=reverse, nonlinearity=mode[4:].lower())
        x, h, c, *params = loop
        hs, cs = [None] * L, [None] * L
        for t in (range(L - 1, -1, -1) if reverse else range(L)):
            if mode == "LSTM":
                h, c = cell(x[t], (h, c), *params)
                cs[t] = c
            else:
                h = cell(x[t], h, *params)
            hs[t] = h
        if mode == "LSTM":  # every h_t, then the final h and c
            expected = ag.stack(hs + [h, c])
        else:
            expected = ag.stack(hs)
        np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
        weights = ag.tensor(rng.standard_normal(tuple(out.shape)))
        (out * weights).sum().backward()
        (expected * weights).sum().backward()
        for i, (a, b) in enumerate(zip(fused, loop)):
            if mode != "LSTM" and i == 2:
                continue  # c0 is an LSTM input only
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=str(i))

    check()


@pytest.mark.parametrize("kwargs", [{}, {"num_layers": 2, "bidirectional": True, "batch_first": True},
                                    {"bias": False}], ids=["plain", "2-layer-bidirectional-batch-first", "no-bias"])
@pytest.mark.parametrize("with_state", [False, True])
def test_lstm_float32_matches_torch_to_float32_rounding(kwargs, with_state):
    """The path lstm_bench.py times: float32, gates through one tanh (sigmoid(z) = (1 + tanh(z/2)) / 2,
    the 1/2 on a copy of the weights), over more steps than a chunk. Every output and gradient is
    as close to PyTorch's float64 answer on the same float32 numbers as PyTorch's own float32 one
    is (both within a few float32 roundings), and the parameters are left as they were."""
    L, N, I, H = CHUNK + 21, 8, 5, 16
    ag.manual_seed(0)
    ours = LSTM(I, H, **kwargs)
    theirs32, theirs64 = torch.nn.LSTM(I, H, **kwargs), torch.nn.LSTM(I, H, **kwargs).double()
    _copy_into_torch(ours, theirs32)
    _copy_into_torch(ours, theirs64)
    before = {name: p.detach().numpy().copy() for name, p in ours.named_parameters()}
    rng = np.random.default_rng(4)
    first, lead = kwargs.get("batch_first", False), kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    x = rng.standard_normal((N, L, I) if first else (L, N, I)).astype(np.float32)
    h0, c0 = (rng.standard_normal((lead, N, H)).astype(np.float32) for _ in range(2))
    results = []
    for lib, net, dtype in ((ag, ours, np.float32), (torch, theirs32, np.float32), (torch, theirs64, np.float64)):
        leaves = [lib.tensor(a.astype(dtype), requires_grad=True) for a in (x, h0, c0)]
        out, (h, c) = net(leaves[0], (leaves[1], leaves[2]) if with_state else None)
        if lib is ag:
            assert out.dtype == h.dtype == c.dtype == ag.float32
        _weighted_sum([out, h, c], [_loss_weights(tuple(p.shape), i) for i, p in enumerate((out, h, c))], lib).backward()
        grads = [a.grad for a in leaves] if with_state else [leaves[0].grad]
        results.append([np.asarray(a.detach().numpy(), dtype=np.float64) for a in [out, h, c] + grads]
                       + [p.grad.numpy().astype(np.float64) for _, p in net.named_parameters()])
    for i, (a, b32, b64) in enumerate(zip(*results)):
        scale = np.abs(b64).max()
        theirs_error = np.abs(b32 - b64).max() / scale
        assert theirs_error < 2e-6, (i, theirs_error)  # what float32 rounding gives here
        np.testing.assert_allclose(a, b64, rtol=0, atol=2e-6 * scale, err_msg=str(i))
    for name, p in ours.named_parameters():
        np.testing.assert_array_equal(p.detach().numpy(), before[name], err_msg=name)


@pytest.mark.parametrize("shape,dtype", [((4, 161, 128), np.float32), ((3, 5), np.float64), ((0, 7), np.float32),
                                         ((), np.float64), ((2, 3, 4), np.int64)])
def test_empty_aligned_gives_the_shape_and_dtype_on_a_64_byte_boundary(shape, dtype):
    """LSTMLayer keeps its matmuls' right operands (the gate-major weights) on a 64-byte boundary:
    numpy promises 16 bytes, and OpenBLAS reads an aligned right operand faster (backend.empty_aligned)."""
    from autograd.backend import empty_aligned
    from autograd.ops.recurrent import ORDER, _gate_major

    for _ in range(8):  # several allocations: numpy's own alignment varies from one to the next
        a = empty_aligned(np, shape, dtype)
        assert a.shape == shape and a.dtype == dtype and a.flags.c_contiguous and a.flags.writeable
        assert a.ctypes.data % 64 == 0 or a.size == 0  # (no memory to align)
        a[...] = 1  # all of it is writable memory of its own
        assert int(a.sum()) == int(np.prod(shape))
    w = np.arange(8 * 3, dtype=np.float32).reshape(8, 3)  # (4H, K), H = 2, PyTorch's order i, f, g, o
    gm = _gate_major(w)
    assert gm.ctypes.data % 64 == 0
    assert sorted(ORDER) == [0, 1, 2, 3]
    for slot, gate in enumerate(ORDER):
        np.testing.assert_array_equal(gm[slot], w[2 * gate:2 * gate + 2])
