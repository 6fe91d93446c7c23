# Code cells from deep-learning-with-pytorch/dlwpt-code (github.com/deep-learning-with-pytorch/dlwpt-code),
# notebooks p1ch5/1_parameter_estimation.ipynb, p1ch5/2_autograd.ipynb, p1ch5/3_optimizers.ipynb:
# Apache-2.0, (c) Manning Publications / the authors ("Deep Learning with PyTorch", Stevens, Antiga, Viehmann).
"""Deep Learning with PyTorch, chapter 5 (the mechanics of learning): the thermometer model ``w * t_u + b`` fitted by
hand (the gradient written out), with autograd, with torch.optim's SGD and Adam, and with a train/validation split;
every code cell as written, run under PyTorch and under seegrad (notebook.py, harness.py): the same values, printed
numbers and printed text. Changed: ``%matplotlib inline`` and the plotting lines are left out (marked); nothing else.
``dir(optim)`` lists each library's own module (see DIR_OPTIM)."""
import pytest

from notebook import run_notebook

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

PARAMETER_ESTIMATION = r'''
# %% cell 0
# %matplotlib inline  # (left out: Jupyter magic)
import numpy as np
import torch
torch.set_printoptions(edgeitems=2, linewidth=75)

# %% cell 1
t_c = [0.5,  14.0, 15.0, 28.0, 11.0,  8.0,  3.0, -4.0,  6.0, 13.0, 21.0]
t_u = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]
t_c = torch.tensor(t_c)
t_u = torch.tensor(t_u)

# %% cell 2
def model(t_u, w, b):
    return w * t_u + b

# %% cell 3
def loss_fn(t_p, t_c):
    squared_diffs = (t_p - t_c)**2
    return squared_diffs.mean()

# %% cell 4
w = torch.ones(())
b = torch.zeros(())

t_p = model(t_u, w, b)
t_p

# %% cell 5
loss = loss_fn(t_p, t_c)
loss

# %% cell 6
x = torch.ones(())
y = torch.ones(3,1)
z = torch.ones(1,3)
a = torch.ones(2, 1, 1)
print(f"shapes: x: {x.shape}, y: {y.shape}")
print(f"        z: {z.shape}, a: {a.shape}")
print("x * y:", (x * y).shape)
print("y * z:", (y * z).shape)
print("y * z * a:", (y * z * a).shape)

# %% cell 7
delta = 0.1

loss_rate_of_change_w = \
    (loss_fn(model(t_u, w + delta, b), t_c) - 
     loss_fn(model(t_u, w - delta, b), t_c)) / (2.0 * delta)

# %% cell 8
learning_rate = 1e-2

w = w - learning_rate * loss_rate_of_change_w

# %% cell 9
loss_rate_of_change_b = \
    (loss_fn(model(t_u, w, b + delta), t_c) - 
     loss_fn(model(t_u, w, b - delta), t_c)) / (2.0 * delta)

b = b - learning_rate * loss_rate_of_change_b

# %% cell 10
def dloss_fn(t_p, t_c):
    dsq_diffs = 2 * (t_p - t_c) / t_p.size(0)  # <1>
    return dsq_diffs

# %% cell 11
def dmodel_dw(t_u, w, b):
    return t_u

# %% cell 12
def dmodel_db(t_u, w, b):
    return 1.0

# %% cell 13
def grad_fn(t_u, t_c, t_p, w, b):
    dloss_dtp = dloss_fn(t_p, t_c)
    dloss_dw = dloss_dtp * dmodel_dw(t_u, w, b)
    dloss_db = dloss_dtp * dmodel_db(t_u, w, b)
    return torch.stack([dloss_dw.sum(), dloss_db.sum()])  # <1>

# %% cell 14
def training_loop(n_epochs, learning_rate, params, t_u, t_c):
    for epoch in range(1, n_epochs + 1):
        w, b = params

        t_p = model(t_u, w, b)  # <1>
        loss = loss_fn(t_p, t_c)
        grad = grad_fn(t_u, t_c, t_p, w, b)  # <2>

        params = params - learning_rate * grad

        print('Epoch %d, Loss %f' % (epoch, float(loss))) # <3>
            
    return params

# %% cell 15
def training_loop(n_epochs, learning_rate, params, t_u, t_c,
                  print_params=True):
    for epoch in range(1, n_epochs + 1):
        w, b = params

        t_p = model(t_u, w, b)  # <1>
        loss = loss_fn(t_p, t_c)
        grad = grad_fn(t_u, t_c, t_p, w, b)  # <2>

        params = params - learning_rate * grad

        if epoch in {1, 2, 3, 10, 11, 99, 100, 4000, 5000}:  # <3>
            print('Epoch %d, Loss %f' % (epoch, float(loss)))
            if print_params:
                print('    Params:', params)
                print('    Grad:  ', grad)
        if epoch in {4, 12, 101}:
            print('...')

        if not torch.isfinite(loss).all():
            break  # <3>
            
    return params

# %% cell 16
training_loop(
    n_epochs = 100, 
    learning_rate = 1e-2, 
    params = torch.tensor([1.0, 0.0]), 
    t_u = t_u, 
    t_c = t_c)

# %% cell 17
training_loop(
    n_epochs = 100, 
    learning_rate = 1e-4, 
    params = torch.tensor([1.0, 0.0]), 
    t_u = t_u, 
    t_c = t_c)

# %% cell 18
t_un = 0.1 * t_u

# %% cell 19
training_loop(
    n_epochs = 100, 
    learning_rate = 1e-2, 
    params = torch.tensor([1.0, 0.0]), 
    t_u = t_un, # <1>
    t_c = t_c)

# %% cell 20
params = training_loop(
    n_epochs = 5000, 
    learning_rate = 1e-2, 
    params = torch.tensor([1.0, 0.0]), 
    t_u = t_un, 
    t_c = t_c,
    print_params = False)

params

# %% cell 21
# %matplotlib inline  # (left out: Jupyter magic)
# (left out: plotting) from matplotlib import pyplot as plt

t_p = model(t_un, *params)  # <1>

# (left out: plotting) fig = plt.figure(dpi=600)
# (left out: plotting) plt.xlabel("Temperature (°Fahrenheit)")
# (left out: plotting) plt.ylabel("Temperature (°Celsius)")
# (left out: plotting) plt.plot(t_u.numpy(), t_p.detach().numpy()) # <2>
# (left out: plotting) plt.plot(t_u.numpy(), t_c.numpy(), 'o')
# (left out: plotting) plt.savefig("temp_unknown_plot.png", format="png")  # bookskip

# %% cell 22
# %matplotlib inline  # (left out: Jupyter magic)
# (left out: plotting) from matplotlib import pyplot as plt

# (left out: plotting) fig = plt.figure(dpi=600)
# (left out: plotting) plt.xlabel("Measurement")
# (left out: plotting) plt.ylabel("Temperature (°Celsius)")
# (left out: plotting) plt.plot(t_u.numpy(), t_c.numpy(), 'o')

# (left out: plotting) plt.savefig("temp_data_plot.png", format="png")
'''

