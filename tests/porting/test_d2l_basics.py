"""Dive into Deep Learning (d2l.ai, the PyTorch edition), its first chapters as written there: linear regression
from scratch (its SGD class, `param -= self.lr * param.grad` under `torch.no_grad()`, and the Trainer's
`loss.backward()` inside `no_grad`) and concise (nn.LazyLinear with `weight.data.normal_`), softmax regression
from scratch (softmax and cross-entropy by hand, `y_hat[list(range(len(y_hat))), y]`), the MLP with a scratch
relu (`torch.max(X, zeros_like(X))`), dropout from scratch (`dropout_layer`) next to nn.Dropout, weight decay
(`l2_penalty` by hand, and per-group `weight_decay` in SGD) and the numerical-stability chapter (sigmoid's
gradient, a product of 100 random matrices).

d2l's framework (d2l.Module, Trainer, DataModule, the plots, FashionMNIST's download) is replaced by a plain
loop over a DataLoader and small synthetic tensors drawn with torch; d2l's tensor aliases (d2l.reduce_sum,
d2l.matmul...) are those of d2l/torch.py. Each program runs with PyTorch and with this project under torch's
names (harness.py): every value left and every number printed agree."""
import pytest

from harness import assert_same, assert_same_in_float64, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

# d2l/torch.py's aliases (the last lines of the package), so the chapters' `d2l.xxx` calls read as there
D2L = '''
import types

import torch
from torch import nn

d2l = types.SimpleNamespace(
    ones_like=torch.ones_like, ones=torch.ones, zeros_like=torch.zeros_like, zeros=torch.zeros,
    tensor=torch.tensor, arange=torch.arange, exp=torch.exp, log=torch.log, normal=torch.normal,
    rand=torch.rand, randn=torch.randn, matmul=torch.matmul, concat=torch.cat, stack=torch.stack,
    abs=torch.abs, sigmoid=torch.sigmoid, float32=torch.float32, batch_matmul=torch.bmm,
    reshape=lambda x, *args, **kwargs: x.reshape(*args, **kwargs),
    reduce_sum=lambda x, *args, **kwargs: x.sum(*args, **kwargs),
    argmax=lambda x, *args, **kwargs: x.argmax(*args, **kwargs),
    astype=lambda x, *args, **kwargs: x.type(*args, **kwargs),
    transpose=lambda x, *args, **kwargs: x.t(*args, **kwargs),
    reduce_mean=lambda x, *args, **kwargs: x.mean(*args, **kwargs))


def get_tensorloader(tensors, train, batch_size, indices=slice(0, None)):
    """d2l.DataModule.get_tensorloader."""
    tensors = tuple(a[indices] for a in tensors)
    dataset = torch.utils.data.TensorDataset(*tensors)
    return torch.utils.data.DataLoader(dataset, batch_size, shuffle=train)


def fit(model, optim, train_loader, val_loader, max_epochs):
    """d2l.Trainer.fit_epoch, as the chapter writes it (loss.backward() inside no_grad), and its log."""
    train_losses, val_losses = [], []
    for epoch in range(max_epochs):
        model.train()
        for batch in train_loader:
            loss = model.loss(model(*batch[:-1]), batch[-1])
            optim.zero_grad()
            with torch.no_grad():
                loss.backward()
                optim.step()
            train_losses.append(loss.item())
        model.eval()
        for batch in val_loader:
            with torch.no_grad():
                val_losses.append(model.loss(model(*batch[:-1]), batch[-1]).item())
    return train_losses, val_losses


def accuracy(Y_hat, Y, averaged=True):
    """d2l.Classifier.accuracy."""
    Y_hat = d2l.reshape(Y_hat, (-1, Y_hat.shape[-1]))
    preds = d2l.astype(d2l.argmax(Y_hat, axis=1), Y.dtype)
    compare = d2l.astype(preds == d2l.reshape(Y, -1), d2l.float32)
    return d2l.reduce_mean(compare) if averaged else compare


class SyntheticRegressionData:
    """d2l.SyntheticRegressionData, smaller."""
    def __init__(self, w, b, noise=0.01, num_train=100, num_val=50, batch_size=8):
        self.num_train, self.batch_size = num_train, batch_size
        n = num_train + num_val
        self.X = d2l.randn(n, len(w))
        noise = d2l.randn(n, 1) * noise
        self.w, self.b = w, b
        self.y = d2l.matmul(self.X, d2l.reshape(w, (-1, 1))) + b + noise

    def get_dataloader(self, train):
        i = slice(0, self.num_train) if train else slice(self.num_train, None)
        return get_tensorloader((self.X, self.y), train, self.batch_size, i)
'''

