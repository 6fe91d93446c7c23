"""Dive into Deep Learning (d2l.ai, the PyTorch edition), its optimization chapter as written there: minibatch SGD
(`p.data.sub_(lr * p.grad)`, A = BC element by element with torch.dot, by columns with torch.mv, by blocks with
torch.mm), the optimizers from scratch, each state updated in place through `[:]` under `torch.no_grad()`
(sgd_momentum, adagrad, rmsprop, adadelta, adam, yogi) in d2l's train_ch11, their torch.optim counterparts in
train_concise_ch11, and the learning-rate scheduler chapter (SquareRootScheduler, FactorScheduler, CosineScheduler
with warm-up written into `param_groups[0]["lr"]`, and lr_scheduler.MultiStepLR told apart by
`scheduler.__module__ == lr_scheduler.__name__`) training its LeNet.

d2l's framework (the Animator, the Timer's figures, the airfoil and FashionMNIST downloads) is replaced by small
synthetic data drawn with torch (through numpy, as np.genfromtxt would give it); d2l's utilities (linreg,
squared_loss, load_array, Accumulator, accuracy, evaluate_loss, evaluate_accuracy_gpu) are d2l/torch.py's. Each
program runs with PyTorch and with this project under torch's names (harness.py): every value left and every
number printed agree."""
import pytest

from harness import assert_same, assert_same_in_float64, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

D2L = '''
import math
import types

import numpy as np
import torch
from torch import nn

d2l = types.SimpleNamespace(  # d2l/torch.py's aliases
    zeros=torch.zeros, arange=torch.arange, matmul=torch.matmul,
    reshape=lambda x, *args, **kwargs: x.reshape(*args, **kwargs),
    reduce_sum=lambda x, *args, **kwargs: x.sum(*args, **kwargs),
    argmax=lambda x, *args, **kwargs: x.argmax(*args, **kwargs),
    astype=lambda x, *args, **kwargs: x.type(*args, **kwargs),
    size=lambda x, *args, **kwargs: x.numel(*args, **kwargs))


class Accumulator:
    """For accumulating sums over `n` variables."""
    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self):
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        return self.data[idx]


def linreg(X, w, b):
    """The linear regression model."""
    return d2l.matmul(X, w) + b


def squared_loss(y_hat, y):
    """Squared loss."""
    return (y_hat - d2l.reshape(y, y_hat.shape)) ** 2 / 2


def load_array(data_arrays, batch_size, is_train=True):
    """Construct a PyTorch data iterator."""
    dataset = torch.utils.data.TensorDataset(*data_arrays)
    return torch.utils.data.DataLoader(dataset, batch_size, shuffle=is_train)


def evaluate_loss(net, data_iter, loss):
    """Evaluate the loss of a model on the given dataset."""
    metric = Accumulator(2)  # Sum of losses, no. of examples
    for X, y in data_iter:
        out = net(X)
        y = d2l.reshape(y, out.shape)
        l = loss(out, y)
        metric.add(d2l.reduce_sum(l), d2l.size(l))
    return metric[0] / metric[1]


def get_data_ch11(batch_size=10, n=1500):
    data = (torch.rand(200, 6) * torch.arange(1, 7)).numpy()  # (in place of np.genfromtxt of the airfoil data)
    data = torch.from_numpy((data - data.mean(axis=0)) / data.std(axis=0))
    data_iter = load_array((data[:n, :-1], data[:n, -1]),
                           batch_size, is_train=True)
    return data_iter, data.shape[1]-1


curves = []  # what d2l's Animator draws: each run's losses


def train_ch11(trainer_fn, states, hyperparams, data_iter,
               feature_dim, num_epochs=2):
    # Initialization
    w = torch.normal(mean=0.0, std=0.01, size=(feature_dim, 1),
                     requires_grad=True)
    b = torch.zeros((1), requires_grad=True)
    net, loss = lambda X: linreg(X, w, b), squared_loss
    # Train
    losses, n = [], 0
    for _ in range(num_epochs):
        for X, y in data_iter:
            l = loss(net(X), y).mean()
            l.backward()
            trainer_fn([w, b], states, hyperparams)
            n += X.shape[0]
            if n % 200 == 0:
                losses.append(evaluate_loss(net, data_iter, loss))
    print(f'loss: {losses[-1]:.3f}')
    curves.append(losses)
    return w, b


def train_concise_ch11(trainer_fn, hyperparams, data_iter, num_epochs=4):
    # Initialization
    net = nn.Sequential(nn.Linear(5, 1))
    def init_weights(module):
        if type(module) == nn.Linear:
            torch.nn.init.normal_(module.weight, std=0.01)
    net.apply(init_weights)
    optimizer = trainer_fn(net.parameters(), **hyperparams)
    loss = nn.MSELoss(reduction='none')
    losses, n = [], 0
    for _ in range(num_epochs):
        for X, y in data_iter:
            optimizer.zero_grad()
            out = net(X)
            y = y.reshape(out.shape)
            l = loss(out, y)
            l.mean().backward()
            optimizer.step()
            n += X.shape[0]
            if n % 200 == 0:
                # `MSELoss` computes squared error without the 1/2 factor
                losses.append(evaluate_loss(net, data_iter, loss) / 2)
    print(f'loss: {losses[-1]:.3f}')
    curves.append(losses)
    return net
'''

