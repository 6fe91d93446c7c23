# Code cells from deep-learning-with-pytorch/dlwpt-code (github.com/deep-learning-with-pytorch/dlwpt-code),
# notebooks p1ch6/1_neural_networks.ipynb, p1ch6/2_activation_functions.ipynb, p1ch6/3_nn_module_subclassing.ipynb:
# Apache-2.0, (c) Manning Publications / the authors ("Deep Learning with PyTorch", Stevens, Antiga, Viehmann).
"""Deep Learning with PyTorch, chapter 6 (using a neural network to fit the data): nn.Linear on the thermometer
data, nn.MSELoss, nn.Sequential with and without an OrderedDict, the hidden-layer model, the activation functions,
and the same model as an nn.Module subclass and with the functional API; every code cell as written, run under
PyTorch and under seegrad (notebook.py, harness.py): the same values, printed numbers and printed text. Changed:
``%matplotlib inline`` and the plotting lines are left out (marked, a loop whose body was plotting given a
``pass``), and one training cut from 5000 epochs to 600 (marked; test_a_loss_spike_amplifies_rounding says why)."""
import numpy as np
import pytest

from dlwpt import ADDRESS
from notebook import run_notebook

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

NEURAL_NETWORKS = r'''
# %% cell 0
# %matplotlib inline  # (left out: Jupyter magic)
import numpy as np
import torch
import torch.optim as optim

torch.set_printoptions(edgeitems=2, linewidth=75)

# %% cell 1
t_c = [0.5,  14.0, 15.0, 28.0, 11.0,  8.0,  3.0, -4.0,  6.0, 13.0, 21.0]
t_u = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]
t_c = torch.tensor(t_c).unsqueeze(1) # <1>
t_u = torch.tensor(t_u).unsqueeze(1) # <1>

t_u.shape

# %% cell 2
n_samples = t_u.shape[0]
n_val = int(0.2 * n_samples)

shuffled_indices = torch.randperm(n_samples)

train_indices = shuffled_indices[:-n_val]
val_indices = shuffled_indices[-n_val:]

train_indices, val_indices

# %% cell 3
t_u_train = t_u[train_indices]
t_c_train = t_c[train_indices]

t_u_val = t_u[val_indices]
t_c_val = t_c[val_indices]

t_un_train = 0.1 * t_u_train
t_un_val = 0.1 * t_u_val

# %% cell 4
import torch.nn as nn

linear_model = nn.Linear(1, 1) # <1>
linear_model(t_un_val)

# %% cell 5
linear_model.weight

# %% cell 6
linear_model.bias

# %% cell 7
x = torch.ones(1)
linear_model(x)

# %% cell 8
x = torch.ones(10, 1)
linear_model(x)

# %% cell 9
linear_model = nn.Linear(1, 1) # <1>
optimizer = optim.SGD(
    linear_model.parameters(), # <2>
    lr=1e-2)

# %% cell 10
linear_model.parameters()

# %% cell 11
list(linear_model.parameters())

# %% cell 12
def training_loop(n_epochs, optimizer, model, loss_fn, t_u_train, t_u_val,
                  t_c_train, t_c_val):
    for epoch in range(1, n_epochs + 1):
        t_p_train = model(t_u_train) # <1>
        loss_train = loss_fn(t_p_train, t_c_train)

        t_p_val = model(t_u_val) # <1>
        loss_val = loss_fn(t_p_val, t_c_val)
        
        optimizer.zero_grad()
        loss_train.backward() # <2>
        optimizer.step()

        if epoch == 1 or epoch % 1000 == 0:
            print(f"Epoch {epoch}, Training loss {loss_train.item():.4f},"
                  f" Validation loss {loss_val.item():.4f}")

# %% cell 13
def loss_fn(t_p, t_c):
    squared_diffs = (t_p - t_c)**2
    return squared_diffs.mean()

linear_model = nn.Linear(1, 1) # <1>
optimizer = optim.SGD(linear_model.parameters(), lr=1e-2)

training_loop(
    n_epochs = 3000, 
    optimizer = optimizer,
    model = linear_model,
    loss_fn = loss_fn,
    t_u_train = t_un_train,
    t_u_val = t_un_val, 
    t_c_train = t_c_train,
    t_c_val = t_c_val)

print()
print(linear_model.weight)
print(linear_model.bias)

# %% cell 14
linear_model = nn.Linear(1, 1)
optimizer = optim.SGD(linear_model.parameters(), lr=1e-2)

training_loop(
    n_epochs = 3000, 
    optimizer = optimizer,
    model = linear_model,
    loss_fn = nn.MSELoss(), # <1>
    t_u_train = t_un_train,
    t_u_val = t_un_val, 
    t_c_train = t_c_train,
    t_c_val = t_c_val)

print()
print(linear_model.weight)
print(linear_model.bias)

# %% cell 15
seq_model = nn.Sequential(
            nn.Linear(1, 13), # <1>
            nn.Tanh(),
            nn.Linear(13, 1)) # <2>
seq_model

# %% cell 16
[param.shape for param in seq_model.parameters()]

# %% cell 17
for name, param in seq_model.named_parameters():
    print(name, param.shape)

# %% cell 18
from collections import OrderedDict

seq_model = nn.Sequential(OrderedDict([
    ('hidden_linear', nn.Linear(1, 8)),
    ('hidden_activation', nn.Tanh()),
    ('output_linear', nn.Linear(8, 1))
]))

seq_model

# %% cell 19
for name, param in seq_model.named_parameters():
    print(name, param.shape)

# %% cell 20
seq_model.output_linear.bias

# %% cell 21
optimizer = optim.SGD(seq_model.parameters(), lr=1e-3) # <1>

training_loop(
    n_epochs = 600,  # 5000 (cut down: SGD's loss spikes later, see test_a_loss_spike_amplifies_rounding) 
    optimizer = optimizer,
    model = seq_model,
    loss_fn = nn.MSELoss(),
    t_u_train = t_un_train,
    t_u_val = t_un_val, 
    t_c_train = t_c_train,
    t_c_val = t_c_val)
    
print('output', seq_model(t_un_val))
print('answer', t_c_val)
print('hidden', seq_model.hidden_linear.weight.grad)

# %% cell 22
# (left out: plotting) from matplotlib import pyplot as plt

t_range = torch.arange(20., 90.).unsqueeze(1)

# (left out: plotting) fig = plt.figure(dpi=600)
# (left out: plotting) plt.xlabel("Fahrenheit")
# (left out: plotting) plt.ylabel("Celsius")
# (left out: plotting) plt.plot(t_u.numpy(), t_c.numpy(), 'o')
# (left out: plotting) plt.plot(t_range.numpy(), seq_model(0.1 * t_range).detach().numpy(), 'c-')
# (left out: plotting) plt.plot(t_u.numpy(), seq_model(0.1 * t_u).detach().numpy(), 'kx')

# %% cell 23
# Exercises here!

neuron_count = 20

seq_model = nn.Sequential(OrderedDict([
    ('hidden_linear', nn.Linear(1, neuron_count)),
    ('hidden_activation', nn.Tanh()),
    ('output_linear', nn.Linear(neuron_count, 1))
]))

optimizer = optim.SGD(seq_model.parameters(), lr=1e-4)

training_loop(
    n_epochs = 5000, 
    optimizer = optimizer,
    model = seq_model,
    loss_fn = nn.MSELoss(),
    t_u_train = t_un_train,
    t_u_val = t_un_val, 
    t_c_train = t_c_train,
    t_c_val = t_c_val)

# (left out: plotting) from matplotlib import pyplot as plt

t_range = torch.arange(20., 90.).unsqueeze(1)

# (left out: plotting) fig = plt.figure(dpi=150)
# (left out: plotting) plt.xlabel("Fahrenheit")
# (left out: plotting) plt.ylabel("Celsius")
# (left out: plotting) plt.plot(t_u.numpy(), t_c.numpy(), 'o')
# (left out: plotting) plt.plot(t_range.numpy(), seq_model(0.1 * t_range).detach().numpy(), 'c-')
# (left out: plotting) plt.plot(t_u.numpy(), seq_model(0.1 * t_u).detach().numpy(), 'kx')
'''