LINEAR_REGRESSION_SCRATCH = D2L + '''

class LinearRegressionScratch(nn.Module):  #@save
    """The linear regression model implemented from scratch."""
    def __init__(self, num_inputs, lr, sigma=0.01):
        super().__init__()
        self.lr = lr
        self.w = d2l.normal(0, sigma, (num_inputs, 1), requires_grad=True)
        self.b = d2l.zeros(1, requires_grad=True)

    def forward(self, X):
        return d2l.matmul(X, self.w) + self.b

    def loss(self, y_hat, y):
        l = (y_hat - y) ** 2 / 2
        return d2l.reduce_mean(l)

    def configure_optimizers(self):
        return SGD([self.w, self.b], self.lr)


class SGD:  #@save
    """Minibatch stochastic gradient descent."""
    def __init__(self, params, lr):
        self.params, self.lr = params, lr

    def step(self):
        for param in self.params:
            param -= self.lr * param.grad

    def zero_grad(self):
        for param in self.params:
            if param.grad is not None:
                param.grad.zero_()


model = LinearRegressionScratch(2, lr=0.03)
data = SyntheticRegressionData(w=d2l.tensor([2, -3.4]), b=4.2)
train_losses, val_losses = fit(model, model.configure_optimizers(), data.get_dataloader(True),
                               data.get_dataloader(False), max_epochs=3)
with torch.no_grad():
    print(f'error in estimating w: {data.w - d2l.reshape(model.w, data.w.shape)}')
    print(f'error in estimating b: {data.b - model.b}')
w, b = model.w, model.b
'''

LINEAR_REGRESSION_CONCISE = D2L + '''

class LinearRegression(nn.Module):  #@save
    """The linear regression model implemented with high-level APIs."""
    def __init__(self, lr):
        super().__init__()
        self.lr = lr
        self.net = nn.LazyLinear(1)
        self.net.weight.data.normal_(0, 0.01)
        self.net.bias.data.fill_(0)

    def forward(self, X):
        return self.net(X)

    def loss(self, y_hat, y):
        fn = nn.MSELoss()
        return fn(y_hat, y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), self.lr)

    def get_w_b(self):
        return (self.net.weight.data, self.net.bias.data)


model = LinearRegression(lr=0.03)
data = SyntheticRegressionData(w=d2l.tensor([2, -3.4]), b=4.2)
model(data.X[:1])  # (d2l's Trainer.prepare_model: the lazy layer sized by one batch before the optimizer)
train_losses, val_losses = fit(model, model.configure_optimizers(), data.get_dataloader(True),
                               data.get_dataloader(False), max_epochs=3)
w, b = model.get_w_b()
print(f'error in estimating w: {data.w - d2l.reshape(w, data.w.shape)}')
print(f'error in estimating b: {data.b - b}')
'''

