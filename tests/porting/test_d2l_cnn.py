"""Dive into Deep Learning (d2l.ai, the PyTorch edition), its convolution chapters and batch normalization as
written there: corr2d by hand (`Y[i, j] = (X[i: i + h, j: j + w] * K).sum()` in a loop), the Conv2D module on it,
the edge detector and learning its kernel with `conv2d.weight.data[:] -= lr * conv2d.weight.grad`, padding and
strides through `comp_conv2d`, multi-input/output channels (`sum` over a zip, `stack`, the 1x1 convolution as a
matmul), pooling by hand next to nn.MaxPool2d with padding and strides, and batch normalization from scratch
(`batch_norm` with its moving averages kept through `.data`, train mode told by `torch.is_grad_enabled()`) in
the BN-LeNet, trained a few steps, next to the concise nn.LazyBatchNorm version.

d2l's framework (Trainer, FashionMNIST) is replaced by a plain loop on small synthetic images drawn with torch;
d2l's aliases (d2l.zeros, d2l.reduce_sum...) are d2l/torch.py's. Each program runs with PyTorch and with this
project under torch's names (harness.py): every value left and every number printed agree."""
import pytest

from harness import assert_same, assert_same_in_float64, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

D2L = '''
import types

import torch
from torch import nn
from torch.nn import functional as F

d2l = types.SimpleNamespace(  # d2l/torch.py's aliases
    zeros=torch.zeros, ones=torch.ones, tensor=torch.tensor, arange=torch.arange, normal=torch.normal,
    matmul=torch.matmul, concat=torch.cat, stack=torch.stack, abs=torch.abs, float32=torch.float32,
    reshape=lambda x, *args, **kwargs: x.reshape(*args, **kwargs),
    reduce_sum=lambda x, *args, **kwargs: x.sum(*args, **kwargs),
    transpose=lambda x, *args, **kwargs: x.t(*args, **kwargs))
'''

CONV_LAYER = D2L + '''

def corr2d(X, K):  #@save
    """Compute 2D cross-correlation."""
    h, w = K.shape
    Y = d2l.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = d2l.reduce_sum((X[i: i + h, j: j + w] * K))
    return Y


X = d2l.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
K = d2l.tensor([[0.0, 1.0], [2.0, 3.0]])
first = corr2d(X, K)


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias


X = d2l.ones((6, 8))
X[:, 2:6] = 0
print(X)
K = d2l.tensor([[1.0, -1.0]])
Y = corr2d(X, K)
print(Y)
transposed = corr2d(d2l.transpose(X), K)

scratch = Conv2D((1, 2))  # the module from scratch, through corr2d's index assignments: gradients flow
scratch_out = scratch(X)
(scratch_out - Y).pow(2).sum().backward()
scratch_grads = [scratch.weight.grad, scratch.bias.grad]

# Construct a two-dimensional convolutional layer with 1 output channel and a
# kernel of shape (1, 2). For the sake of simplicity, we ignore the bias here
conv2d = nn.LazyConv2d(1, kernel_size=(1, 2), bias=False)

# The two-dimensional convolutional layer uses four-dimensional input and
# output in the format of (example, channel, height, width), where the batch
# size (number of examples in the batch) and the number of channels are both 1
X = X.reshape((1, 1, 6, 8))
Y = Y.reshape((1, 1, 6, 7))
lr = 3e-2  # Learning rate

for i in range(10):
    Y_hat = conv2d(X)
    l = (Y_hat - Y) ** 2
    conv2d.zero_grad()
    l.sum().backward()
    # Update the kernel
    conv2d.weight.data[:] -= lr * conv2d.weight.grad
    if (i + 1) % 2 == 0:
        print(f'epoch {i + 1}, loss {l.sum():.3f}')
kernel = d2l.reshape(conv2d.weight.data, (1, 2))
print(kernel)
'''

PADDING_AND_STRIDES = '''
import torch
from torch import nn


# We define a helper function to calculate convolutions. It initializes the
# convolutional layer weights and performs corresponding dimensionality
# elevations and reductions on the input and output
def comp_conv2d(conv2d, X):
    # (1, 1) indicates that batch size and the number of channels are both 1
    X = X.reshape((1, 1) + X.shape)
    Y = conv2d(X)
    # Strip the first two dimensions: examples and channels
    return Y.reshape(Y.shape[2:])


# 1 row and column is padded on either side, so a total of 2 rows or columns
# are added
conv2d = nn.LazyConv2d(1, kernel_size=3, padding=1)
X = torch.rand(size=(8, 8))
out_1 = comp_conv2d(conv2d, X)
print(out_1.shape)
# We use a convolution kernel with height 5 and width 3. The padding on either
# side of the height and width are 2 and 1, respectively
conv2d = nn.LazyConv2d(1, kernel_size=(5, 3), padding=(2, 1))
out_2 = comp_conv2d(conv2d, X)
conv2d = nn.LazyConv2d(1, kernel_size=3, padding=1, stride=2)
out_3 = comp_conv2d(conv2d, X)
conv2d = nn.LazyConv2d(1, kernel_size=(3, 5), padding=(0, 1), stride=(3, 4))
out_4 = comp_conv2d(conv2d, X)
print(out_2.shape, out_3.shape, out_4.shape)
'''

