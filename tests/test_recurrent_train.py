"""Recurrent layers learn: an LSTM predicts the next value of sine waves of unknown frequency,
a GRU tells slow waves from fast ones."""
import numpy as np

import autograd as ag
import nn
import nn.functional as F
import optim


def sine_waves(n, length, rng):
    """(L, n, 1) inputs and the (L, n, 1) next values of sin(w t + phase), w and phase random per wave."""
    freq = rng.uniform(0.15, 0.45, (1, n, 1))
    phase = rng.uniform(0, 2 * np.pi, (1, n, 1))
    s = np.sin(freq * np.arange(length + 1).reshape(-1, 1, 1) + phase).astype(np.float32)
    return s[:-1], s[1:]


class NextStep(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(1, 16)
        self.head = nn.Linear(16, 1)

    def forward(self, x):
        out, _ = self.lstm(x)  # (L, N, 16)
        return self.head(out)  # (L, N, 1)


def test_lstm_learns_next_step_of_sine_waves():
    ag.manual_seed(0)
    rng = np.random.default_rng(0)
    model = NextStep()
    opt = optim.Adam(model.parameters(), lr=0.02)
    for _ in range(120):
        x, y = sine_waves(32, 30, rng)
        loss = F.mse_loss(model(ag.tensor(x)), ag.tensor(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
    x, y = sine_waves(200, 30, np.random.default_rng(1))
    with ag.no_grad():
        pred = model(ag.tensor(x)).numpy()
    # after 5 steps the LSTM has seen enough of the wave to know its frequency
    mse = float(((pred[5:] - y[5:]) ** 2).mean())
    copy_last = float(((x[5:] - y[5:]) ** 2).mean())  # the naive forecast: "same as now" (about 0.05)
    assert mse < 0.005, mse
    assert mse < copy_last / 10, (mse, copy_last)


def test_gru_classifies_slow_and_fast_waves():
    ag.manual_seed(1)
    rng = np.random.default_rng(1)

    def batch(n):
        fast = rng.integers(0, 2, n)
        freq = np.where(fast, 0.6, 0.3)[:, None] * rng.uniform(0.8, 1.2, (n, 1))
        t = np.arange(20)[None, :]
        x = np.sin(freq * t + rng.uniform(0, 2 * np.pi, (n, 1))) + 0.1 * rng.standard_normal((n, 20))
        return ag.tensor(x[..., None].astype(np.float32)), ag.tensor(fast)

    gru, head = nn.GRU(1, 8, batch_first=True), nn.Linear(8, 2)
    opt = optim.Adam(list(gru.parameters()) + list(head.parameters()), lr=0.03)
    for _ in range(60):
        x, y = batch(32)
        _, h = gru(x)  # h (1, N, 8): the last hidden state
        loss = F.cross_entropy(head(h[0]), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    x, y = batch(500)
    with ag.no_grad():
        acc = float((head(gru(x)[1][0]).numpy().argmax(1) == y.numpy()).mean())
    assert acc > 0.9, acc