SOFTMAX_REGRESSION_SCRATCH = D2L + '''
X = d2l.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
sum0, sum1 = d2l.reduce_sum(X, 0, keepdims=True), d2l.reduce_sum(X, 1, keepdims=True)


def softmax(X):
    X_exp = d2l.exp(X)
    partition = d2l.reduce_sum(X_exp, 1, keepdims=True)
    return X_exp / partition  # The broadcasting mechanism is applied here


X = d2l.rand((2, 5))
X_prob = softmax(X)
print(X_prob, d2l.reduce_sum(X_prob, 1))


class SoftmaxRegressionScratch(nn.Module):
    def __init__(self, num_inputs, num_outputs, lr, sigma=0.01):
        super().__init__()
        self.lr = lr
        self.W = torch.normal(0, sigma, size=(num_inputs, num_outputs),
                              requires_grad=True)
        self.b = torch.zeros(num_outputs, requires_grad=True)

    def parameters(self):
        return [self.W, self.b]

    def forward(self, X):
        X = d2l.reshape(X, (-1, self.W.shape[0]))
        return softmax(d2l.matmul(X, self.W) + self.b)

    def loss(self, y_hat, y):
        return cross_entropy(y_hat, y)


y = d2l.tensor([0, 2])
y_hat = d2l.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
picked = y_hat[[0, 1], y]


def cross_entropy(y_hat, y):
    return -d2l.reduce_mean(d2l.log(y_hat[list(range(len(y_hat))), y]))


ce = cross_entropy(y_hat, y)
print(ce)

images = torch.rand(48, 1, 6, 6)          # FashionMNIST, smaller
labels = torch.randint(0, 10, (48,))
model = SoftmaxRegressionScratch(num_inputs=36, num_outputs=10, lr=0.1)
train_losses, val_losses = fit(model, torch.optim.SGD(model.parameters(), lr=model.lr),
                               get_tensorloader((images, labels), True, 16), get_tensorloader((images, labels), False, 16),
                               max_epochs=4)
X, y = next(iter(get_tensorloader((images, labels), False, 16)))
preds = d2l.argmax(model(X), axis=1)
wrong = d2l.astype(preds, y.dtype) != y
X, y, preds = X[wrong], y[wrong], preds[wrong]
acc = accuracy(model(images), labels)
W, b = model.W, model.b
'''

MLP_SCRATCH = D2L + '''

class MLPScratch(nn.Module):
    def __init__(self, num_inputs, num_outputs, num_hiddens, lr, sigma=0.01):
        super().__init__()
        self.num_inputs, self.lr = num_inputs, lr
        self.W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens) * sigma)
        self.b1 = nn.Parameter(torch.zeros(num_hiddens))
        self.W2 = nn.Parameter(torch.randn(num_hiddens, num_outputs) * sigma)
        self.b2 = nn.Parameter(torch.zeros(num_outputs))

    def forward(self, X):
        X = d2l.reshape(X, (-1, self.num_inputs))
        H = relu(d2l.matmul(X, self.W1) + self.b1)
        return d2l.matmul(H, self.W2) + self.b2

    def loss(self, Y_hat, Y, averaged=True):  # d2l.Classifier.loss
        Y_hat = d2l.reshape(Y_hat, (-1, Y_hat.shape[-1]))
        Y = d2l.reshape(Y, (-1,))
        return F.cross_entropy(
            Y_hat, Y, reduction='mean' if averaged else 'none')


def relu(X):
    a = torch.zeros_like(X)
    return torch.max(X, a)


class MLP(nn.Module):
    def __init__(self, num_outputs, num_hiddens, lr):
        super().__init__()
        self.lr = lr
        self.net = nn.Sequential(nn.Flatten(), nn.LazyLinear(num_hiddens),
                                 nn.ReLU(), nn.LazyLinear(num_outputs))

    def forward(self, X):
        return self.net(X)

    loss = MLPScratch.loss


from torch.nn import functional as F

images = torch.rand(48, 1, 6, 6)
labels = torch.randint(0, 10, (48,))
relu_check = relu(torch.randn(3, 4))
model = MLPScratch(num_inputs=36, num_outputs=10, num_hiddens=32, lr=0.1)
train_losses, val_losses = fit(model, torch.optim.SGD(model.parameters(), lr=model.lr),
                               get_tensorloader((images, labels), True, 16), get_tensorloader((images, labels), False, 16),
                               max_epochs=3)
concise = MLP(num_outputs=10, num_hiddens=32, lr=0.1)
concise(images[:1])
concise_losses, concise_val = fit(concise, torch.optim.SGD(concise.parameters(), lr=concise.lr),
                                  get_tensorloader((images, labels), True, 16),
                                  get_tensorloader((images, labels), False, 16), max_epochs=3)
acc = accuracy(model(images), labels)
'''

