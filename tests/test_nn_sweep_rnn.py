"""nn.utils.rnn (pad_sequence, pack_padded_sequence, pad_packed_sequence, pack_sequence, unpack_sequence,
unpad_sequence, invert_permutation) and RNN/LSTM/GRU on a PackedSequence, against PyTorch 2.13: the same
weights and inputs, then packed data, batch sizes, indices, final states and every gradient."""
import numpy as np
import pytest

import autograd as ag
import nn
from nn.utils import rnn

torch = pytest.importorskip("torch")
torch.set_num_threads(1)
trnn = torch.nn.utils.rnn

TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-10, atol=1e-12)}
TORCH_DTYPE = {np.float32: torch.float32, np.float64: torch.float64}


def _np(t):
    return t.detach().numpy()


def _close(ours, theirs, dtype, what):
    got, want = _np(ours), _np(theirs)
    assert got.shape == want.shape, f"{what}: shape {got.shape}, PyTorch's {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, PyTorch's {want.dtype}"
    np.testing.assert_allclose(got, want, err_msg=what, **TOL[dtype])


def _same_packing(ours, theirs):
    assert ours.batch_sizes.tolist() == theirs.batch_sizes.tolist()
    for what in ("sorted_indices", "unsorted_indices"):
        o, t = getattr(ours, what), getattr(theirs, what)
        assert (o is None and t is None) or o.tolist() == t.tolist(), what


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce_sorted", [([5, 3, 3, 1], True), ([3, 5, 1, 3], False), ([2, 2, 2], True),
                                                    ([1, 4, 4, 2, 4], False)])
def test_pack_and_pad_same_as_pytorch(lengths, enforce_sorted, batch_first, dtype):
    rng = np.random.default_rng(len(lengths))
    shape = (len(lengths), max(lengths) + 1, 3) if batch_first else (max(lengths) + 1, len(lengths), 3)
    x = rng.standard_normal(shape).astype(dtype)
    xt, xo = torch.tensor(x, requires_grad=True), ag.tensor(x, requires_grad=True)
    pt = trnn.pack_padded_sequence(xt, torch.tensor(lengths), batch_first, enforce_sorted)
    po = rnn.pack_padded_sequence(xo, ag.tensor(lengths), batch_first, enforce_sorted)
    _close(po.data, pt.data, dtype, "packed data")
    _same_packing(po, pt)
    (yt, lt), (yo, lo) = (trnn.pad_packed_sequence(pt, batch_first, -1.0, max(lengths) + 2),
                          rnn.pad_packed_sequence(po, batch_first, -1.0, max(lengths) + 2))
    _close(yo, yt, dtype, "padded")
    assert lo.tolist() == lt.tolist() and lo.dtype == ag.int64
    w = rng.standard_normal(tuple(yt.shape)).astype(dtype)
    (yt * torch.tensor(w)).sum().backward()
    (yo * ag.tensor(w)).sum().backward()
    _close(xo.grad, xt.grad, dtype, "gradient of the padded input")


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_pack_sequence_and_their_inverses(batch_first, side):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((n, 2, 3)) for n in (2, 5, 1)]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    os = [ag.tensor(a, requires_grad=True) for a in arrays]
    yt = trnn.pad_sequence(ts, batch_first=batch_first, padding_value=7.0, padding_side=side)
    yo = rnn.pad_sequence(os, batch_first=batch_first, padding_value=7.0, padding_side=side)
    _close(yo, yt, np.float64, "pad_sequence")
    (yt * yt).sum().backward()
    (yo * yo).sum().backward()
    for k, (t, o) in enumerate(zip(ts, os)):
        _close(o.grad, t.grad, np.float64, f"gradient of sequence {k}")
    pt = trnn.pack_sequence(ts, enforce_sorted=False)
    po = rnn.pack_sequence(os, enforce_sorted=False)
    _close(po.data, pt.data, np.float64, "pack_sequence")
    _same_packing(po, pt)
    for o, t in zip(rnn.unpack_sequence(po), trnn.unpack_sequence(pt)):
        _close(o, t, np.float64, "unpack_sequence")
    lengths = [2, 5, 1]
    padded_t, padded_o = trnn.pad_sequence(ts), rnn.pad_sequence(os)
    for o, t in zip(rnn.unpad_sequence(padded_o, ag.tensor(lengths)), trnn.unpad_sequence(padded_t,
                                                                                          torch.tensor(lengths))):
        _close(o, t, np.float64, "unpad_sequence")
    assert rnn.invert_permutation(ag.tensor([2, 0, 1])).tolist() == \
        trnn.invert_permutation(torch.tensor([2, 0, 1])).tolist()


