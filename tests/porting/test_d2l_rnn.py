"""Dive into Deep Learning (d2l.ai, the PyTorch edition), its recurrent chapters as written there: RNNScratch (a
loop over the time steps of one-hot inputs, `F.one_hot(X.T, vocab_size).type(torch.float32)`), RNNLMScratch
and its `predict` (`int(d2l.reshape(d2l.argmax(Y, axis=2), 1))`), gradient clipping by hand
(`param.grad[:] *= grad_clip_val / norm`), GRUScratch and LSTMScratch, the bidirectional scratch RNN
(`reversed(inputs)`), the stacked scratch RNN, and their concise versions (nn.RNN, nn.GRU, nn.LSTM, a
bidirectional GRU, a two-layer GRU) behind RNNLM.

d2l's framework (Trainer, TimeMachine's download) is replaced by a plain loop with d2l's clip_gradients over
windows of a short fixed text; d2l's aliases are d2l/torch.py's. Each program runs with PyTorch and with this
project under torch's names (harness.py): every value left and every number printed agree."""
import pytest

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

# d2l's aliases, its RNNScratch / RNNLMScratch / RNN / RNNLM as the rnn-scratch and rnn-concise chapters write
# them, d2l.Classifier.loss, d2l.Trainer.clip_gradients, and a small character corpus in place of TimeMachine
RNN_LM = '''
import math
import types

import torch
from torch import nn
from torch.nn import functional as F

d2l = types.SimpleNamespace(
    zeros=torch.zeros, ones=torch.ones, tensor=torch.tensor, matmul=torch.matmul, stack=torch.stack,
    concat=torch.cat, tanh=torch.tanh, sigmoid=torch.sigmoid, randn=torch.randn, exp=torch.exp,
    int64=torch.int64, float32=torch.float32,
    reshape=lambda x, *args, **kwargs: x.reshape(*args, **kwargs),
    argmax=lambda x, *args, **kwargs: x.argmax(*args, **kwargs),
    swapaxes=lambda x, *args, **kwargs: x.swapaxes(*args, **kwargs))


class RNNScratch(nn.Module):  #@save
    """The RNN model implemented from scratch."""
    def __init__(self, num_inputs, num_hiddens, sigma=0.01):
        super().__init__()
        self.num_inputs, self.num_hiddens, self.sigma = num_inputs, num_hiddens, sigma
        self.W_xh = nn.Parameter(
            d2l.randn(num_inputs, num_hiddens) * sigma)
        self.W_hh = nn.Parameter(
            d2l.randn(num_hiddens, num_hiddens) * sigma)
        self.b_h = nn.Parameter(d2l.zeros(num_hiddens))

    def forward(self, inputs, state=None):
        if state is None:
            # Initial state with shape: (batch_size, num_hiddens)
            state = d2l.zeros((inputs.shape[1], self.num_hiddens),
                              device=inputs.device)
        else:
            state, = state
        outputs = []
        for X in inputs:  # Shape of inputs: (num_steps, batch_size, num_inputs) 
            state = d2l.tanh(d2l.matmul(X, self.W_xh) +
                             d2l.matmul(state, self.W_hh) + self.b_h)
            outputs.append(state)
        return outputs, state


class RNNLMScratch(nn.Module):  #@save
    """The RNN-based language model implemented from scratch."""
    def __init__(self, rnn, vocab_size, lr=0.01):
        super().__init__()
        self.rnn, self.vocab_size, self.lr = rnn, vocab_size, lr
        self.init_params()
        
    def init_params(self):
        self.W_hq = nn.Parameter(
            d2l.randn(
                self.rnn.num_hiddens, self.vocab_size) * self.rnn.sigma)
        self.b_q = nn.Parameter(d2l.zeros(self.vocab_size)) 

    def loss(self, Y_hat, Y, averaged=True):  # d2l.Classifier.loss
        Y_hat = d2l.reshape(Y_hat, (-1, Y_hat.shape[-1]))
        Y = d2l.reshape(Y, (-1,))
        return F.cross_entropy(
            Y_hat, Y, reduction='mean' if averaged else 'none')

    def one_hot(self, X):    
        # Output shape: (num_steps, batch_size, vocab_size)    
        return F.one_hot(X.T, self.vocab_size).type(torch.float32)

    def output_layer(self, rnn_outputs):
        outputs = [d2l.matmul(H, self.W_hq) + self.b_q for H in rnn_outputs]
        return d2l.stack(outputs, 1)

    def forward(self, X, state=None):
        embs = self.one_hot(X)
        rnn_outputs, _ = self.rnn(embs, state)
        return self.output_layer(rnn_outputs)

    def predict(self, prefix, num_preds, vocab, device=None):
        state, outputs = None, [vocab[prefix[0]]]
        for i in range(len(prefix) + num_preds - 1):
            X = d2l.tensor([[outputs[-1]]], device=device)
            embs = self.one_hot(X)
            rnn_outputs, state = self.rnn(embs, state)
            if i < len(prefix) - 1:  # Warm-up period
                outputs.append(vocab[prefix[i + 1]])
            else:  # Predict num_preds steps
                Y = self.output_layer(rnn_outputs)
                outputs.append(int(d2l.reshape(d2l.argmax(Y, axis=2), 1)))
        return ''.join([vocab.idx_to_token[i] for i in outputs])


class RNN(nn.Module):  #@save
    """The RNN model implemented with high-level APIs."""
    def __init__(self, num_inputs, num_hiddens):
        super().__init__()
        self.num_inputs, self.num_hiddens = num_inputs, num_hiddens
        self.rnn = nn.RNN(num_inputs, num_hiddens)
        
    def forward(self, inputs, H=None):
        return self.rnn(inputs, H)


class RNNLM(RNNLMScratch):  #@save
    """The RNN-based language model implemented with high-level APIs."""
    def init_params(self):
        self.linear = nn.LazyLinear(self.vocab_size)
        
    def output_layer(self, hiddens):
        return d2l.swapaxes(self.linear(hiddens), 0, 1)


def clip_gradients(grad_clip_val, model):  # d2l.Trainer.clip_gradients
    params = [p for p in model.parameters() if p.requires_grad]
    norm = torch.sqrt(sum(torch.sum((p.grad ** 2)) for p in params))
    if norm > grad_clip_val:
        for param in params:
            param.grad[:] *= grad_clip_val / norm


class Vocab:
    def __init__(self, text):
        self.idx_to_token = sorted(set(text))
        self.token_to_idx = {token: idx for idx, token in enumerate(self.idx_to_token)}

    def __len__(self):
        return len(self.idx_to_token)

    def __getitem__(self, token):
        return self.token_to_idx[token]


text = "the time machine by h g wells i the time traveller for so it will be convenient to speak of him "
vocab = Vocab(text)
corpus = torch.tensor([vocab[c] for c in text])
num_steps = 8
starts = torch.randperm(len(corpus) - num_steps - 1)[:12]
X_all = torch.stack([corpus[s: s + num_steps] for s in starts.tolist()])
Y_all = torch.stack([corpus[s + 1: s + num_steps + 1] for s in starts.tolist()])


def fit(model, max_epochs, gradient_clip_val=0.25, batch_size=4):
    """d2l.Trainer.fit with d2l.Module.configure_optimizers' SGD, on the windows above. (d2l clips at 1; the
    gradient norms on this small text are 0.1-0.5, so 0.25 has clip_gradients scale some steps and not others.)"""
    model(X_all[:1])  # (the lazy layers sized first, as d2l's Trainer.prepare_model does)
    optim = torch.optim.SGD(model.parameters(), model.lr)
    losses = []
    for epoch in range(max_epochs):
        for i in range(0, len(X_all), batch_size):
            loss = model.loss(model(X_all[i: i + batch_size]), Y_all[i: i + batch_size])
            optim.zero_grad()
            with torch.no_grad():
                loss.backward()
                clip_gradients(gradient_clip_val, model)
                optim.step()
            losses.append(loss.item())
    with torch.no_grad():
        ppl = d2l.exp(model.loss(model(X_all), Y_all))
    return losses, ppl
'''