DROPOUT = D2L + '''
from torch.nn import functional as F


def dropout_layer(X, dropout):
    assert 0 <= dropout <= 1
    if dropout == 1: return torch.zeros_like(X)
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)


X = torch.arange(16, dtype = torch.float32).reshape((2, 8))
print('dropout_p = 0:', dropout_layer(X, 0))
print('dropout_p = 0.5:', dropout_layer(X, 0.5))
print('dropout_p = 1:', dropout_layer(X, 1))


def classifier_loss(Y_hat, Y, averaged=True):  # d2l.Classifier.loss
    Y_hat = d2l.reshape(Y_hat, (-1, Y_hat.shape[-1]))
    Y = d2l.reshape(Y, (-1,))
    return F.cross_entropy(
        Y_hat, Y, reduction='mean' if averaged else 'none')


class DropoutMLPScratch(nn.Module):
    def __init__(self, num_outputs, num_hiddens_1, num_hiddens_2,
                 dropout_1, dropout_2, lr):
        super().__init__()
        self.dropout_1, self.dropout_2, self.lr = dropout_1, dropout_2, lr
        self.lin1 = nn.LazyLinear(num_hiddens_1)
        self.lin2 = nn.LazyLinear(num_hiddens_2)
        self.lin3 = nn.LazyLinear(num_outputs)
        self.relu = nn.ReLU()

    def forward(self, X):
        H1 = self.relu(self.lin1(X.reshape((X.shape[0], -1))))
        if self.training:  
            H1 = dropout_layer(H1, self.dropout_1)
        H2 = self.relu(self.lin2(H1))
        if self.training:
            H2 = dropout_layer(H2, self.dropout_2)
        return self.lin3(H2)

    loss = staticmethod(classifier_loss)


class DropoutMLP(nn.Module):
    def __init__(self, num_outputs, num_hiddens_1, num_hiddens_2,
                 dropout_1, dropout_2, lr):
        super().__init__()
        self.lr = lr
        self.net = nn.Sequential(
            nn.Flatten(), nn.LazyLinear(num_hiddens_1), nn.ReLU(), 
            nn.Dropout(dropout_1), nn.LazyLinear(num_hiddens_2), nn.ReLU(), 
            nn.Dropout(dropout_2), nn.LazyLinear(num_outputs))

    def forward(self, X):
        return self.net(X)

    loss = staticmethod(classifier_loss)


images = torch.rand(48, 1, 6, 6)
labels = torch.randint(0, 10, (48,))
hparams = {'num_outputs':10, 'num_hiddens_1':32, 'num_hiddens_2':32,
           'dropout_1':0.5, 'dropout_2':0.5, 'lr':0.1}
model = DropoutMLPScratch(**hparams)
model(images[:1])
train_losses, val_losses = fit(model, torch.optim.SGD(model.parameters(), lr=model.lr),
                               get_tensorloader((images, labels), True, 16), get_tensorloader((images, labels), False, 16),
                               max_epochs=3)
concise = DropoutMLP(**hparams)
concise(images[:1])
concise_losses, concise_val = fit(concise, torch.optim.SGD(concise.parameters(), lr=concise.lr),
                                  get_tensorloader((images, labels), True, 16),
                                  get_tensorloader((images, labels), False, 16), max_epochs=3)
'''

