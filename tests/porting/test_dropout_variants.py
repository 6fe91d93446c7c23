"""Dropout1d/2d/3d, AlphaDropout and FeatureAlphaDropout (and their F functions) against PyTorch.

The masks are random, so the programs run under the harness (harness.py), which replays PyTorch's own
masks: what is compared is everything else (which entries a channel's draw covers, the scaling, alpha
dropout's shift, the gradients, eval mode, the rules for unusual numbers of dims and their warnings)."""
import warnings

import numpy as np
import pytest

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

import autograd as ag  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402

CHANNEL_DROPOUT = '''
import torch
import torch.nn as nn
import torch.nn.functional as F

x = torch.randn(4, 6, 5, 5, requires_grad=True)
drop = nn.Dropout2d(p=0.3)
y2 = drop(x)
(y2 * torch.arange(150.).view(6, 5, 5)).sum().backward()
grad2 = x.grad.clone()
zeroed_planes = (y2.detach().abs().sum((2, 3)) == 0).sum().item()

seq = torch.randn(3, 8, 7, requires_grad=True)
y1 = nn.Dropout1d(0.5)(seq)
y1.pow(2).sum().backward()
unbatched1 = F.dropout1d(torch.randn(8, 7), 0.4)
vol = torch.randn(2, 3, 2, 3, 4, requires_grad=True)
y3 = nn.Dropout3d(0.25)(vol)
(y3 * 3).sum().backward()
unbatched3 = F.dropout3d(torch.randn(3, 2, 3, 4), 0.6)

three_d = F.dropout2d(torch.randn(2, 5, 9), 0.5)        # read as (N, C, L), with PyTorch's warning
two_d = F.dropout2d(torch.randn(6, 10), 0.5)            # dropped per entry (deprecated form)
inplace = torch.randn(2, 4, 3, 3)
F.dropout2d(inplace, 0.5, True, True)

drop.eval()
same_in_eval = torch.equal(drop(x), x)
everything = F.dropout2d(torch.randn(2, 3, 4, 4), 1.0)
nothing = F.dropout2d(torch.randn(2, 3, 4, 4), 0.0)
'''

ALPHA_DROPOUT = '''
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(10, 32), nn.SELU(), nn.AlphaDropout(0.2), nn.Linear(32, 16), nn.SELU(),
                    nn.AlphaDropout(0.1), nn.Linear(16, 1))
opt = torch.optim.SGD(net.parameters(), lr=0.01)
x, y = torch.randn(64, 10), torch.randn(64, 1)
losses = []
for step in range(5):
    opt.zero_grad()
    loss = F.mse_loss(net(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
net.eval()
eval_out = net(x)

images = torch.randn(3, 4, 5, 5, requires_grad=True)
feat = nn.FeatureAlphaDropout(0.3)(images)
(feat * feat).sum().backward()
image_grad = images.grad
function_default_is_identity = torch.equal(F.alpha_dropout(x, 0.5), x)   # training=False by default
function_trained = F.alpha_dropout(x, 0.5, training=True)
feature_function = F.feature_alpha_dropout(torch.randn(2, 3, 4), 0.4, True)
all_dropped = F.alpha_dropout(x, 1.0, True)
'''

MNIST_RNN = '''
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.rnn = nn.LSTM(input_size=28, hidden_size=64, batch_first=True)
        self.batchnorm = nn.BatchNorm1d(64)
        self.dropout1 = nn.Dropout2d(0.25)
        self.dropout2 = nn.Dropout2d(0.5)
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, input):
        # Shape of input is (batch_size,1, 28, 28)
        # converting shape of input to (batch_size, 28, 28)
        # as required by RNN when batch_first is set True
        input = input.reshape(-1, 28, 28)
        output, hidden = self.rnn(input)

        # RNN output shape is (seq_len, batch, input_size)
        # Get last output of RNN
        output = output[:, -1, :]
        output = self.batchnorm(output)
        output = self.dropout1(output)
        output = self.fc1(output)
        output = F.relu(output)
        output = self.dropout2(output)
        output = self.fc2(output)
        output = F.log_softmax(output, dim=1)
        return output


torch.manual_seed(1)
images = torch.rand(48, 1, 28, 28)
labels = torch.randint(0, 10, (48,))
train_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels), batch_size=16,
                                           shuffle=True)
model = Net()
optimizer = optim.Adadelta(model.parameters(), lr=0.1)
scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
for epoch in range(1, 3):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        print('Train Epoch: {} [{}/{}]\\tLoss: {:.6f}'.format(epoch, batch_idx * len(data),
                                                             len(train_loader.dataset), loss.item()))
    scheduler.step()
model.eval()
with torch.no_grad():
    output = model(images)
    test_loss = F.nll_loss(output, labels, reduction='sum').item() / len(images)
    pred = output.argmax(dim=1, keepdim=True)
    correct = pred.eq(labels.view_as(pred)).sum().item()
print('Test set: Average loss: {:.4f}, Accuracy: {}/{}'.format(test_loss, correct, len(images)))
'''