RNN_SCRATCH = RNN_LM + '''

def check_len(a, n):  #@save
    """Check the length of a list."""
    assert len(a) == n, f'list\\'s length {len(a)} != expected length {n}'


def check_shape(a, shape):  #@save
    """Check the shape of a tensor."""
    assert a.shape == shape, \\
            f'tensor\\'s shape {a.shape} != expected shape {shape}'


batch_size, num_inputs, num_hiddens, num_steps_check = 2, 16, 32, 10
rnn = RNNScratch(num_inputs, num_hiddens)
X = d2l.ones((num_steps_check, batch_size, num_inputs))
outputs, state = rnn(X)
check_len(outputs, num_steps_check)
check_shape(outputs[0], (batch_size, num_hiddens))
check_shape(state, (batch_size, num_hiddens))
hot = F.one_hot(torch.tensor([0, 2]), 5)
model = RNNLMScratch(rnn, num_inputs)
outputs = model(d2l.ones((batch_size, num_steps_check), dtype=d2l.int64))
check_shape(outputs, (batch_size, num_steps_check, num_inputs))

rnn = RNNScratch(num_inputs=len(vocab), num_hiddens=32)
model = RNNLMScratch(rnn, vocab_size=len(vocab), lr=1)
losses, ppl = fit(model, max_epochs=4)
prediction = model.predict('it has', 20, vocab)
print(prediction, ppl)

rnn = RNN(num_inputs=len(vocab), num_hiddens=32)
concise = RNNLM(rnn, vocab_size=len(vocab), lr=1)
before = concise.predict('it has', 20, vocab)
concise_losses, concise_ppl = fit(concise, max_epochs=4)
print(concise.predict('it has', 20, vocab), concise_ppl)
'''