CHANNELS = CONV_LAYER.split("X = d2l.tensor(")[0] + '''

def corr2d_multi_in(X, K):
    # Iterate through the 0th dimension (channel) of K first, then add them up
    return sum(corr2d(x, k) for x, k in zip(X, K))


X = d2l.tensor([[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]],
               [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]])
K = d2l.tensor([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]])
multi_in = corr2d_multi_in(X, K)


def corr2d_multi_in_out(X, K):
    # Iterate through the 0th dimension of K, and each time, perform
    # cross-correlation operations with input X. All of the results are
    # stacked together
    return d2l.stack([corr2d_multi_in(X, k) for k in K], 0)


K = d2l.stack((K, K + 1, K + 2), 0)
print(K.shape)
multi_in_out = corr2d_multi_in_out(X, K)


def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    X = d2l.reshape(X, (c_i, h * w))
    K = d2l.reshape(K, (c_o, c_i))
    # Matrix multiplication in the fully connected layer
    Y = d2l.matmul(K, X)
    return d2l.reshape(Y, (c_o, h, w))


X = d2l.normal(0, 1, (3, 3, 3))
K = d2l.normal(0, 1, (2, 3, 1, 1))
Y1 = corr2d_multi_in_out_1x1(X, K)
Y2 = corr2d_multi_in_out(X, K)
assert float(d2l.reduce_sum(d2l.abs(Y1 - Y2))) < 1e-6
by_conv = F.conv2d(X[None], K)[0]  # (and what a convolution layer computes)
'''

POOLING = D2L + '''

def pool2d(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    Y = d2l.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            if mode == 'max':
                Y[i, j] = X[i: i + p_h, j: j + p_w].max()
            elif mode == 'avg':
                Y[i, j] = X[i: i + p_h, j: j + p_w].mean()
    return Y


X = d2l.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
max_pooled = pool2d(X, (2, 2))
avg_pooled = pool2d(X, (2, 2), 'avg')
X = d2l.reshape(d2l.arange(16, dtype=d2l.float32), (1, 1, 4, 4))
print(X)
pool2d = nn.MaxPool2d(3)
# Pooling has no model parameters, hence it needs no initialization
out_1 = pool2d(X)
pool2d = nn.MaxPool2d(3, padding=1, stride=2)
out_2 = pool2d(X)
pool2d = nn.MaxPool2d((2, 3), stride=(2, 3), padding=(0, 1))
out_3 = pool2d(X)
X = d2l.concat((X, X + 1), 1)
pool2d = nn.MaxPool2d(3, padding=1, stride=2)
out_4 = pool2d(X)
print(out_1, out_2, out_3, out_4)
'''