MINIBATCH_SGD = D2L + '''
A = torch.zeros(16, 16)
B = torch.randn(16, 16)
C = torch.randn(16, 16)
# Compute A = BC one element at a time
for i in range(16):
    for j in range(16):
        A[i, j] = torch.dot(B[i, :], C[:, j])
by_element = A.clone()
# Compute A = BC one column at a time
for j in range(16):
    A[:, j] = torch.mv(B, C[:, j])
by_column = A.clone()
# Compute A = BC in one go
A = torch.mm(B, C)
for j in range(0, 16, 4):
    A[:, j:j+4] = torch.mm(B, C[:, j:j+4])
by_block = A


def sgd(params, states, hyperparams):
    for p in params:
        p.data.sub_(hyperparams['lr'] * p.grad)
        p.grad.data.zero_()


def train_sgd(lr, batch_size, num_epochs=2):
    data_iter, feature_dim = get_data_ch11(batch_size)
    return train_ch11(
        sgd, None, {'lr': lr}, data_iter, feature_dim, num_epochs)


gd_res = train_sgd(1, 200, 10)
sgd_res = train_sgd(0.005, 1, 1)
mini1_res = train_sgd(.4, 100)
mini2_res = train_sgd(.05, 10)
data_iter, _ = get_data_ch11(10)
trainer = torch.optim.SGD
concise = train_concise_ch11(trainer, {'lr': 0.01}, data_iter)
'''