GRU_LSTM_SCRATCH = RNN_LM + '''

class GRUScratch(nn.Module):
    def __init__(self, num_inputs, num_hiddens, sigma=0.01):
        super().__init__()
        self.num_inputs, self.num_hiddens, self.sigma = num_inputs, num_hiddens, sigma
        
        init_weight = lambda *shape: nn.Parameter(d2l.randn(*shape) * sigma)
        triple = lambda: (init_weight(num_inputs, num_hiddens),
                          init_weight(num_hiddens, num_hiddens),
                          nn.Parameter(d2l.zeros(num_hiddens)))
            
        self.W_xz, self.W_hz, self.b_z = triple()  # Update gate
        self.W_xr, self.W_hr, self.b_r = triple()  # Reset gate
        self.W_xh, self.W_hh, self.b_h = triple()  # Candidate hidden state        

    def forward(self, inputs, H=None):
        if H is None:
            # Initial state with shape: (batch_size, num_hiddens)
            H = d2l.zeros((inputs.shape[1], self.num_hiddens),
                          device=inputs.device)
        outputs = []
        for X in inputs:
            Z = d2l.sigmoid(d2l.matmul(X, self.W_xz) +
                            d2l.matmul(H, self.W_hz) + self.b_z)
            R = d2l.sigmoid(d2l.matmul(X, self.W_xr) + 
                            d2l.matmul(H, self.W_hr) + self.b_r)
            H_tilde = d2l.tanh(d2l.matmul(X, self.W_xh) + 
                               d2l.matmul(R * H, self.W_hh) + self.b_h)
            H = Z * H + (1 - Z) * H_tilde
            outputs.append(H)
        return outputs, H


class LSTMScratch(nn.Module):
    def __init__(self, num_inputs, num_hiddens, sigma=0.01):
        super().__init__()
        self.num_inputs, self.num_hiddens, self.sigma = num_inputs, num_hiddens, sigma
        init_weight = lambda *shape: nn.Parameter(d2l.randn(*shape) * sigma)
        triple = lambda: (init_weight(num_inputs, num_hiddens),
                          init_weight(num_hiddens, num_hiddens),
                          nn.Parameter(d2l.zeros(num_hiddens)))
        self.W_xi, self.W_hi, self.b_i = triple()  # Input gate
        self.W_xf, self.W_hf, self.b_f = triple()  # Forget gate
        self.W_xo, self.W_ho, self.b_o = triple()  # Output gate
        self.W_xc, self.W_hc, self.b_c = triple()  # Input node

    def forward(self, inputs, H_C=None):
        if H_C is None:
            # Initial state with shape: (batch_size, num_hiddens)
            H = d2l.zeros((inputs.shape[1], self.num_hiddens),
                          device=inputs.device)
            C = d2l.zeros((inputs.shape[1], self.num_hiddens),
                          device=inputs.device)
        else:
            H, C = H_C
        outputs = []
        for X in inputs:
            I = d2l.sigmoid(d2l.matmul(X, self.W_xi) +
                            d2l.matmul(H, self.W_hi) + self.b_i)
            F = d2l.sigmoid(d2l.matmul(X, self.W_xf) +
                            d2l.matmul(H, self.W_hf) + self.b_f)
            O = d2l.sigmoid(d2l.matmul(X, self.W_xo) +
                            d2l.matmul(H, self.W_ho) + self.b_o)
            C_tilde = d2l.tanh(d2l.matmul(X, self.W_xc) +
                               d2l.matmul(H, self.W_hc) + self.b_c)
            C = F * C + I * C_tilde
            H = O * d2l.tanh(C)
            outputs.append(H)
        return outputs, (H, C)


class GRU(RNN):
    def __init__(self, num_inputs, num_hiddens):
        nn.Module.__init__(self)
        self.num_inputs, self.num_hiddens = num_inputs, num_hiddens
        self.rnn = nn.GRU(num_inputs, num_hiddens)


class LSTM(RNN):
    def __init__(self, num_inputs, num_hiddens):
        nn.Module.__init__(self)
        self.num_inputs, self.num_hiddens = num_inputs, num_hiddens
        self.rnn = nn.LSTM(num_inputs, num_hiddens)

    def forward(self, inputs, H_C=None):
        return self.rnn(inputs, H_C)


gru = GRUScratch(num_inputs=len(vocab), num_hiddens=32)
gru_model = RNNLMScratch(gru, vocab_size=len(vocab), lr=4)
gru_losses, gru_ppl = fit(gru_model, max_epochs=3)
print(gru_model.predict('it has', 10, vocab))

lstm = LSTMScratch(num_inputs=len(vocab), num_hiddens=32)
lstm_model = RNNLMScratch(lstm, vocab_size=len(vocab), lr=4)
lstm_losses, lstm_ppl = fit(lstm_model, max_epochs=3)
print(lstm_model.predict('it has', 10, vocab))

gru_concise = RNNLM(GRU(num_inputs=len(vocab), num_hiddens=32), vocab_size=len(vocab), lr=4)
gru_concise_losses, gru_concise_ppl = fit(gru_concise, max_epochs=3)
print(gru_concise.predict('it has', 10, vocab))

lstm_concise = RNNLM(LSTM(num_inputs=len(vocab), num_hiddens=32), vocab_size=len(vocab), lr=4)
lstm_concise_losses, lstm_concise_ppl = fit(lstm_concise, max_epochs=3)
print(lstm_concise.predict('it has', 10, vocab))
'''