ACTIVATION_FUNCTIONS = r'''
# %% cell 0
# %matplotlib inline  # (left out: Jupyter magic)
import numpy as np
# (left out: plotting) import matplotlib.pyplot as plt

import torch
import torch.optim as optim
import torch.nn as nn

torch.set_printoptions(edgeitems=2, linewidth=75)

# %% cell 1
input_t = torch.arange(-3, 3.1, 0.1)
input_t

# %% cell 2
activation_list = [
    nn.Tanh(),
    nn.Hardtanh(),
    nn.Sigmoid(),
    
    nn.Softplus(),
    nn.ReLU(),
    nn.LeakyReLU(negative_slope=0.1),

    
    #nn.Tanhshrink(),
    #nn.Softshrink(),
    #nn.Hardshrink(),
]

# (left out: plotting) fig = plt.figure(figsize=(14, 28), dpi=600)

for i, activation_func in enumerate(activation_list):
    # (left out: plotting) subplot = fig.add_subplot(len(activation_list), 3, i+1)
    # (left out: plotting) subplot.set_title(type(activation_func).__name__)
    
    output_t = activation_func(input_t)
    
    # (left out: plotting) plt.grid()
    # (left out: plotting) plt.plot(input_t.numpy(), input_t.numpy(),'k', linewidth=1)
    # (left out: plotting) plt.plot([-3,3], [0,0], 'k', linewidth=1)
    # (left out: plotting) plt.plot([0,0], [-3,3], 'k', linewidth=1)
    # (left out: plotting) plt.plot(input_t.numpy(), output_t.numpy(), 'r', linewidth=3)

output_t

# %% cell 3
a = lambda x: nn.Tanh()(-2 * x - 1.25)
b = lambda x: nn.Tanh()( 1 * x + 0.75)
c = lambda x: nn.Tanh()( 4 * x + 1.)
d = lambda x: nn.Tanh()(-3 * x + 1.5)

wb_list = [
    ('A: tanh(-2 * x - 1.25)', a(input_t)),
    ('B: tanh(1 * x + 0.75)', b(input_t)),
    ('A + B', a(input_t) + b(input_t)),

    ('C: tanh(4 * x + 1.0)', c(input_t)),
    ('D: tanh(-3 * x - 1.5)', d(input_t)),
    ('C + D', c(input_t) + d(input_t)),

    ('C(A + B)', c(a(input_t) + b(input_t))),
    ('D(A + B)', d(a(input_t) + b(input_t))),
     
    ('C(A+B) + D(A+B)', 
     c(a(input_t) + b(input_t)) + d(a(input_t) + b(input_t))),
]

# (left out: plotting) fig = plt.figure(figsize=(14, 42), dpi=600)

for i, (title_str, output_t) in enumerate(wb_list):
    # (left out: plotting) subplot = fig.add_subplot(len(wb_list), 3, i+1)
    # (left out: plotting) subplot.set_title(title_str)
    
    # (left out: plotting) plt.grid()
    # (left out: plotting) plt.plot(input_t.numpy(), input_t.numpy(),'k', linewidth=1)
    # (left out: plotting) plt.plot([-3,3], [0,0], 'k', linewidth=1)
    # (left out: plotting) plt.plot([0,0], [-3,3], 'k', linewidth=1)
    # (left out: plotting) plt.plot(input_t.numpy(), output_t.numpy(), 'r', linewidth=3)
    pass  # (added: the loop's body was plotting)

output_t

# %% cell 4
# (left out: plotting) fig = plt.figure(figsize=(14, 14), dpi=600)

# (left out: plotting) subplot = fig.add_subplot(1, 1, 1)
#subplot.set_title(type(activation_func).__name__)

output_t = nn.Tanh()(input_t)

#plt.grid()
# (left out: plotting) plt.plot(input_t.numpy(), input_t.numpy(),'k', linewidth=1)
# (left out: plotting) plt.plot([-3,3], [0,0], 'k', linewidth=1)
# (left out: plotting) plt.plot([0,0], [-3,3], 'k', linewidth=1)
# (left out: plotting) plt.plot(input_t.numpy(), output_t.numpy(), 'r', linewidth=3)

output_t
'''

