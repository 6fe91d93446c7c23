"""Ready-made model builders for the examples and benchmarks (plain nn.Sequential, nothing hidden).

    model = seegrad.models.cnn1d()          # the MNIST-1D paper's CNN: (N, 40) -> (N, 10) logits
    model = seegrad.models.mlp(40, [100, 100], 10)
"""
from nn import GRU, Conv1d, Flatten, LeakyReLU, Linear, Module, ReLU, Sequential, Unflatten

__all__ = ["mlp", "cnn1d", "gru", "generator", "discriminator"]


def mlp(in_features=40, hidden=(100, 100), out_features=10, activation=ReLU):
    """Linear -> activation -> ... -> Linear, with ``hidden`` the widths of the hidden layers."""
    layers, width = [], in_features
    for h in hidden:
        layers += [Linear(width, h), activation()]
        width = h
    layers.append(Linear(width, out_features))
    return Sequential(*layers)


def cnn1d(in_length=40, num_classes=10, channels=25):
    """The MNIST-1D paper's CNN (Greydanus 2020, ``ConvBase``): three Conv1d layers with stride 2
    (kernels 5, 3, 3; padding 1) and ReLU, then one Linear on the flattened features.

    Input (N, in_length); for length 40 the feature map is 25 x 5 = 125."""
    length = in_length
    for k in (5, 3, 3):
        length = (length + 2 - k) // 2 + 1
    return Sequential(
        Unflatten(1, (1, in_length)),  # (N, L) -> (N, 1, L)
        Conv1d(1, channels, 5, stride=2, padding=1), ReLU(),
        Conv1d(channels, channels, 3, stride=2, padding=1), ReLU(),
        Conv1d(channels, channels, 3, stride=2, padding=1), ReLU(),
        Flatten(),
        Linear(channels * length, num_classes),
    )


class GRUClassifier(Module):
    """(N, L) -> a GRU reads one value per step -> all L outputs flattened -> Linear -> (N, classes)."""

    def __init__(self, in_length, num_classes, hidden_size, bidirectional):
        super().__init__()
        self.rnn = GRU(1, hidden_size, batch_first=True, bidirectional=bidirectional)
        self.linear = Linear(in_length * hidden_size * (2 if bidirectional else 1), num_classes)

    def forward(self, x):
        out, _ = self.rnn(x.unsqueeze(-1))  # (N, L, 1) -> (N, L, D*hidden)
        return self.linear(out.flatten(1))


def gru(in_length=40, num_classes=10, hidden_size=6, bidirectional=True):
    """The MNIST-1D paper's GRU (Greydanus 2020): a bidirectional GRU(1, 6) over the 40 samples,
    every step's output flattened into one Linear. Input (N, in_length)."""
    return GRUClassifier(in_length, num_classes, hidden_size, bidirectional)


def generator(latent_dim=2, hidden=128, out=2):
    """Noise (N, latent_dim) -> points (N, out): an MLP with two ReLU hidden layers."""
    return Sequential(Linear(latent_dim, hidden), ReLU(), Linear(hidden, hidden), ReLU(), Linear(hidden, out))


def discriminator(inp=2, hidden=128):
    """Points (N, inp) -> one logit each (N, 1): an MLP with two LeakyReLU(0.2) hidden layers."""
    return Sequential(Linear(inp, hidden), LeakyReLU(0.2), Linear(hidden, hidden), LeakyReLU(0.2),
                      Linear(hidden, 1))
