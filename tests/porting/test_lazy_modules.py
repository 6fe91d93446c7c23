"""Lazy modules (nn.LazyLinear, nn.LazyConv1d/2d/3d, nn.LazyConvTranspose1d/2d, nn.LazyBatchNorm1d/2d/3d) as
Dive into Deep Learning (d2l.ai, the PyTorch edition) writes its models with them: LeNet and its batch-norm
variant, a ResNet with residual blocks, an MLP; `apply_init`'s dry run followed by `net.apply(init_cnn)` (which
tests `type(module) == nn.Linear`: the layer must have become one), an optimizer made before the first
forward, a state dict loaded into a lazy model. Each runs with PyTorch and with this project under torch's
names (harness.py): the initial values are drawn at the first forward in both, in the same order."""
import numpy as np
import pytest

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

import autograd as ag  # noqa: E402
import nn  # noqa: E402

D2L_LENET = '''
import torch
from torch import nn
from torch.nn import functional as F


def init_cnn(module):  #@save
    """Initialize weights for CNNs."""
    if type(module) == nn.Linear or type(module) == nn.Conv2d:
        nn.init.xavier_uniform_(module.weight)


class LeNet(nn.Module):  #@save
    """The LeNet-5 model."""
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.net = nn.Sequential(
            nn.LazyConv2d(6, kernel_size=5, padding=2), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.LazyConv2d(16, kernel_size=5), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.LazyLinear(120), nn.Sigmoid(),
            nn.LazyLinear(84), nn.Sigmoid(),
            nn.LazyLinear(num_classes))

    def forward(self, X):
        return self.net(X)

    def apply_init(self, inputs, init=None):
        self.forward(*inputs)
        if init is not None:
            self.net.apply(init)

    def layer_summary(self, X_shape):
        X = torch.randn(*X_shape)
        for layer in self.net:
            X = layer(X)
            print(layer.__class__.__name__, 'output shape:\\t', X.shape)


model = LeNet()
print(model)
model.layer_summary((1, 1, 28, 28))
print(model)
model = LeNet(lr=0.1)
X = torch.rand(16, 1, 28, 28)
y = torch.randint(0, 10, (16,))
model.apply_init([X[:1]], init_cnn)
optimizer = torch.optim.SGD(model.parameters(), lr=0.9)
for epoch in range(3):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(X), y)
    loss.backward()
    optimizer.step()
    print(f"epoch {epoch}: loss {loss.item():.5f}")
'''

D2L_BATCHNORM_LENET = '''
import torch
from torch import nn
from torch.nn import functional as F

torch.manual_seed(3)
net = nn.Sequential(
    nn.LazyConv2d(6, kernel_size=5), nn.LazyBatchNorm2d(),
    nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
    nn.LazyConv2d(16, kernel_size=5), nn.LazyBatchNorm2d(),
    nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Flatten(), nn.LazyLinear(120), nn.LazyBatchNorm1d(),
    nn.Sigmoid(), nn.LazyLinear(84), nn.LazyBatchNorm1d(),
    nn.Sigmoid(), nn.LazyLinear(10))
trainer = torch.optim.SGD(net.parameters(), lr=0.1)     # made before the first forward: same parameter objects
X, y = torch.rand(8, 1, 28, 28), torch.randint(0, 10, (8,))
for step in range(3):
    trainer.zero_grad()
    loss = F.cross_entropy(net(X), y)
    loss.backward()
    trainer.step()
net.eval()
scores = net(X)
gamma = net[1].weight.reshape((-1,))
beta = net[1].bias.reshape((-1,))
kinds = [type(layer).__name__ for layer in net]
'''

D2L_RESNET = '''
import torch
from torch import nn
from torch.nn import functional as F


class Residual(nn.Module):  #@save
    """The Residual block of ResNet models."""
    def __init__(self, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1,
                                   stride=strides)
        self.conv2 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1)
        if use_1x1conv:
            self.conv3 = nn.LazyConv2d(num_channels, kernel_size=1,
                                       stride=strides)
        else:
            self.conv3 = None
        self.bn1 = nn.LazyBatchNorm2d()
        self.bn2 = nn.LazyBatchNorm2d()

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        Y += X
        return F.relu(Y)


blk = Residual(3)
X = torch.randn(4, 3, 6, 6)
same_shape = blk(X).shape
blk = Residual(6, use_1x1conv=True, strides=2)
halved = blk(X).shape


def b1():
    return nn.Sequential(
        nn.LazyConv2d(8, kernel_size=7, stride=2, padding=3),
        nn.LazyBatchNorm2d(), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1))


def block(num_residuals, num_channels, first_block=False):
    blk = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blk.append(Residual(num_channels, use_1x1conv=True, strides=2))
        else:
            blk.append(Residual(num_channels))
    return nn.Sequential(*blk)


net = nn.Sequential(b1())
arch = ((1, 8), (1, 16))
for i, b in enumerate(arch):
    net.add_module(f'b{i+2}', block(*b, first_block=(i==0)))
net.add_module('last', nn.Sequential(
    nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
    nn.LazyLinear(10)))
images, labels = torch.randn(6, 1, 24, 24), torch.randint(0, 10, (6,))
net(images[:1])
opt = torch.optim.SGD(net.parameters(), lr=0.05)   # d2l.Module.configure_optimizers
for step in range(2):
    opt.zero_grad()
    loss = F.cross_entropy(net(images), labels)
    loss.backward()
    opt.step()
    print(step, loss.item())
'''