SCRATCH_OPTIMIZERS = D2L + '''
data_iter, feature_dim = get_data_ch11(batch_size=10)


def init_momentum_states(feature_dim):
    v_w = d2l.zeros((feature_dim, 1))
    v_b = d2l.zeros(1)
    return (v_w, v_b)


def sgd_momentum(params, states, hyperparams):
    for p, v in zip(params, states):
        with torch.no_grad():
            v[:] = hyperparams['momentum'] * v + p.grad
            p[:] -= hyperparams['lr'] * v
        p.grad.data.zero_()


def train_momentum(lr, momentum, num_epochs=2):
    return train_ch11(sgd_momentum, init_momentum_states(feature_dim),
                      {'lr': lr, 'momentum': momentum}, data_iter,
                      feature_dim, num_epochs)


momentum_w, momentum_b = train_momentum(0.02, 0.5)
train_momentum(0.01, 0.9)
momentum_concise = train_concise_ch11(torch.optim.SGD, {'lr': 0.005, 'momentum': 0.9}, data_iter)


def init_adagrad_states(feature_dim):
    s_w = d2l.zeros((feature_dim, 1))
    s_b = d2l.zeros(1)
    return (s_w, s_b)


def adagrad(params, states, hyperparams):
    eps = 1e-6
    for p, s in zip(params, states):
        with torch.no_grad():
            s[:] += torch.square(p.grad)
            p[:] -= hyperparams['lr'] * p.grad / torch.sqrt(s + eps)
        p.grad.data.zero_()


adagrad_states = init_adagrad_states(feature_dim)
adagrad_w, adagrad_b = train_ch11(adagrad, adagrad_states, {'lr': 0.1}, data_iter, feature_dim)
adagrad_concise = train_concise_ch11(torch.optim.Adagrad, {'lr': 0.1}, data_iter)


def init_rmsprop_states(feature_dim):
    s_w = d2l.zeros((feature_dim, 1))
    s_b = d2l.zeros(1)
    return (s_w, s_b)


def rmsprop(params, states, hyperparams):
    gamma, eps = hyperparams['gamma'], 1e-6
    for p, s in zip(params, states):
        with torch.no_grad():
            s[:] = gamma * s + (1 - gamma) * torch.square(p.grad)
            p[:] -= hyperparams['lr'] * p.grad / torch.sqrt(s + eps)
        p.grad.data.zero_()


rmsprop_states = init_rmsprop_states(feature_dim)
rmsprop_w, rmsprop_b = train_ch11(rmsprop, rmsprop_states, {'lr': 0.01, 'gamma': 0.9}, data_iter, feature_dim)
rmsprop_concise = train_concise_ch11(torch.optim.RMSprop, {'lr': 0.01, 'alpha': 0.9}, data_iter)


def init_adadelta_states(feature_dim):
    s_w, s_b = d2l.zeros((feature_dim, 1)), d2l.zeros(1)
    delta_w, delta_b = d2l.zeros((feature_dim, 1)), d2l.zeros(1)
    return ((s_w, delta_w), (s_b, delta_b))


def adadelta(params, states, hyperparams):
    rho, eps = hyperparams['rho'], 1e-5
    for p, (s, delta) in zip(params, states):
        with torch.no_grad():
            # In-place updates via [:]
            s[:] = rho * s + (1 - rho) * torch.square(p.grad)
            g = (torch.sqrt(delta + eps) / torch.sqrt(s + eps)) * p.grad
            p[:] -= g
            delta[:] = rho * delta + (1 - rho) * g * g
        p.grad.data.zero_()


adadelta_states = init_adadelta_states(feature_dim)
adadelta_w, adadelta_b = train_ch11(adadelta, adadelta_states, {'rho': 0.9}, data_iter, feature_dim)
adadelta_concise = train_concise_ch11(torch.optim.Adadelta, {'rho': 0.9}, data_iter)


def init_adam_states(feature_dim):
    v_w, v_b = d2l.zeros((feature_dim, 1)), d2l.zeros(1)
    s_w, s_b = d2l.zeros((feature_dim, 1)), d2l.zeros(1)
    return ((v_w, s_w), (v_b, s_b))


def adam(params, states, hyperparams):
    beta1, beta2, eps = 0.9, 0.999, 1e-6
    for p, (v, s) in zip(params, states):
        with torch.no_grad():
            v[:] = beta1 * v + (1 - beta1) * p.grad
            s[:] = beta2 * s + (1 - beta2) * torch.square(p.grad)
            v_bias_corr = v / (1 - beta1 ** hyperparams['t'])
            s_bias_corr = s / (1 - beta2 ** hyperparams['t'])
            p[:] -= hyperparams['lr'] * v_bias_corr / (torch.sqrt(s_bias_corr)
                                                       + eps)
        p.grad.data.zero_()
    hyperparams['t'] += 1


adam_hyperparams = {'lr': 0.01, 't': 1}
adam_states = init_adam_states(feature_dim)
adam_w, adam_b = train_ch11(adam, adam_states, adam_hyperparams, data_iter, feature_dim)
adam_steps = adam_hyperparams['t']
adam_concise = train_concise_ch11(torch.optim.Adam, {'lr': 0.01}, data_iter)


def yogi(params, states, hyperparams):
    beta1, beta2, eps = 0.9, 0.999, 1e-3
    for p, (v, s) in zip(params, states):
        with torch.no_grad():
            v[:] = beta1 * v + (1 - beta1) * p.grad
            s[:] = s + (1 - beta2) * torch.sign(
                torch.square(p.grad) - s) * torch.square(p.grad)
            v_bias_corr = v / (1 - beta1 ** hyperparams['t'])
            s_bias_corr = s / (1 - beta2 ** hyperparams['t'])
            p[:] -= hyperparams['lr'] * v_bias_corr / (torch.sqrt(s_bias_corr)
                                                       + eps)
        p.grad.data.zero_()
    hyperparams['t'] += 1


yogi_w, yogi_b = train_ch11(yogi, init_adam_states(feature_dim), {'lr': 0.01, 't': 1}, data_iter, feature_dim)
'''