AUTOGRAD = r'''
# %% cell 0
# %matplotlib inline  # (left out: Jupyter magic)
import numpy as np
import torch
torch.set_printoptions(edgeitems=2)

# %% cell 1
t_c = torch.tensor([0.5, 14.0, 15.0, 28.0, 11.0, 8.0,
                    3.0, -4.0, 6.0, 13.0, 21.0])
t_u = torch.tensor([35.7, 55.9, 58.2, 81.9, 56.3, 48.9,
                    33.9, 21.8, 48.4, 60.4, 68.4])
t_un = 0.1 * t_u

# %% cell 2
def model(t_u, w, b):
    return w * t_u + b

# %% cell 3
def loss_fn(t_p, t_c):
    squared_diffs = (t_p - t_c)**2
    return squared_diffs.mean()

# %% cell 4
params = torch.tensor([1.0, 0.0], requires_grad=True)

# %% cell 5
params.grad is None

# %% cell 6
loss = loss_fn(model(t_u, *params), t_c)
loss.backward()

params.grad

# %% cell 7
if params.grad is not None:
    params.grad.zero_()

# %% cell 8
def training_loop(n_epochs, learning_rate, params, t_u, t_c):
    for epoch in range(1, n_epochs + 1):
        if params.grad is not None:  # <1>
            params.grad.zero_()
        
        t_p = model(t_u, *params) 
        loss = loss_fn(t_p, t_c)
        loss.backward()
        
        with torch.no_grad():  # <2>
            params -= learning_rate * params.grad

        if epoch % 500 == 0:
            print('Epoch %d, Loss %f' % (epoch, float(loss)))
            
    return params

# %% cell 9
training_loop(
    n_epochs = 5000, 
    learning_rate = 1e-2, 
    params = torch.tensor([1.0, 0.0], requires_grad=True), # <1> 
    t_u = t_un, # <2> 
    t_c = t_c)
'''

