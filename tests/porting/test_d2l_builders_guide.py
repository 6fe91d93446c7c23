"""Dive into Deep Learning (d2l.ai, the PyTorch edition), its builders' guide as written there: model
construction (MLP, MySequential with add_module and children(), FixedHiddenMLP with a constant random weight,
a reused layer and a while loop on `X.abs().sum()`, NestMLP in a chimera), parameter access (`net[2].state_dict()`,
`.bias.data`, `named_parameters`, a shared layer whose weight changes under both names), parameter init
(`net.apply` with normal_/zeros_/constant_/xavier_uniform_, the custom init
`module.weight.data *= module.weight.data.abs() >= 5`, `weight.data[:] += 1`), custom layers (CenteredLayer,
MyLinear on `.data`) and file I/O (torch.save/torch.load of a tensor, a list, a dict and a state dict, in a
temporary directory instead of the working one).

A notebook's displayed expressions are printed or kept under a name. Each program runs with PyTorch and with
this project under torch's names (harness.py): every value left and every number printed agree."""
import pytest

from harness import assert_same, assert_same_in_float64, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

MODEL_CONSTRUCTION = '''
import torch
from torch import nn
from torch.nn import functional as F

net = nn.Sequential(nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))
X = torch.rand(2, 20)
print(net(X).shape)


class MLP(nn.Module):
    def __init__(self):
        # Call the constructor of the parent class nn.Module to perform
        # the necessary initialization
        super().__init__()
        self.hidden = nn.LazyLinear(256)
        self.out = nn.LazyLinear(10)

    # Define the forward propagation of the model, that is, how to return the
    # required model output based on the input X
    def forward(self, X):
        return self.out(F.relu(self.hidden(X)))


net = MLP()
mlp_out = net(X)


class MySequential(nn.Module):
    def __init__(self, *args):
        super().__init__()
        for idx, module in enumerate(args):
            self.add_module(str(idx), module)

    def forward(self, X):
        for module in self.children():            
            X = module(X)
        return X


my_seq = MySequential(nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))
my_seq_out = my_seq(X)
print(my_seq)


class FixedHiddenMLP(nn.Module):
    def __init__(self):
        super().__init__()
        # Random weight parameters that will not compute gradients and
        # therefore keep constant during training
        self.rand_weight = torch.rand((20, 20))
        self.linear = nn.LazyLinear(20)

    def forward(self, X):
        X = self.linear(X)        
        X = F.relu(X @ self.rand_weight + 1)
        # Reuse the fully connected layer. This is equivalent to sharing
        # parameters with two fully connected layers
        X = self.linear(X)
        # Control flow
        while X.abs().sum() > 1:
            X /= 2
        return X.sum()


fixed = FixedHiddenMLP()
fixed_out = fixed(X)
fixed_out.backward()
fixed_grad = fixed.linear.weight.grad


class NestMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.LazyLinear(64), nn.ReLU(),
                                 nn.LazyLinear(32), nn.ReLU())
        self.linear = nn.LazyLinear(16)

    def forward(self, X):
        return self.linear(self.net(X))


chimera = nn.Sequential(NestMLP(), nn.LazyLinear(20), FixedHiddenMLP())
chimera_out = chimera(X)
print(chimera_out)
'''

PARAMETERS = '''
import torch
from torch import nn

net = nn.Sequential(nn.LazyLinear(8),
                    nn.ReLU(),
                    nn.LazyLinear(1))
X = torch.rand(size=(2, 4))
print(net(X).shape)
state = net[2].state_dict()
print(state)
print(type(net[2].bias).__name__, net[2].bias.data)
no_grad_yet = net[2].weight.grad == None
names = [(name, param.shape) for name, param in net.named_parameters()]
print(names)
named = [name for name, param in net.named_parameters()]

# We need to give the shared layer a name so that we can refer to its
# parameters
shared = nn.LazyLinear(8)
net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(),
                    shared, nn.ReLU(),
                    shared, nn.ReLU(),
                    nn.LazyLinear(1))
out = net(X)
# Check whether the parameters are the same
print(net[2].weight.data[0] == net[4].weight.data[0])
net[2].weight.data[0, 0] = 100
# Make sure that they are actually the same object rather than just having the
# same value
print(net[2].weight.data[0] == net[4].weight.data[0])
same_object = net[2].weight is net[4].weight
count = len(list(net.parameters()))
net(X).sum().backward()
shared_grad = shared.weight.grad  # both uses add into the one gradient
'''