BATCH_NORM = '''
import torch
from torch import nn
from torch.nn import functional as F


def batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum):
    # Use is_grad_enabled to determine whether we are in training mode
    if not torch.is_grad_enabled():
        # In prediction mode, use mean and variance obtained by moving average
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
    else:
        assert len(X.shape) in (2, 4)
        if len(X.shape) == 2:
            # When using a fully connected layer, calculate the mean and
            # variance on the feature dimension
            mean = X.mean(dim=0)
            var = ((X - mean) ** 2).mean(dim=0)
        else:
            # When using a two-dimensional convolutional layer, calculate the
            # mean and variance on the channel dimension (axis=1). Here we
            # need to maintain the shape of X, so that the broadcasting
            # operation can be carried out later
            mean = X.mean(dim=(0, 2, 3), keepdim=True)
            var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
        # In training mode, the current mean and variance are used 
        X_hat = (X - mean) / torch.sqrt(var + eps)
        # Update the mean and variance using moving average
        moving_mean = (1.0 - momentum) * moving_mean + momentum * mean
        moving_var = (1.0 - momentum) * moving_var + momentum * var
    Y = gamma * X_hat + beta  # Scale and shift
    return Y, moving_mean.data, moving_var.data


class BatchNorm(nn.Module):
    # num_features: the number of outputs for a fully connected layer or the
    # number of output channels for a convolutional layer. num_dims: 2 for a
    # fully connected layer and 4 for a convolutional layer
    def __init__(self, num_features, num_dims):
        super().__init__()
        if num_dims == 2:
            shape = (1, num_features)
        else:
            shape = (1, num_features, 1, 1)
        # The scale parameter and the shift parameter (model parameters) are
        # initialized to 1 and 0, respectively
        self.gamma = nn.Parameter(torch.ones(shape))
        self.beta = nn.Parameter(torch.zeros(shape))
        # The variables that are not model parameters are initialized to 0 and
        # 1
        self.moving_mean = torch.zeros(shape)
        self.moving_var = torch.ones(shape)

    def forward(self, X):
        # If X is not on the main memory, copy moving_mean and moving_var to
        # the device where X is located
        if self.moving_mean.device != X.device:
            self.moving_mean = self.moving_mean.to(X.device)
            self.moving_var = self.moving_var.to(X.device)
        # Save the updated moving_mean and moving_var
        Y, self.moving_mean, self.moving_var = batch_norm(
            X, self.gamma, self.beta, self.moving_mean,
            self.moving_var, eps=1e-5, momentum=0.1)
        return Y


def init_cnn(module):  #@save
    """Initialize weights for CNNs."""
    if type(module) == nn.Linear or type(module) == nn.Conv2d:
        nn.init.xavier_uniform_(module.weight)


class BNLeNetScratch(nn.Module):
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.lr = lr
        self.net = nn.Sequential(
            nn.LazyConv2d(6, kernel_size=5), BatchNorm(6, num_dims=4),
            nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
            nn.LazyConv2d(16, kernel_size=5), BatchNorm(16, num_dims=4),
            nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(), nn.LazyLinear(120),
            BatchNorm(120, num_dims=2), nn.Sigmoid(), nn.LazyLinear(84),
            BatchNorm(84, num_dims=2), nn.Sigmoid(),
            nn.LazyLinear(num_classes))

    def forward(self, X):
        return self.net(X)

    def apply_init(self, inputs, init=None):
        self.forward(*inputs)
        if init is not None:
            self.net.apply(init)


class BNLeNet(BNLeNetScratch):
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__(lr, num_classes)
        self.net = nn.Sequential(
            nn.LazyConv2d(6, kernel_size=5), nn.LazyBatchNorm2d(),
            nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
            nn.LazyConv2d(16, kernel_size=5), nn.LazyBatchNorm2d(),
            nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(), nn.LazyLinear(120), nn.LazyBatchNorm1d(),
            nn.Sigmoid(), nn.LazyLinear(84), nn.LazyBatchNorm1d(),
            nn.Sigmoid(), nn.LazyLinear(num_classes))


images = torch.rand(16, 1, 28, 28)
labels = torch.randint(0, 10, (16,))


def train(model, steps=3):
    model.apply_init([images[:8]], init_cnn)
    optimizer = torch.optim.SGD(model.parameters(), lr=model.lr)
    losses = []
    for step in range(steps):
        for batch in range(2):
            X, y = images[8 * batch: 8 * batch + 8], labels[8 * batch: 8 * batch + 8]
            loss = F.cross_entropy(model(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses


model = BNLeNetScratch(lr=0.1)
scratch_losses = train(model)
gamma, beta = model.net[1].gamma.reshape((-1,)), model.net[1].beta.reshape((-1,))
moving = [model.net[1].moving_mean, model.net[1].moving_var, model.net[10].moving_mean, model.net[10].moving_var]
with torch.no_grad():
    predicted = model(images)  # prediction mode: the moving averages

concise = BNLeNet(lr=0.1)
concise_losses = train(concise)
concise.eval()
concise_predicted = concise(images)
'''

PROGRAMS = {
    "corr2d, Conv2D and learning a kernel": CONV_LAYER,
    "padding and strides": PADDING_AND_STRIDES,
    "multiple input and output channels": CHANNELS,
    "pooling by hand and nn.MaxPool2d": POOLING,
    "batch normalization from scratch (BN-LeNet) and concise": BATCH_NORM,
}


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_d2l_program_runs_as_with_pytorch(name):
    torch_run, our_run = run_both(PROGRAMS[name])
    assert_same(torch_run, our_run, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_d2l_program_runs_as_with_pytorch_in_float64(name):
    """The same program with float64 as the default dtype (torch.set_default_dtype), to float64's precision."""
    assert_same_in_float64(PROGRAMS[name])