BIDIRECTIONAL_AND_DEEP = RNN_LM + '''

class BiRNNScratch(nn.Module):
    def __init__(self, num_inputs, num_hiddens, sigma=0.01):
        super().__init__()
        self.num_inputs, self.num_hiddens, self.sigma = num_inputs, num_hiddens, sigma
        self.f_rnn = RNNScratch(num_inputs, num_hiddens, sigma)
        self.b_rnn = RNNScratch(num_inputs, num_hiddens, sigma)
        self.num_hiddens *= 2  # The output dimension will be doubled

    def forward(self, inputs, Hs=None):
        f_H, b_H = Hs if Hs is not None else (None, None)
        f_outputs, f_H = self.f_rnn(inputs, f_H)
        b_outputs, b_H = self.b_rnn(reversed(inputs), b_H)
        outputs = [d2l.concat((f, b), -1) for f, b in zip(
            f_outputs, reversed(b_outputs))]
        return outputs, (f_H, b_H)


class BiGRU(RNN):
    def __init__(self, num_inputs, num_hiddens):
        nn.Module.__init__(self)
        self.num_inputs, self.num_hiddens = num_inputs, num_hiddens
        self.rnn = nn.GRU(num_inputs, num_hiddens, bidirectional=True)
        self.num_hiddens *= 2


class StackedRNNScratch(nn.Module):
    def __init__(self, num_inputs, num_hiddens, num_layers, sigma=0.01):
        super().__init__()
        self.num_inputs, self.num_hiddens, self.num_layers, self.sigma = num_inputs, num_hiddens, num_layers, sigma
        self.rnns = nn.Sequential(*[RNNScratch(
            num_inputs if i==0 else num_hiddens, num_hiddens, sigma)
                                    for i in range(num_layers)])

    def forward(self, inputs, Hs=None):
        outputs = inputs
        if Hs is None: Hs = [None] * self.num_layers
        for i in range(self.num_layers):
            outputs, Hs[i] = self.rnns[i](outputs, Hs[i])
            outputs = d2l.stack(outputs, 0)
        return outputs, Hs


class GRU(RNN):  #@save
    """The multilayer GRU model."""
    def __init__(self, num_inputs, num_hiddens, num_layers, dropout=0):
        nn.Module.__init__(self)
        self.num_inputs, self.num_hiddens, self.num_layers = num_inputs, num_hiddens, num_layers
        self.rnn = nn.GRU(num_inputs, num_hiddens, num_layers,
                          dropout=dropout)


bi = BiRNNScratch(num_inputs=len(vocab), num_hiddens=16)
bi_outputs, (bi_f_H, bi_b_H) = bi(F.one_hot(X_all[:2].T, len(vocab)).type(torch.float32))
bi_model = RNNLMScratch(bi, vocab_size=len(vocab), lr=1)
bi_losses, bi_ppl = fit(bi_model, max_epochs=2)

bigru = RNNLM(BiGRU(num_inputs=len(vocab), num_hiddens=16), vocab_size=len(vocab), lr=1)
bigru_losses, bigru_ppl = fit(bigru, max_epochs=2)

rnn_block = StackedRNNScratch(num_inputs=len(vocab),
                              num_hiddens=32, num_layers=2)
deep_model = RNNLMScratch(rnn_block, vocab_size=len(vocab), lr=2)
deep_losses, deep_ppl = fit(deep_model, max_epochs=3)
print(deep_model.predict('it has', 10, vocab))

gru = GRU(num_inputs=len(vocab), num_hiddens=32, num_layers=2)
deep_concise = RNNLM(gru, vocab_size=len(vocab), lr=2)
deep_concise_losses, deep_concise_ppl = fit(deep_concise, max_epochs=3)
print(deep_concise.predict('it has', 10, vocab))
'''