OPTIMIZERS = r'''
# %% cell 0
# %matplotlib inline  # (left out: Jupyter magic)
import numpy as np
import torch
torch.set_printoptions(edgeitems=2, linewidth=75)

# %% cell 1
t_c = torch.tensor([0.5, 14.0, 15.0, 28.0, 11.0,
                    8.0, 3.0, -4.0, 6.0, 13.0, 21.0])
t_u = torch.tensor([35.7, 55.9, 58.2, 81.9, 56.3, 48.9,
                    33.9, 21.8, 48.4, 60.4, 68.4])
t_un = 0.1 * t_u

# %% cell 2
def model(t_u, w, b):
    return w * t_u + b

# %% cell 3
def loss_fn(t_p, t_c):
    squared_diffs = (t_p - t_c)**2
    return squared_diffs.mean()

# %% cell 4
import torch.optim as optim

dir(optim)

# %% cell 5
params = torch.tensor([1.0, 0.0], requires_grad=True)
learning_rate = 1e-5
optimizer = optim.SGD([params], lr=learning_rate)

# %% cell 6
t_p = model(t_u, *params)
loss = loss_fn(t_p, t_c)
loss.backward()

optimizer.step()

params

# %% cell 7
params = torch.tensor([1.0, 0.0], requires_grad=True)
learning_rate = 1e-2
optimizer = optim.SGD([params], lr=learning_rate)

t_p = model(t_un, *params)
loss = loss_fn(t_p, t_c)

optimizer.zero_grad() # <1>
loss.backward()
optimizer.step()

params

# %% cell 8
def training_loop(n_epochs, optimizer, params, t_u, t_c):
    for epoch in range(1, n_epochs + 1):
        t_p = model(t_u, *params) 
        loss = loss_fn(t_p, t_c)
        
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        if epoch % 500 == 0:
            print('Epoch %d, Loss %f' % (epoch, float(loss)))
            
    return params

# %% cell 9
params = torch.tensor([1.0, 0.0], requires_grad=True)
learning_rate = 1e-2
optimizer = optim.SGD([params], lr=learning_rate) # <1>

training_loop(
    n_epochs = 5000, 
    optimizer = optimizer,
    params = params, # <1> 
    t_u = t_un,
    t_c = t_c)

# %% cell 10
params = torch.tensor([1.0, 0.0], requires_grad=True)
learning_rate = 1e-1
optimizer = optim.Adam([params], lr=learning_rate) # <1>

training_loop(
    n_epochs = 2000, 
    optimizer = optimizer,
    params = params,
    t_u = t_u, # <2> 
    t_c = t_c)

# %% cell 11
n_samples = t_u.shape[0]
n_val = int(0.2 * n_samples)

shuffled_indices = torch.randperm(n_samples)

train_indices = shuffled_indices[:-n_val]
val_indices = shuffled_indices[-n_val:]

train_indices, val_indices  # <1>

# %% cell 12
train_t_u = t_u[train_indices]
train_t_c = t_c[train_indices]

val_t_u = t_u[val_indices]
val_t_c = t_c[val_indices]

train_t_un = 0.1 * train_t_u
val_t_un = 0.1 * val_t_u

# %% cell 13
def training_loop(n_epochs, optimizer, params, train_t_u, val_t_u,
                  train_t_c, val_t_c):
    for epoch in range(1, n_epochs + 1):
        train_t_p = model(train_t_u, *params) # <1>
        train_loss = loss_fn(train_t_p, train_t_c)
                             
        val_t_p = model(val_t_u, *params) # <1>
        val_loss = loss_fn(val_t_p, val_t_c)
        
        optimizer.zero_grad()
        train_loss.backward() # <2>
        optimizer.step()

        if epoch <= 3 or epoch % 500 == 0:
            print(f"Epoch {epoch}, Training loss {train_loss.item():.4f},"
                  f" Validation loss {val_loss.item():.4f}")
            
    return params

# %% cell 14
params = torch.tensor([1.0, 0.0], requires_grad=True)
learning_rate = 1e-2
optimizer = optim.SGD([params], lr=learning_rate)

training_loop(
    n_epochs = 3000, 
    optimizer = optimizer,
    params = params,
    train_t_u = train_t_un, # <1> 
    val_t_u = val_t_un, # <1> 
    train_t_c = train_t_c,
    val_t_c = val_t_c)

# %% cell 15
def training_loop(n_epochs, optimizer, params, train_t_u, val_t_u,
                  train_t_c, val_t_c):
    for epoch in range(1, n_epochs + 1):
        train_t_p = model(train_t_u, *params)
        train_loss = loss_fn(train_t_p, train_t_c)

        with torch.no_grad(): # <1>
            val_t_p = model(val_t_u, *params)
            val_loss = loss_fn(val_t_p, val_t_c)
            assert val_loss.requires_grad == False # <2>
            
        optimizer.zero_grad()
        train_loss.backward()
        optimizer.step()

# %% cell 16
def calc_forward(t_u, t_c, is_train):
    with torch.set_grad_enabled(is_train):
        t_p = model(t_u, *params)
        loss = loss_fn(t_p, t_c)
    return loss
'''