WEIGHT_DECAY = D2L + LINEAR_REGRESSION_SCRATCH.split("model = LinearRegressionScratch")[0].replace(D2L, "") + \
    LINEAR_REGRESSION_CONCISE.split("model = LinearRegression(")[0].replace(D2L, "") + '''

class Data:
    def __init__(self, num_train, num_val, num_inputs, batch_size):
        self.num_train, self.batch_size = num_train, batch_size
        n = num_train + num_val 
        self.X = d2l.randn(n, num_inputs)
        noise = d2l.randn(n, 1) * 0.01
        w, b = d2l.ones((num_inputs, 1)) * 0.01, 0.05
        self.y = d2l.matmul(self.X, w) + b + noise

    def get_dataloader(self, train):
        i = slice(0, self.num_train) if train else slice(self.num_train, None)
        return get_tensorloader([self.X, self.y], train, self.batch_size, i)


def l2_penalty(w):
    return d2l.reduce_sum(w**2) / 2


class WeightDecayScratch(LinearRegressionScratch):
    def __init__(self, num_inputs, lambd, lr, sigma=0.01):
        super().__init__(num_inputs, lr, sigma)
        self.lambd = lambd
        
    def loss(self, y_hat, y):
        return (super().loss(y_hat, y) +
                self.lambd * l2_penalty(self.w))


data = Data(num_train=20, num_val=100, num_inputs=200, batch_size=5)
norms = []

def train_scratch(lambd):    
    model = WeightDecayScratch(num_inputs=200, lambd=lambd, lr=0.01)
    fit(model, model.configure_optimizers(), data.get_dataloader(True), data.get_dataloader(False), max_epochs=10)
    print('L2 norm of w:', float(l2_penalty(model.w)))
    norms.append(float(l2_penalty(model.w)))
    return model

model_0 = train_scratch(0).w
model_3 = train_scratch(3).w


class WeightDecay(LinearRegression):
    def __init__(self, wd, lr):
        super().__init__(lr)
        self.wd = wd

    def configure_optimizers(self):
        return torch.optim.SGD([
            {'params': self.net.weight, 'weight_decay': self.wd},
            {'params': self.net.bias}], lr=self.lr)


model = WeightDecay(wd=3, lr=0.01)
model(data.X[:1])
train_losses, val_losses = fit(model, model.configure_optimizers(), data.get_dataloader(True),
                               data.get_dataloader(False), max_epochs=10)
print('L2 norm of w:', float(l2_penalty(model.get_w_b()[0])))
'''

NUMERICAL_STABILITY = '''
import torch

x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
y = torch.sigmoid(x)
y.backward(torch.ones_like(x))
curves = [y.detach().numpy(), x.grad.numpy()]  # (what d2l.plot draws)
sigmoid, gradient = torch.tensor(curves[0]), torch.tensor(curves[1])

M = torch.normal(0, 1, size=(4, 4))
print('a single matrix \\n',M)
for i in range(100):
    M = M @ torch.normal(0, 1, size=(4, 4))
print('after multiplying 100 matrices\\n', M)
'''

PROGRAMS = {
    "linear regression from scratch": LINEAR_REGRESSION_SCRATCH,
    "linear regression, concise": LINEAR_REGRESSION_CONCISE,
    "softmax regression from scratch": SOFTMAX_REGRESSION_SCRATCH,
    "MLP from scratch and concise": MLP_SCRATCH,
    "dropout from scratch and nn.Dropout": DROPOUT,
    "weight decay (l2_penalty, per-group weight_decay)": WEIGHT_DECAY,
    "numerical stability (sigmoid's gradient, 100 matrix products)": NUMERICAL_STABILITY,
}


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_d2l_program_runs_as_with_pytorch(name):
    torch_run, our_run = run_both(PROGRAMS[name])
    assert_same(torch_run, our_run, rtol=2e-4, atol=2e-5)