INIT_PARAM = '''
import torch
from torch import nn

net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
X = torch.rand(size=(2, 4))
print(net(X).shape)


def init_normal(module):
    if type(module) == nn.Linear:
        nn.init.normal_(module.weight, mean=0, std=0.01)
        nn.init.zeros_(module.bias)


net.apply(init_normal)
normal_w, normal_b = net[0].weight.data[0], net[0].bias.data[0]


def init_constant(module):
    if type(module) == nn.Linear:
        nn.init.constant_(module.weight, 1)
        nn.init.zeros_(module.bias)


net.apply(init_constant)
constant_w, constant_b = net[0].weight.data[0], net[0].bias.data[0]


def init_xavier(module):
    if type(module) == nn.Linear:
        nn.init.xavier_uniform_(module.weight)


def init_42(module):
    if type(module) == nn.Linear:
        nn.init.constant_(module.weight, 42)


net[0].apply(init_xavier)
net[2].apply(init_42)
print(net[0].weight.data[0])
print(net[2].weight.data)


def my_init(module):
    if type(module) == nn.Linear:
        print("Init", *[(name, param.shape)
                        for name, param in module.named_parameters()][0])
        nn.init.uniform_(module.weight, -10, 10)
        module.weight.data *= module.weight.data.abs() >= 5


net.apply(my_init)
first_rows = net[0].weight[:2]
zeroed = int((net[0].weight == 0).sum())
net[0].weight.data[:] += 1
net[0].weight.data[0, 0] = 42
print(net[0].weight.data[0])
still_leaf = net[0].weight.is_leaf
'''

CUSTOM_LAYER = '''
import torch
from torch import nn
from torch.nn import functional as F


class CenteredLayer(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, X):
        return X - X.mean()


layer = CenteredLayer()
centered = layer(torch.tensor([1.0, 2, 3, 4, 5]))
net = nn.Sequential(nn.LazyLinear(128), CenteredLayer())
Y = net(torch.rand(4, 8))
print(Y.mean())


class MyLinear(nn.Module):
    def __init__(self, in_units, units):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_units, units))
        self.bias = nn.Parameter(torch.randn(units,))
        
    def forward(self, X):
        linear = torch.matmul(X, self.weight.data) + self.bias.data
        return F.relu(linear)


linear = MyLinear(5, 3)
print(linear.weight)
linear_out = linear(torch.rand(2, 5))
net = nn.Sequential(MyLinear(64, 8), MyLinear(8, 1))
net_out = net(torch.rand(2, 64))
detached = not net_out.requires_grad  # (.data: the layer's output is cut off from its parameters)
'''

READ_WRITE = '''
import os
import shutil
import tempfile

import torch
from torch import nn
from torch.nn import functional as F

folder = tempfile.mkdtemp()  # (the chapter writes into the working directory)
x = torch.arange(4)
torch.save(x, os.path.join(folder, 'x-file'))
x2 = torch.load(os.path.join(folder, 'x-file'))
print(x2)
y = torch.zeros(4)
torch.save([x, y], os.path.join(folder, 'x-files'))
x2, y2 = torch.load(os.path.join(folder, 'x-files'))
print((x2, y2))
mydict = {'x': x, 'y': y}
torch.save(mydict, os.path.join(folder, 'mydict'))
mydict2 = torch.load(os.path.join(folder, 'mydict'))
print(mydict2)
loaded_x, loaded_y = mydict2['x'], mydict2['y']


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.LazyLinear(256)
        self.output = nn.LazyLinear(10)

    def forward(self, x):
        return self.output(F.relu(self.hidden(x)))


net = MLP()
X = torch.randn(size=(2, 20))
Y = net(X)
torch.save(net.state_dict(), os.path.join(folder, 'mlp.params'))
clone = MLP()
clone.load_state_dict(torch.load(os.path.join(folder, 'mlp.params')))
print(clone.eval())
Y_clone = clone(X)
same = Y_clone == Y
print(same)
shutil.rmtree(folder)
del folder  # (a different name in each run)
'''

PROGRAMS = {
    "model construction (MySequential, FixedHiddenMLP, chimera)": MODEL_CONSTRUCTION,
    "parameters (state_dict, named_parameters, a shared layer)": PARAMETERS,
    "parameter init (apply, custom init, .data[:] +=)": INIT_PARAM,
    "custom layers (CenteredLayer, MyLinear)": CUSTOM_LAYER,
    "file I/O (torch.save/load of tensors, lists, dicts, state dicts)": READ_WRITE,
}


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_d2l_program_runs_as_with_pytorch(name):
    torch_run, our_run = run_both(PROGRAMS[name])
    assert_same(torch_run, our_run, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_d2l_program_runs_as_with_pytorch_in_float64(name):
    """The same program with float64 as the default dtype (torch.set_default_dtype), to float64's precision."""
    assert_same_in_float64(PROGRAMS[name])


def test_creation_functions_take_the_size_as_a_keyword():
    """d2l writes `torch.rand(size=(2, 4))` and `torch.randn(size=(2, 20))`: zeros, ones, empty, rand and randn take
    the shape as `size=` as PyTorch's do, and refuse it given twice."""
    import autograd as ag

    for name in ("zeros", "ones", "empty", "rand", "randn"):
        for dtype in ("float32", "float64"):
            ours = getattr(ag, name)(size=(2, 3), dtype=getattr(ag, dtype))
            theirs = getattr(torch, name)(size=(2, 3), dtype=getattr(torch, dtype))
            assert tuple(ours.shape) == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        assert tuple(getattr(ag, name)(size=[4]).shape) == tuple(getattr(torch, name)(size=[4]).shape) == (4,)
        for fn in (getattr(ag, name), getattr(torch, name)):
            with pytest.raises(TypeError):
                fn(2, size=(3,))
    assert ag.zeros(size=(2,)).tolist() == torch.zeros(size=(2,)).tolist()
    assert ag.ones(size=(2,)).tolist() == torch.ones(size=(2,)).tolist()