LAZY_MISC = '''
import torch
from torch import nn

torch.manual_seed(0)
mlp = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(2))
before = [type(p).__name__ for p in mlp.parameters()]
lazy_keys = list(mlp.state_dict().keys())
out = mlp(torch.randn(5, 3))
after = [type(p).__name__ for p in mlp.parameters()]
text = repr(mlp)
loaded = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(2))
result = loaded.load_state_dict(mlp.state_dict())
same = loaded(torch.ones(2, 3))
loaded_text = repr(loaded)

seq = nn.LazyConv1d(4, 3, groups=2, bias=False)
y1 = seq(torch.randn(2, 6, 10))
unbatched = nn.LazyConv1d(3, 2)(torch.randn(5, 7))
up = nn.LazyConvTranspose2d(3, 2, stride=2)
y2 = up(torch.randn(1, 5, 4, 4))
up_weight_shape = up.weight.shape
vol = nn.LazyConv3d(2, 2)
y3 = vol(torch.randn(1, 3, 3, 3, 3))
bn = nn.LazyBatchNorm1d(affine=False)
y4 = bn(torch.randn(6, 4, 3))
bn3 = nn.LazyBatchNorm3d(momentum=None)
y5 = bn3(torch.randn(2, 3, 2, 2, 2))
t1 = nn.LazyConvTranspose1d(2, 3, padding=1)
y6 = t1(torch.randn(2, 4, 5))
double = nn.LazyLinear(3, dtype=torch.float64)
y7 = double(torch.randn(2, 4, dtype=torch.float64))
'''

PROGRAMS = {"d2l LeNet": D2L_LENET, "d2l batch-norm LeNet": D2L_BATCHNORM_LENET, "d2l ResNet": D2L_RESNET,
            "lazy layers, state dicts": LAZY_MISC}


@pytest.mark.parametrize("name", PROGRAMS)
def test_lazy_program_runs_as_with_pytorch(name):
    torch_run, our_run = run_both(PROGRAMS[name])
    assert_same(torch_run, our_run, rtol=2e-4, atol=2e-5)


def test_uninitialized_parameter_refuses_what_needs_a_shape():
    layer = nn.LazyLinear(4)
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
        layer.weight.shape
    assert repr(layer.weight) == repr(torch.nn.LazyLinear(4).weight) == "<UninitializedParameter>"
    assert repr(layer) == repr(torch.nn.LazyLinear(4)) == "LazyLinear(in_features=0, out_features=4, bias=True)"
    with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D \\(batched\\) input to LazyConv2d, "
                                           "but got input of size: \\(2, 3\\)"):
        nn.LazyConv2d(3, 2)(ag.ones(2, 3))
    with pytest.raises(RuntimeError, match="Expected 3D"):
        torch.nn.LazyConv2d(3, 2)(torch.ones(2, 3))
    # a failed first forward leaves the module lazy (nothing drawn, nothing sized)
    conv = nn.LazyConv2d(3, 2)
    with pytest.raises(RuntimeError):
        conv(ag.ones(2, 3))
    assert type(conv) is nn.LazyConv2d and conv.in_channels == 0


def test_uninitialized_checkpoint_into_an_initialized_model_is_refused_whole():
    """A state dict saved before the first forward holds no values: loading it into a sized model is an error
    naming the key, and nothing is copied (the bias that could have been is left alone)."""
    lazy = nn.Sequential(nn.LazyLinear(2))
    sized = nn.Sequential(nn.Linear(3, 2))
    before = sized[0].bias.detach().numpy().copy()
    state = lazy.state_dict()
    state["0.bias"] = ag.zeros(2)
    with pytest.raises(RuntimeError, match='"0.weight", the checkpoint\'s tensor is uninitialized'):
        sized.load_state_dict(state)
    np.testing.assert_array_equal(sized[0].bias.detach().numpy(), before)


def test_deepcopy_and_pickle_of_a_lazy_model_stay_lazy():
    import copy
    import pickle

    net = nn.Sequential(nn.LazyLinear(3), nn.LazyBatchNorm1d())
    for clone in (copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        assert type(clone[0]) is nn.LazyLinear and type(clone[0].weight) is nn.UninitializedParameter
        out = clone(ag.ones(4, 5))
        assert tuple(out.shape) == (4, 3) and type(clone[0]) is nn.Linear and clone[0].in_features == 5
    assert type(net[0]) is nn.LazyLinear  # the original is untouched