# (not the numerical-stability chapter: a product of 100 random matrices reaches 1e20 with entries that cancel, where float64's
# rounding in two BLAS summation orders differs by more than 1e-10 relatively)
@pytest.mark.parametrize("name", [name for name in PROGRAMS if "numerical stability" not in name])
def test_d2l_program_runs_as_with_pytorch_in_float64(name):
    """The same program with float64 as the default dtype (torch.set_default_dtype), to float64's precision."""
    assert_same_in_float64(PROGRAMS[name])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normal_draws_as_pytorch_and_passes_a_zero_gradient(dtype):
    """torch.normal, which d2l uses for its weights (`torch.normal(0, sigma, size, requires_grad=True)`): numbers
    and a size, a mean tensor, a std tensor, both (broadcast); the draws replayed from PyTorch's run."""
    source = f'''
import torch
w = torch.normal(0, 0.01, (3, 2), requires_grad=True, dtype=torch.{dtype})
m = torch.normal(1.5, 2.0, size=(4,), dtype=torch.{dtype})
mean = torch.arange(6, dtype=torch.{dtype}).reshape(2, 3).requires_grad_()
std = torch.full((3,), 0.5, dtype=torch.{dtype}, requires_grad=True)
a = torch.normal(mean, 1.0)
b = torch.normal(-1.0, std)
c = torch.normal(mean, std)
(a.sum() + b.sum() + (c * c).sum() + (w ** 2).sum()).backward()
mean_grad, std_grad, w_grad = mean.grad, std.grad, w.grad
flags = [a.requires_grad, w.is_leaf, c.is_leaf]
'''
    torch_run, our_run = run_both(source)
    assert_same(torch_run, our_run, rtol=1e-6 if dtype == "float32" else 1e-12, atol=1e-7 if dtype == "float32" else 1e-14)


def test_normal_of_an_infinite_mean_is_infinite_with_a_zero_gradient():
    """(Not through the harness: it recovers PyTorch's draw as (out - mean) / std, which inf - inf leaves nan.)"""
    import autograd as ag

    for lib in (torch, ag):
        far = lib.tensor([float("inf"), -float("inf"), 0.0], requires_grad=True)
        drawn = lib.normal(far, 1.0)
        drawn[2].backward()
        assert drawn[:2].tolist() == [float("inf"), -float("inf")] and far.grad.tolist() == [0.0, 0.0, 0.0]


def test_normal_refuses_what_pytorch_refuses():
    import autograd as ag

    with pytest.raises(RuntimeError, match="normal expects std >= 0.0, but found std -1"):
        ag.normal(0.0, -1.0, (2,))
    with pytest.raises(RuntimeError, match="normal expects all elements of std >= 0.0"):
        ag.normal(ag.zeros(2), -ag.ones(2))
    with pytest.raises(TypeError, match="give the size"):
        ag.normal(0, 1)
    with pytest.raises(RuntimeError, match="do not broadcast"):
        ag.normal(ag.zeros(2, 3), ag.ones(4))
    for lib in (torch, ag):  # the mean's dtype when it is a tensor, else the std's
        assert str(lib.normal(lib.zeros(2), lib.ones(2, dtype=lib.float64)).dtype).endswith("float32")
        assert str(lib.normal(lib.zeros(2, dtype=lib.float64), lib.ones(2)).dtype).endswith("float64")
        assert str(lib.normal(1.0, lib.ones(2, dtype=lib.float64)).dtype).endswith("float64")
        assert tuple(lib.normal(lib.zeros(1, 3), lib.ones(2, 1)).shape) == (2, 3)
    with pytest.raises(NotImplementedError, match="not implemented for int64"):
        ag.normal(ag.zeros(2, dtype=ag.int64), 1.0)
    for fn in (torch.normal, ag.normal):  # both refuse the same calls
        with pytest.raises((RuntimeError, TypeError)):
            fn(0.0, -1.0, (2,))
        with pytest.raises(TypeError):
            fn(0, 1)