# (no float64 variant: the chapters' one_hot makes float32 inputs, `F.one_hot(X.T, vocab_size).type(torch.float32)`)
PROGRAMS = {
    "RNN from scratch, gradient clipping, predict; nn.RNN": RNN_SCRATCH,
    "GRU and LSTM from scratch; nn.GRU, nn.LSTM": GRU_LSTM_SCRATCH,
    "bidirectional and stacked RNNs from scratch; BiGRU, 2-layer GRU": BIDIRECTIONAL_AND_DEEP,
}


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_d2l_program_runs_as_with_pytorch(name):
    torch_run, our_run = run_both(PROGRAMS[name])
    assert_same(torch_run, our_run, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_reversed_flips_the_first_dim_as_pytorch(dtype):
    """`reversed(inputs)` (d2l's BiRNNScratch): the tensor flipped along dim 0, gradients back through it; a 0-d
    tensor comes back as itself."""
    source = f'''
import torch
x = torch.randn(4, 2, 3, dtype=torch.{dtype}, requires_grad=True)
steps = list(reversed(x))
r = reversed(x)
weights = torch.arange(24, dtype=torch.{dtype}).reshape(4, 2, 3)
(r * weights).sum().backward()
grad = x.grad
scalar = torch.tensor(2.5, dtype=torch.{dtype})
same = reversed(scalar) is scalar
row = reversed(torch.tensor([1, 2, 3]))
'''
    torch_run, our_run = run_both(source)
    assert_same(torch_run, our_run, rtol=0, atol=0)