NN_MODULE_SUBCLASSING = r'''
# %% cell 0
# %matplotlib inline  # (left out: Jupyter magic)
import numpy as np
import torch
import torch.optim as optim
import torch.nn as nn

torch.set_printoptions(edgeitems=2, linewidth=75)

# %% cell 1
seq_model = nn.Sequential(
            nn.Linear(1, 11), # <1>
            nn.Tanh(),
            nn.Linear(11, 1)) # <1>
seq_model

# %% cell 2
from collections import OrderedDict

namedseq_model = nn.Sequential(OrderedDict([
    ('hidden_linear', nn.Linear(1, 12)),
    ('hidden_activation', nn.Tanh()),
    ('output_linear', nn.Linear(12 , 1))
]))

namedseq_model

# %% cell 3
class SubclassModel(nn.Module):
    def __init__(self):
        super().__init__()  # <1>
        
        self.hidden_linear = nn.Linear(1, 13)
        self.hidden_activation = nn.Tanh()
        self.output_linear = nn.Linear(13, 1)
        
    def forward(self, input):
        hidden_t = self.hidden_linear(input)
        activated_t = self.hidden_activation(hidden_t)
        output_t = self.output_linear(activated_t)
        
        return output_t
    
subclass_model = SubclassModel()
subclass_model

# %% cell 4
for type_str, model in [('seq', seq_model),
                        ('namedseq', namedseq_model),
                        ('subclass', subclass_model)]:
    print(type_str)
    for name_str, param in model.named_parameters():
        print("{:21} {:19} {}".format(
            name_str, str(param.shape), param.numel()))
        
    print()

# %% cell 5
class SubclassFunctionalModel(nn.Module):
    def __init__(self):
        super().__init__()
        
        self.hidden_linear = nn.Linear(1, 14)  
                                                # <1>
        self.output_linear = nn.Linear(14, 1)
        
    def forward(self, input):
        hidden_t = self.hidden_linear(input)
        activated_t = torch.tanh(hidden_t) # <2>
        output_t = self.output_linear(activated_t)
        
        return output_t
    
func_model = SubclassFunctionalModel()
func_model
'''