def test_packing_errors_name_the_values():
    x = ag.ones(5, 4, 2)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order when `enforce_sorted` is True"):
        rnn.pack_padded_sequence(x, [3, 5, 3, 3])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        rnn.pack_padded_sequence(x, [3, 0, 3, 3], enforce_sorted=False)
    with pytest.raises(RuntimeError, match=r"a length \(6\) is longer than the padded sequences \(5 steps"):
        rnn.pack_padded_sequence(x, [6, 3, 3, 3])
    with pytest.raises(RuntimeError, match="Expected `len\\(lengths\\)` to be equal to batch_size"):
        rnn.pack_padded_sequence(x, [3, 3])
    with pytest.raises(ValueError, match="total_length=2 and max sequence length being 5"):
        rnn.pad_packed_sequence(rnn.pack_padded_sequence(x, [5, 3, 3, 3]), total_length=2)
    with pytest.raises(ValueError, match="padding_side to be one of left or right"):
        rnn.pad_sequence([ag.ones(2)], padding_side="middle")


RNN_CASES = {
    "LSTM 2 layers bidirectional": (torch.nn.LSTM, nn.LSTM, dict(num_layers=2, bidirectional=True)),
    "GRU batch_first": (torch.nn.GRU, nn.GRU, dict(batch_first=True)),
    "RNN relu 2 layers": (torch.nn.RNN, nn.RNN, dict(num_layers=2, nonlinearity="relu")),
    "LSTM bidirectional batch_first": (torch.nn.LSTM, nn.LSTM, dict(bidirectional=True, batch_first=True)),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("with_state", [False, True])
@pytest.mark.parametrize("lengths,enforce_sorted", [([4, 6, 1, 4, 2], False), ([6, 4, 4, 2], True)])
@pytest.mark.parametrize("case", list(RNN_CASES))
def test_recurrent_layers_on_packed_sequences_same_as_pytorch(case, lengths, enforce_sorted, with_state, dtype):
    cls_t, cls_o, kw = RNN_CASES[case]
    torch.manual_seed(0)
    theirs = cls_t(3, 4, dtype=TORCH_DTYPE[dtype], **kw)
    ours = cls_o(3, 4, dtype=dtype, **kw)
    ours.load_state_dict({k: ag.tensor(_np(v).copy()) for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(1)
    b, t = len(lengths), max(lengths)
    x = rng.standard_normal((b, t, 3) if kw.get("batch_first") else (t, b, 3)).astype(dtype)
    xt, xo = torch.tensor(x, requires_grad=True), ag.tensor(x, requires_grad=True)
    lead = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    states = [rng.standard_normal((lead, b, 4)).astype(dtype) for _ in range(2 if cls_o is nn.LSTM else 1)]
    st = [torch.tensor(s, requires_grad=True) for s in states]
    so = [ag.tensor(s, requires_grad=True) for s in states]
    hx_t = None if not with_state else (tuple(st) if cls_o is nn.LSTM else st[0])
    hx_o = None if not with_state else (tuple(so) if cls_o is nn.LSTM else so[0])
    out_t, h_t = theirs(trnn.pack_padded_sequence(xt, lengths, kw.get("batch_first", False), enforce_sorted), hx_t)
    out_o, h_o = ours(rnn.pack_padded_sequence(xo, lengths, kw.get("batch_first", False), enforce_sorted), hx_o)
    assert isinstance(out_o, rnn.PackedSequence)
    _same_packing(out_o, out_t)
    _close(out_o.data, out_t.data, dtype, "packed output")
    h_t, h_o = (h_t if isinstance(h_t, tuple) else (h_t,)), (h_o if isinstance(h_o, tuple) else (h_o,))
    w = rng.standard_normal(tuple(out_t.data.shape)).astype(dtype)
    loss_t, loss_o = (out_t.data * torch.tensor(w)).sum(), (out_o.data * ag.tensor(w)).sum()
    for k, (a, c) in enumerate(zip(h_t, h_o)):
        _close(c, a, dtype, f"final state {k}")
        w = rng.standard_normal(tuple(a.shape)).astype(dtype)
        loss_t, loss_o = loss_t + (a * torch.tensor(w)).sum(), loss_o + (c * ag.tensor(w)).sum()
    loss_t.backward()
    loss_o.backward()
    _close(xo.grad, xt.grad, dtype, "gradient of the input")
    if with_state:
        for k, (a, c) in enumerate(zip(st, so)):
            _close(c.grad, a.grad, dtype, f"gradient of initial state {k}")
    mine = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        _close(mine[name].grad, p.grad, dtype, f"gradient of {name}")


TORCH_HEADER = ("import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
                "from torch.nn.utils.rnn import pad_sequence, pack_padded_sequence, pad_packed_sequence\n")
SEEGRAD_HEADER = ("import autograd as torch\nimport nn\nimport nn.functional as F\nimport optim\ntorch.optim = optim\n"
                  "from nn.utils.rnn import pad_sequence, pack_padded_sequence, pad_packed_sequence\n")

PROGRAM = """
class Tagger(nn.Module):
    '''A tagger over sentences of different lengths: embed, pack, BiLSTM, unpack, tag each word.'''
    def __init__(self, vocab=12, d=6, hidden=5, tags=3):
        super().__init__()
        self.embed = nn.Embedding(vocab, d, padding_idx=0)
        self.lstm = nn.LSTM(d, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, tags)

    def forward(self, sentences):
        lengths = torch.tensor([len(s) for s in sentences])
        padded = pad_sequence(sentences, batch_first=True)
        packed = pack_padded_sequence(self.embed(padded), lengths, batch_first=True, enforce_sorted=False)
        out, (h, c) = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True)
        return self.out(out), lengths

model = Tagger()
model.load_state_dict({k: torch.tensor(v) for k, v in init_weights.items()})
opt = torch.optim.Adam(model.parameters(), lr=0.05)
sentences = [torch.tensor(s) for s in sentences_np]
targets = pad_sequence([torch.tensor(t) for t in tags_np], batch_first=True, padding_value=-100)
losses = []
for step in range(6):
    opt.zero_grad()
    logits, lengths = model(sentences)
    loss = F.cross_entropy(logits.reshape(-1, 3), targets.reshape(-1), ignore_index=-100)
    loss.backward()
    opt.step()
    losses.append(loss.item())
"""


def test_a_pytorch_tagger_with_packed_sequences_runs_unchanged_and_matches():
    import torch.optim  # noqa: F401

    rng = np.random.default_rng(3)
    lengths = [4, 7, 2, 5, 7]
    sentences = [rng.integers(1, 12, n) for n in lengths]
    tags = [rng.integers(0, 3, n) for n in lengths]
    torch.manual_seed(0)
    ref = {}
    exec(compile(TORCH_HEADER + PROGRAM.split("model = Tagger()")[0], "<torch model>", "exec"), ref)
    init_weights = {k: _np(v).copy() for k, v in ref["Tagger"]().state_dict().items()}
    runs = []
    for header in (TORCH_HEADER, SEEGRAD_HEADER):
        namespace = dict(init_weights=init_weights, sentences_np=sentences, tags_np=tags)
        exec(compile(header + PROGRAM, "<program>", "exec"), namespace)
        runs.append(namespace["losses"])
    np.testing.assert_allclose(runs[1], runs[0], rtol=1e-4)
    assert runs[0][-1] < runs[0][0]
