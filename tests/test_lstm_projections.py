"""nn.LSTM(proj_size=P), PyTorch's LSTM with projections, against PyTorch: parameter names and shapes, the
outputs and final states, every gradient, for stacked, bidirectional, batch_first, unbatched and packed inputs,
with given or zero initial states, and a state dict saved by PyTorch."""
import numpy as np
import pytest

import autograd as ag
import nn
import optim

torch = pytest.importorskip("torch")  # the oracle (CI installs it)


def _pair(dtype="float64", **options):
    torch.manual_seed(0)
    theirs = torch.nn.LSTM(3, 5, proj_size=2, dtype=getattr(torch, dtype), **options)
    ours = nn.LSTM(3, 5, proj_size=2, dtype=getattr(ag, dtype), **options)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    ours.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    return theirs, ours


@pytest.mark.parametrize("options", [
    {}, {"num_layers": 2}, {"bidirectional": True}, {"num_layers": 2, "bidirectional": True, "batch_first": True},
    {"bias": False}, {"num_layers": 3, "bidirectional": True},
])
@pytest.mark.parametrize("given_state", [False, True])
def test_outputs_states_and_gradients(options, given_state):
    theirs, ours = _pair(**options)
    rng = np.random.default_rng(1)
    D = 2 if options.get("bidirectional") else 1
    layers = options.get("num_layers", 1)
    x = rng.standard_normal((4, 6, 3) if options.get("batch_first") else (6, 4, 3))
    h0, c0 = rng.standard_normal((layers * D, 4, 2)), rng.standard_normal((layers * D, 4, 5))
    results = []
    for lib, model in ((torch, theirs), (ag, ours)):
        xs = lib.tensor(x, requires_grad=True)
        state = (lib.tensor(h0, requires_grad=True), lib.tensor(c0, requires_grad=True)) if given_state else None
        out, (h_n, c_n) = model(xs, state)
        (out.sin().sum() + (h_n * 2).sum() + c_n.cos().sum()).backward()
        grads = [xs.grad] + ([s.grad for s in state] if state else []) + [p.grad for p in model.parameters()]
        results.append([t.detach().numpy() for t in (out, h_n, c_n)] + [g.numpy() for g in grads])
    assert results[0][0].shape[-1] == D * 2 and results[0][2].shape[-1] == 5
    for want, got in zip(*results):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_unbatched_and_packed_inputs():
    theirs, ours = _pair(bidirectional=True)
    x = np.random.default_rng(2).standard_normal((5, 3))
    out_t, (h_t, _) = theirs(torch.tensor(x))
    out_o, (h_o, _) = ours(ag.tensor(x))
    np.testing.assert_allclose(out_o.detach().numpy(), out_t.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(h_o.detach().numpy(), h_t.detach().numpy(), rtol=1e-10)
    seqs = [np.random.default_rng(i).standard_normal((n, 3)) for i, n in enumerate((4, 2, 3))]
    results = []
    for lib, rnn_utils, model in ((torch, torch.nn.utils.rnn, theirs), (ag, nn.utils.rnn, ours)):
        packed = rnn_utils.pack_sequence([lib.tensor(s) for s in seqs], enforce_sorted=False)
        out, (h_n, c_n) = model(packed)
        padded, lengths = rnn_utils.pad_packed_sequence(out)
        results.append([padded.detach().numpy(), h_n.detach().numpy(), c_n.detach().numpy()])
    for want, got in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_float32_training_steps_and_the_repr():
    theirs, ours = _pair("float32", num_layers=2)
    assert repr(ours) == repr(theirs).replace("torch.", "")
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((7, 4, 3)).astype(np.float32), rng.standard_normal((7, 4, 2)).astype(np.float32)
    for lib, model in ((torch, theirs), (ag, ours)):
        opt = (torch.optim if lib is torch else optim).Adam(model.parameters(), lr=0.01)
        for _ in range(5):
            opt.zero_grad()
            ((model(lib.tensor(x))[0] - lib.tensor(y)) ** 2).mean().backward()
            opt.step()
    for (name, p_t), (_, p_o) in zip(theirs.named_parameters(), ours.named_parameters()):
        np.testing.assert_allclose(p_o.detach().numpy(), p_t.detach().numpy(), rtol=1e-4, atol=1e-6, err_msg=name)


def test_wrong_states_are_refused_with_their_sizes():
    _, ours = _pair()
    x = ag.randn(6, 4, 3, dtype=ag.float64)
    with pytest.raises(ValueError, match=r"expected h_0 of shape \(1, 4, 2\).*proj_size"):
        ours(x, (ag.zeros(1, 4, 5, dtype=ag.float64), ag.zeros(1, 4, 5, dtype=ag.float64)))
    with pytest.raises(ValueError, match=r"expected c_0 of shape \(1, 4, 5\).*hidden_size"):
        ours(x, (ag.zeros(1, 4, 2, dtype=ag.float64), ag.zeros(1, 4, 2, dtype=ag.float64)))
    from nn.recurrent import RNNBase

    with pytest.raises(ValueError, match="only supported for LSTM"):
        RNNBase("GRU", 3, 5, proj_size=2)