# cell 7, ``linear_model(torch.ones(1))``: PyTorch's Linear of a 1-d input ends in a view (it works on the input
# as a row, then drops that dim), ``grad_fn=<ViewBackward0>``; seegrad's is its one Linear node, as for a batch
# (notebook.GRAD_FN_NAMES). Only that line of this notebook has a ViewBackward0.
LINEAR_OF_A_VECTOR = (r"^(tensor\(\[[-\d.]+\]), grad_fn=<ViewBackward0>\)$", r"\1, grad_fn=<Linear's node>)")

# ``torch.arange(-3, 3.1, 0.1)``'s 31st element, 0 but for rounding, is -2.3842e-08 in PyTorch's float32 arange and
# 2.6645e-15 in ours (numpy's: start + i * (the first two values' difference), in float64, then rounded to float32);
# both agree with the exact 0 to float32's rounding of the other elements (assert_same compares it by value), but
# the reprs differ in its sign. Such a number, below 1e-6 in a scientific repr, is written <~0> in both texts.
ROUNDING_ZERO = (r"[- ]\d\.\d{4}e-(?:0[7-9]|[1-9]\d)\b", " <~0>")

# ``"{:19}".format(str(param.shape))`` pads PyTorch's 19 characters of ``torch.Size([11, 1])``; ours, ``(11, 1)``
# (README, "Differences from PyTorch"; harness.SIZE_AS_TUPLE), gets more padding: one space after a shape in both
SHAPE_PADDING = (r"^(\S+ +\([\d, ]*\)) +(\d+)$", r"\1 \2")