LR_SCHEDULER = '''
import math
import types

import torch
from torch import nn
from torch.optim import lr_scheduler

d2l = types.SimpleNamespace(  # d2l/torch.py's aliases
    arange=torch.arange,
    reduce_sum=lambda x, *args, **kwargs: x.sum(*args, **kwargs),
    argmax=lambda x, *args, **kwargs: x.argmax(*args, **kwargs),
    astype=lambda x, *args, **kwargs: x.type(*args, **kwargs),
    size=lambda x, *args, **kwargs: x.numel(*args, **kwargs))


class Accumulator:
    """For accumulating sums over `n` variables."""
    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self):
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        return self.data[idx]


def accuracy(y_hat, y):
    """Compute the number of correct predictions."""
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = d2l.argmax(y_hat, axis=1)
    cmp = d2l.astype(y_hat, y.dtype) == y
    return float(d2l.reduce_sum(d2l.astype(cmp, y.dtype)))


def evaluate_accuracy_gpu(net, data_iter, device=None):
    """Compute the accuracy for a model on a dataset using a GPU."""
    if isinstance(net, nn.Module):
        net.eval()  # Set the model to evaluation mode
        if not device:
            device = next(iter(net.parameters())).device
    # No. of correct predictions, no. of predictions
    metric = Accumulator(2)

    with torch.no_grad():
        for X, y in data_iter:
            if isinstance(X, list):
                # Required for BERT Fine-tuning (to be covered later)
                X = [x.to(device) for x in X]
            else:
                X = X.to(device)
            y = y.to(device)
            metric.add(accuracy(net(X), y), d2l.size(y))
    return metric[0] / metric[1]


def net_fn():
    model = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))
    return model


loss = nn.CrossEntropyLoss()
device = torch.device('cpu')
batch_size = 8
images, labels = torch.rand(24, 1, 28, 28), torch.randint(0, 10, (24,))  # FashionMNIST, smaller
dataset = torch.utils.data.TensorDataset(images, labels)
train_iter = torch.utils.data.DataLoader(dataset, batch_size, shuffle=True)
test_iter = torch.utils.data.DataLoader(dataset, batch_size, shuffle=False)
log = []  # what the Animator draws, and the learning rate of each epoch


# The code is almost identical to `d2l.train_ch6` defined in the
# lenet section of chapter convolutional neural networks
def train(net, train_iter, test_iter, num_epochs, loss, trainer, device,
          scheduler=None):
    net.to(device)
    for epoch in range(num_epochs):
        metric = Accumulator(3)  # train_loss, train_acc, num_examples
        for i, (X, y) in enumerate(train_iter):
            net.train()
            trainer.zero_grad()
            X, y = X.to(device), y.to(device)
            y_hat = net(X)
            l = loss(y_hat, y)
            l.backward()
            trainer.step()
            with torch.no_grad():
                metric.add(l * X.shape[0], accuracy(y_hat, y), X.shape[0])
            train_loss = metric[0] / metric[2]
            train_acc = metric[1] / metric[2]
        test_acc = evaluate_accuracy_gpu(net, test_iter)
        log.extend([train_loss, train_acc, test_acc, trainer.param_groups[0]['lr']])
        if scheduler:
            if scheduler.__module__ == lr_scheduler.__name__:
                # Using PyTorch In-Built scheduler
                scheduler.step()
            else:
                # Using custom defined scheduler
                for param_group in trainer.param_groups:
                    param_group['lr'] = scheduler(epoch)
    print(f'train loss {train_loss:.3f}, train acc {train_acc:.3f}, '
          f'test acc {test_acc:.3f}')


lr, num_epochs = 0.3, 3
net = net_fn()
trainer = torch.optim.SGD(net.parameters(), lr=lr)
train(net, train_iter, test_iter, num_epochs, loss, trainer, device)
lr = 0.1
trainer.param_groups[0]["lr"] = lr
print(f'learning rate is now {trainer.param_groups[0]["lr"]:.2f}')


class SquareRootScheduler:
    def __init__(self, lr=0.1):
        self.lr = lr

    def __call__(self, num_update):
        return self.lr * pow(num_update + 1.0, -0.5)


scheduler = SquareRootScheduler(lr=0.1)
square_root = [scheduler(t) for t in range(num_epochs)]
net = net_fn()
trainer = torch.optim.SGD(net.parameters(), lr)
train(net, train_iter, test_iter, num_epochs, loss, trainer, device,
      scheduler)


class FactorScheduler:
    def __init__(self, factor=1, stop_factor_lr=1e-7, base_lr=0.1):
        self.factor = factor
        self.stop_factor_lr = stop_factor_lr
        self.base_lr = base_lr

    def __call__(self, num_update):
        self.base_lr = max(self.stop_factor_lr, self.base_lr * self.factor)
        return self.base_lr


scheduler = FactorScheduler(factor=0.9, stop_factor_lr=1e-2, base_lr=2.0)
factor = [scheduler(t) for t in range(50)]

net = net_fn()
trainer = torch.optim.SGD(net.parameters(), lr=0.5)
scheduler = lr_scheduler.MultiStepLR(trainer, milestones=[15, 30], gamma=0.5)


def get_lr(trainer, scheduler):
    lr = scheduler.get_last_lr()[0]
    trainer.step()
    scheduler.step()
    return lr


multi_step = [get_lr(trainer, scheduler) for t in range(40)]
scheduler = lr_scheduler.MultiStepLR(trainer, milestones=[1, 2], gamma=0.5)
train(net, train_iter, test_iter, num_epochs, loss, trainer, device,
      scheduler)
multi_step_last = scheduler.get_last_lr()


class CosineScheduler:
    def __init__(self, max_update, base_lr=0.01, final_lr=0,
               warmup_steps=0, warmup_begin_lr=0):
        self.base_lr_orig = base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.warmup_steps = warmup_steps
        self.warmup_begin_lr = warmup_begin_lr
        self.max_steps = self.max_update - self.warmup_steps

    def get_warmup_lr(self, epoch):
        increase = (self.base_lr_orig - self.warmup_begin_lr) \\
                       * float(epoch) / float(self.warmup_steps)
        return self.warmup_begin_lr + increase

    def __call__(self, epoch):
        if epoch < self.warmup_steps:
            return self.get_warmup_lr(epoch)
        if epoch <= self.max_update:
            self.base_lr = self.final_lr + (
                self.base_lr_orig - self.final_lr) * (1 + math.cos(
                math.pi * (epoch - self.warmup_steps) / self.max_steps)) / 2
        return self.base_lr


scheduler = CosineScheduler(max_update=20, base_lr=0.3, final_lr=0.01)
cosine = [scheduler(t) for t in range(30)]
net = net_fn()
trainer = torch.optim.SGD(net.parameters(), lr=0.3)
train(net, train_iter, test_iter, num_epochs, loss, trainer, device,
      scheduler)
scheduler = CosineScheduler(20, warmup_steps=5, base_lr=0.3, final_lr=0.01)
warmup_cosine = [scheduler(t) for t in range(30)]
net = net_fn()
trainer = torch.optim.SGD(net.parameters(), lr=0.3)
train(net, train_iter, test_iter, num_epochs, loss, trainer, device,
      scheduler)
'''

PROGRAMS = {
    "minibatch SGD (p.data.sub_, A = BC by element, column, block)": MINIBATCH_SGD,
    "optimizers from scratch (momentum, adagrad, rmsprop, adadelta, adam, yogi) and torch.optim's": SCRATCH_OPTIMIZERS,
    "learning-rate schedulers (custom ones, MultiStepLR) training LeNet": LR_SCHEDULER,
}


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_d2l_program_runs_as_with_pytorch(name):
    torch_run, our_run = run_both(PROGRAMS[name])
    assert_same(torch_run, our_run, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_d2l_program_runs_as_with_pytorch_in_float64(name):
    """The same program with float64 as the default dtype (torch.set_default_dtype), to float64's precision."""
    assert_same_in_float64(PROGRAMS[name])