# ``dir(optim)`` (cell 4 of 3_optimizers) prints each library's own module: PyTorch's has private modules
# (_functional, _muon...), ``__all__``, swa_utils; seegrad's its per-optimizer modules (sgd, adam...) and the
# old spellings (RMSProp, AdaGrad). The line is not compared as text; test_dir_optim_lists_pytorch_s_optimizers
# checks what matters in it, that each optimizer class PyTorch lists is there.
DIR_OPTIM = (r"^\['ASGD', .*'lr_scheduler'.*\]$", "<dir(optim)>")

# the point of 5_3's train/validation split in a shown value: ``train_indices, val_indices`` (a randperm)
# prints as PyTorch's; the tensors' ``requires_grad=True`` suffixes in the training loops too


@pytest.mark.filterwarnings("ignore:overflow encountered")  # (cell 16 diverges to inf, as the book shows)
@pytest.mark.filterwarnings("ignore:invalid value encountered")
def test_parameter_estimation():
    run_notebook(PARAMETER_ESTIMATION)


@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad=True to a scalar")
def test_autograd():
    run_notebook(AUTOGRAD)


def test_optimizers():
    run_notebook(OPTIMIZERS, normalise=[DIR_OPTIM])


MISSING_OPTIMIZERS = {}  # (SparseAdam and Muon, the last two, are written: tests/test_optim_muon_sparseadam.py)


@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=MISSING_OPTIMIZERS[name]))
                                  if name in MISSING_OPTIMIZERS else name
                                  for name in sorted(n for n in dir(torch.optim) if n[0].isupper())])
def test_dir_optim_lists_pytorch_s_optimizers(name):
    import optim

    ours = getattr(optim, name, None)
    assert isinstance(ours, type) and issubclass(ours, optim.Optimizer), f"optim.{name} is missing"