def test_neural_networks():
    run_notebook(NEURAL_NETWORKS, normalise=[ADDRESS, LINEAR_OF_A_VECTOR])


def test_activation_functions():
    run_notebook(ACTIVATION_FUNCTIONS, normalise=[ROUNDING_ZERO])


def test_nn_module_subclassing():
    run_notebook(NN_MODULE_SUBCLASSING, normalise=[SHAPE_PADDING])


def _hidden_layer_fit(library, first_weight_nudge=0):
    """Cell 21's training, 5000 epochs of SGD(lr=1e-3) on the hidden-layer model, in float64, with PyTorch's
    initial weights (one of them moved by ``first_weight_nudge`` of itself); the loss of each epoch."""
    from collections import OrderedDict

    nn, optim = (torch.nn, torch.optim) if library is torch else (__import__("nn"), __import__("optim"))
    t_u = library.tensor([35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4], dtype=library.float64)
    t_c = library.tensor([0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0], dtype=library.float64)
    generator = np.random.default_rng(0)
    weights = [generator.uniform(-1, 1, shape) for shape in [(8, 1), (8,), (1, 8), (1,)]]
    weights[0][0, 0] *= 1 + first_weight_nudge
    seq_model = nn.Sequential(OrderedDict([
        ('hidden_linear', nn.Linear(1, 8)), ('hidden_activation', nn.Tanh()), ('output_linear', nn.Linear(8, 1))
    ])).double()
    with library.no_grad():
        for param, value in zip(seq_model.parameters(), weights):
            param.copy_(library.tensor(value))
    optimizer = optim.SGD(seq_model.parameters(), lr=1e-3)
    losses = []
    for _ in range(5000):
        loss = nn.MSELoss()(seq_model(0.1 * t_u.unsqueeze(1)), t_c.unsqueeze(1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return np.array(losses)


def test_a_loss_spike_amplifies_rounding():
    """Why cell 21 trains 600 epochs here, not 5000: SGD at lr=1e-3 on this model runs into a loss spike (the
    loss jumps up for a few hundred epochs) that multiplies any difference in the weights by ~1e6 or more. So
    PyTorch and seegrad, which round float64's last bit differently in places (sums in another order), agree
    to ~1e-15 until the spike and only to ~1e-2 after it; PyTorch against itself with one initial weight moved
    by 1e-14 of itself does the same. Before the spike, the two libraries agree to float64's rounding."""
    import autograd

    theirs, nudged, ours = _hidden_layer_fit(torch), _hidden_layer_fit(torch, 1e-14), _hidden_layer_fit(autograd)
    spike = int(np.argmax(np.diff(theirs) > 0))  # the first epoch the loss goes up (1535)
    assert 1000 < spike < 4000, f"no loss spike where this test expects one (at epoch {spike})"
    before = slice(0, spike - 100)  # (the differences grow from ~1e-15 ~60 epochs before the loss turns)
    np.testing.assert_allclose(ours[before], theirs[before], rtol=1e-12)
    np.testing.assert_allclose(nudged[before], theirs[before], rtol=1e-10)
    after = slice(spike, None)
    assert np.max(np.abs(ours[after] - theirs[after]) / theirs[after]) > 1e-6  # rounding, amplified...
    assert np.max(np.abs(nudged[after] - theirs[after]) / theirs[after]) > 1e-6  # ...as much in PyTorch alone