PROGRAMS = {"channel dropout": CHANNEL_DROPOUT, "alpha dropout": ALPHA_DROPOUT,
            "pytorch/examples mnist_rnn (Dropout2d on (N, C))": MNIST_RNN}


@pytest.mark.parametrize("name", PROGRAMS)
def test_dropout_programs_run_as_with_pytorch(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (dropout2d's deprecation warnings, from both libraries)
        torch_run, our_run = run_both(PROGRAMS[name])
    assert_same(torch_run, our_run, rtol=1e-5, atol=1e-6)


def test_channel_dropout_zeroes_whole_channels():
    """Without the harness: every (n, c) plane is all kept (scaled by 1/(1-p)) or all zero, and about p of them
    are zero."""
    ag.manual_seed(0)
    x = ag.ones(64, 32, 3, 3)
    y = F.dropout2d(x, 0.25).numpy()
    planes = y.reshape(64 * 32, 9)
    assert set(np.unique(planes)) <= {0.0, np.float32(1 / 0.75)}
    assert (planes.min(1) == planes.max(1)).all()
    assert abs((planes[:, 0] == 0).mean() - 0.25) < 0.03


@pytest.mark.parametrize("p", [0.1, 0.5])
def test_alpha_dropout_keeps_mean_and_variance(p):
    """SELU's fixed point (mean 0, variance 1) survives alpha dropout, as its formula promises; dropped entries
    all take one value, the negative saturation scaled and shifted."""
    ag.manual_seed(0)
    x = ag.randn(400_000, dtype=ag.float64)
    y = F.alpha_dropout(x, p, training=True).numpy()
    assert abs(y.mean()) < 0.01 and abs(y.var() - 1) < 0.01
    a = 1 / np.sqrt((1.7580993408473766 ** 2 * p + 1) * (1 - p))
    dropped = -a * 1.7580993408473766 * (1 - p)
    assert abs((np.isclose(y, dropped)).mean() - p) < 0.01


def test_errors_and_warnings_are_pytorchs():
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a 4D input"):
        F.dropout1d(ag.ones(1, 2, 3, 4))
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
        torch.nn.functional.dropout1d(torch.ones(1, 2, 3, 4))  # (PyTorch's own: the same kind of error)
    for op in (F.dropout1d, F.dropout2d, F.dropout3d, F.alpha_dropout, F.feature_alpha_dropout):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
            op(ag.ones(2, 3, 4), 1.5)
    for module in (nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got -0.1"):
            module(-0.1)
    with pytest.warns(UserWarning, match="dropout2d: Received a 3D input"):
        F.dropout2d(ag.ones(2, 3, 4))
    with pytest.warns(UserWarning, match="dropout2d: Received a 2-D input to dropout2d, which is deprecated"):
        F.dropout2d(ag.ones(2, 3))
    with pytest.warns(UserWarning, match="dropout3d: Received a 3-D input"):
        F.dropout3d(ag.ones(2, 3, 4))
    with pytest.raises(RuntimeError, match="feature_alpha_dropout: Feature dropout requires at least 2 dimensions"):
        F.feature_alpha_dropout(ag.ones(5), 0.5, True)
    assert repr(nn.Dropout2d(0.3)) == repr(torch.nn.Dropout2d(0.3)) == "Dropout2d(p=0.3, inplace=False)"
