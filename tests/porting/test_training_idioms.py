"""Training idioms from PyTorch's recipes and forum-standard code: learning-rate schedulers,
data loading (TensorDataset, a custom Dataset, DataLoader with shuffle and a generator,
random_split, collate of tuples and dicts, samplers and a batch sampler), saving and loading
state dicts and a general checkpoint, in-place parameter updates, nn.init (trunc_normal_ too),
gradient accumulation, a Keras-like fit loop, torch.manual_seed determinism. Each runs with
PyTorch and with this project under torch's names (harness.py): every value left and every
number printed agree."""
import pytest

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

SCHEDULERS = '''
import math
import torch
from torch import nn, optim
from torch.optim import lr_scheduler

def make():
    model = nn.Linear(3, 1)
    return model, optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

x, y = torch.randn(16, 3), torch.randn(16, 1)

def train(scheduler_fn, epochs=12, metric=False):
    model, optimizer = make()
    scheduler = scheduler_fn(optimizer)
    lrs = []
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        lrs.append(optimizer.param_groups[0]["lr"])
        if metric:
            scheduler.step(1.0)          # a validation loss that stops improving
        else:
            scheduler.step()
    return lrs, scheduler.get_last_lr() if not metric else [optimizer.param_groups[0]["lr"]]

step_lrs, step_last = train(lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.5))
exp_lrs, exp_last = train(lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9))
cos_lrs, cos_last = train(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.001))
lambda_lrs, lambda_last = train(lambda o: lr_scheduler.LambdaLR(o, lr_lambda=lambda epoch: 0.95 ** epoch))
multi_lrs, multi_last = train(lambda o: lr_scheduler.MultiStepLR(o, milestones=[2, 5, 9], gamma=0.3))
onecycle_lrs, onecycle_last = train(lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.5, total_steps=12))
plateau_lrs, plateau_last = train(lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="min", factor=0.5, patience=2),
                                  metric=True)

# the warm-up then cosine decay written with LambdaLR, as in many training scripts
warmup, total = 3, 12
def lr_lambda(step):
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / (total - warmup)
    return 0.5 * (1 + math.cos(math.pi * progress))
warm_lrs, warm_last = train(lambda o: lr_scheduler.LambdaLR(o, lr_lambda))

# OneCycleLR also cycles momentum
model, optimizer = make()
sched = lr_scheduler.OneCycleLR(optimizer, max_lr=0.5, steps_per_epoch=4, epochs=2)
momenta = []
for _ in range(8):
    optimizer.step()
    sched.step()
    momenta.append(optimizer.param_groups[0]["momentum"])
print(step_lrs, cos_lrs, plateau_lrs)
'''

DATA_LOADING = '''
import torch
from torch.utils.data import DataLoader, Dataset, TensorDataset, random_split


class SquaresDataset(Dataset):
    """A custom map-style Dataset: __len__ and __getitem__."""

    def __init__(self, n):
        self.x = torch.arange(n, dtype=torch.float32)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        return self.x[idx], self.x[idx] ** 2


class DictDataset(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, idx):
        return {"input": torch.full((3,), float(idx)), "label": idx % 3, "weight": 0.5 * idx}


ds = SquaresDataset(10)
first = ds[3]
loader = DataLoader(ds, batch_size=4)
batches = [(xb, yb) for xb, yb in loader]
n_batches = len(loader)
last_x, last_y = batches[-1]

# shuffle with a seeded generator: a new order each epoch
g = torch.Generator()
g.manual_seed(0)
shuffled = DataLoader(ds, batch_size=3, shuffle=True, generator=g, drop_last=True)
epoch1 = torch.cat([xb for xb, _ in shuffled])
epoch2 = torch.cat([xb for xb, _ in shuffled])
n_shuffled = len(shuffled)

# collate of dicts: a dict of batched tensors (ints become int64, floats float64)
dict_batch = next(iter(DataLoader(DictDataset(6), batch_size=4)))
dict_input, dict_label, dict_weight = dict_batch["input"], dict_batch["label"], dict_batch["weight"]

# a custom collate_fn: pad sequences of different lengths
def pad_collate(batch):
    lengths = torch.tensor([len(seq) for seq, _ in batch])
    padded = torch.zeros(len(batch), int(lengths.max()))
    for i, (seq, _) in enumerate(batch):
        padded[i, :len(seq)] = seq
    labels = torch.tensor([label for _, label in batch])
    return padded, lengths, labels

sequences = [(torch.arange(1.0, k + 1), k % 2) for k in (3, 1, 4, 2)]
padded, lengths, seq_labels = next(iter(DataLoader(sequences, batch_size=4, collate_fn=pad_collate)))

# random_split with a generator, then loaders over the subsets
full = TensorDataset(torch.randn(20, 2), torch.arange(20))
train_ds, val_ds = random_split(full, [15, 5], generator=torch.Generator().manual_seed(42))
val_labels = torch.cat([yb for _, yb in DataLoader(val_ds, batch_size=2)])
train_size, val_size = len(train_ds), len(val_ds)
frac_train, frac_val = random_split(range(10), [0.7, 0.3], generator=torch.Generator().manual_seed(1))
frac_sizes = [len(frac_train), len(frac_val)]
frac_val_items = [int(i) for i in frac_val]

# a plain list of (input, label) tuples is a dataset too
pairs = [(torch.tensor([float(i), -float(i)]), i) for i in range(5)]
xb, yb = next(iter(DataLoader(pairs, batch_size=5)))
print(first, last_x, epoch1, dict_label, padded, val_labels, frac_val_items, yb)
'''

STATE_DICTS = '''
import os
import shutil
import tempfile
import torch
import torch.nn as nn
import torch.optim as optim


class TheModelClass(nn.Module):
    def __init__(self):
        super(TheModelClass, self).__init__()
        self.fc1 = nn.Linear(6, 12)
        self.bn = nn.BatchNorm1d(12)
        self.fc2 = nn.Linear(12, 3)

    def forward(self, x):
        return self.fc2(torch.relu(self.bn(self.fc1(x))))


model = TheModelClass()
optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
x, y = torch.randn(10, 6), torch.randint(0, 3, (10,))
for _ in range(2):
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()

print("Model's state_dict:")
for param_tensor in model.state_dict():
    print(param_tensor, "\\t", tuple(model.state_dict()[param_tensor].size()))
keys = list(model.state_dict().keys())
print("Optimizer's state_dict:")
for var_name in optimizer.state_dict():
    print(var_name)
optimizer_keys = sorted(optimizer.state_dict())

folder = tempfile.mkdtemp()
PATH = os.path.join(folder, "model.pt")

# Save/load state_dict (recommended)
torch.save(model.state_dict(), PATH)
model2 = TheModelClass()
model2.load_state_dict(torch.load(PATH, weights_only=True))
model2.eval()
with torch.no_grad():
    same_output = bool(torch.equal(model.eval()(x), model2(x)))

# Saving & loading a general checkpoint for inference and/or resuming training
CKPT = os.path.join(folder, "checkpoint.tar")
torch.save({
    'epoch': 2,
    'model_state_dict': model.state_dict(),
    'optimizer_state_dict': optimizer.state_dict(),
    'loss': loss.item(),
}, CKPT)

model3 = TheModelClass()
optimizer3 = optim.SGD(model3.parameters(), lr=0.5)
checkpoint = torch.load(CKPT, weights_only=True)
model3.load_state_dict(checkpoint['model_state_dict'])
optimizer3.load_state_dict(checkpoint['optimizer_state_dict'])
epoch = checkpoint['epoch']
saved_loss = checkpoint['loss']
restored_lr = optimizer3.param_groups[0]['lr']

# resuming gives the same next step as going on
model.train()
model3.train()
for m, o in ((model, optimizer), (model3, optimizer3)):
    o.zero_grad()
    nn.functional.cross_entropy(m(x), y).backward()
    o.step()
resumed_same = all(torch.allclose(a, b) for a, b in zip(model.parameters(), model3.parameters()))

# strict=False reports what did not fit
partial = nn.Sequential(nn.Linear(6, 12))
result = partial.load_state_dict({"0.weight": model.fc1.weight.detach().clone()}, strict=False)
missing, unexpected = list(result.missing_keys), list(result.unexpected_keys)
print(missing, unexpected)
shutil.rmtree(folder)
del folder, PATH, CKPT  # (temporary paths: not compared)
'''

INPLACE_UPDATES = '''
import torch

w = torch.randn(3, 2, requires_grad=True)
b = torch.zeros(2, requires_grad=True)
x, y = torch.randn(8, 3), torch.randn(8, 2)
lr = 0.1
losses = []
for step in range(5):
    loss = ((x @ w + b - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad                  # the tutorial's update
        b.sub_(b.grad, alpha=lr)
        w.grad.zero_()
        b.grad.zero_()
    losses.append(loss.item())

# updates through .data, as older code writes them
model = torch.nn.Linear(3, 2)
for p in model.parameters():
    p.data.add_(torch.ones_like(p) * 0.5)
    p.data.mul_(0.9)
    p.data.clamp_(-0.5, 0.5)

# momentum by hand with a velocity buffer per parameter
velocity = [torch.zeros_like(p) for p in model.parameters()]
for step in range(3):
    model.zero_grad()
    ((model(x) - y) ** 2).mean().backward()
    with torch.no_grad():
        for p, v in zip(model.parameters(), velocity):
            v.mul_(0.9).add_(p.grad)
            p.add_(v, alpha=-0.05)

# an alias sees the change: x and y are one tensor
a = torch.zeros(3)
alias = a
a += 1
a[1] = 5
a.mul_(2)
version_seen = alias.sum().item()

# exponential moving average of weights (EMA / Polyak averaging)
ema = [p.detach().clone() for p in model.parameters()]
with torch.no_grad():
    for e, p in zip(ema, model.parameters()):
        e.mul_(0.99).add_(p, alpha=0.01)
        e.copy_(e.lerp(p, 0.5))

# in-place on a leaf that requires grad outside no_grad: the same error
leaf = torch.ones(2, requires_grad=True)
try:
    leaf.add_(1)
    error = ""
except RuntimeError as err:
    error = "leaf Variable" in str(err)
'''

WEIGHT_INIT = '''
import math
import torch
import torch.nn as nn

def init_weights(m):
    if isinstance(m, nn.Linear):
        torch.nn.init.xavier_uniform_(m.weight)
        m.bias.data.fill_(0.01)

net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
net.apply(init_weights)

w = torch.empty(3, 5)
nn.init.uniform_(w, a=-0.5, b=0.5)
n = torch.empty(3, 5)
nn.init.normal_(n, mean=1.0, std=0.1)
c = nn.init.constant_(torch.empty(3, 5), 0.3)
o = nn.init.ones_(torch.empty(2, 2))
z = nn.init.zeros_(torch.empty(2, 2))
e = nn.init.eye_(torch.empty(3, 5))
xn = nn.init.xavier_normal_(torch.empty(3, 5), gain=nn.init.calculate_gain('tanh'))
ku = nn.init.kaiming_uniform_(torch.empty(3, 5), mode='fan_in', nonlinearity='relu')
kn = nn.init.kaiming_normal_(torch.empty(3, 5), mode='fan_out', nonlinearity='relu')
conv = nn.Conv2d(2, 4, 3)
nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")
nn.init.constant_(conv.bias, 0)
gains = [nn.init.calculate_gain(name) for name in ('linear', 'sigmoid', 'tanh', 'relu', 'selu')]
leaky_gain = nn.init.calculate_gain('leaky_relu', 0.2)

# the default init of nn.Linear: kaiming_uniform_(a=sqrt(5)) and a uniform bias
lin = nn.Linear(5, 3)
bound = 1 / math.sqrt(5)
in_bounds = bool((lin.bias.abs() <= bound).all())

# a custom reset_parameters written like PyTorch's own
class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.empty(out_features))
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        fan_in = self.weight.size(1)
        bound = 1 / math.sqrt(fan_in)
        nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        return x @ self.weight.t() + self.bias

mine = MyLinear(5, 3)
out = mine(torch.ones(2, 5))
'''

GRADIENT_ACCUMULATION = '''
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
loss_fn = nn.MSELoss()
inputs, labels = torch.randn(16, 5), torch.randn(16, 1)

accumulation_steps = 4
optimizer.zero_grad()
for i, (xb, yb) in enumerate(zip(inputs.split(4), labels.split(4))):
    predictions = model(xb)
    loss = loss_fn(predictions, yb)
    loss = loss / accumulation_steps              # Normalize our loss (if averaged)
    loss.backward()                               # Backward pass
    if (i + 1) % accumulation_steps == 0:         # Wait for several backward steps
        accumulated = [p.grad.clone() for p in model.parameters()]
        optimizer.step()                          # Now we can do an optimizer step
        optimizer.zero_grad()                     # Reset gradients tensors

# the accumulated gradient equals the gradient of the whole batch
model.zero_grad()
with torch.no_grad():
    for p, g in zip(model.parameters(), accumulated):
        p.add_(g, alpha=0.05)                     # undo the step
loss_fn(model(inputs), labels).backward()
full_batch = [p.grad.clone() for p in model.parameters()]
same = all(torch.allclose(a, b, atol=1e-6) for a, b in zip(accumulated, full_batch))

# zero_grad(set_to_none=True) leaves None; False leaves zeros
optimizer.zero_grad(set_to_none=False)
zeros_left = all(bool((p.grad == 0).all()) for p in model.parameters())
optimizer.zero_grad()
nones_left = all(p.grad is None for p in model.parameters())
'''

KERAS_LIKE_LOOP = '''
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Trainer:
    """fit / evaluate / predict, the way people write Keras' loop in PyTorch."""

    def __init__(self, model, optimizer, loss_fn):
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}

    def _epoch(self, loader, train):
        self.model.train(train)
        total, correct, count = 0.0, 0, 0
        with torch.set_grad_enabled(train):
            for xb, yb in loader:
                logits = self.model(xb)
                loss = self.loss_fn(logits, yb)
                if train:
                    self.optimizer.zero_grad()
                    loss.backward()
                    self.optimizer.step()
                total += loss.item() * len(xb)
                correct += (logits.argmax(1) == yb).sum().item()
                count += len(xb)
        return total / count, correct / count

    def fit(self, train_loader, val_loader, epochs):
        for epoch in range(epochs):
            loss, acc = self._epoch(train_loader, True)
            val_loss, val_acc = self._epoch(val_loader, False)
            for k, v in zip(self.history, (loss, acc, val_loss, val_acc)):
                self.history[k].append(v)
            print(f"Epoch {epoch + 1}/{epochs} - loss: {loss:.4f} - accuracy: {acc:.4f} "
                  f"- val_loss: {val_loss:.4f} - val_accuracy: {val_acc:.4f}")
        return self.history

    @torch.no_grad()
    def predict(self, x):
        self.model.eval()
        return torch.softmax(self.model(x), dim=1)


X = torch.randn(96, 4)
Y = (X[:, 0] + X[:, 1] > 0).long()
train_loader = DataLoader(TensorDataset(X[:64], Y[:64]), batch_size=16, shuffle=True)
val_loader = DataLoader(TensorDataset(X[64:], Y[64:]), batch_size=32)
model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))
trainer = Trainer(model, torch.optim.Adam(model.parameters(), lr=0.01), nn.CrossEntropyLoss())
history = trainer.fit(train_loader, val_loader, epochs=4)
loss_curve, val_accuracy = history["loss"], history["val_accuracy"]
probabilities = trainer.predict(X[:5])
grad_enabled_after = torch.is_grad_enabled()
'''

DETERMINISM = '''
import random
import numpy as np
import torch

def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)

set_seed(0)
a = torch.randn(3)
set_seed(0)
b = torch.randn(3)
repeated = bool(torch.equal(a, b))

set_seed(1)
net1 = torch.nn.Linear(4, 2)
set_seed(1)
net2 = torch.nn.Linear(4, 2)
same_init = bool(torch.equal(net1.weight, net2.weight))

idx = torch.randperm(6)
ints = torch.randint(0, 10, (2, 3))
uniform = torch.rand(2, 2)
py_draw = random.random()
np_draw = float(np.random.rand())
normal_like = torch.randn_like(uniform)
'''


TRUNC_NORMAL = '''
import torch
from torch import nn

# timm's and nanoGPT-style initialisations: a position embedding and weights at std 0.02, and
# intervals that hold little of the mass (PyTorch samples those by uniform proposals)
torch.manual_seed(0)
pos_embed = nn.Parameter(torch.zeros(1, 16, 8))
nn.init.trunc_normal_(pos_embed, std=.02)
head = nn.Linear(8, 4)
nn.init.trunc_normal_(head.weight, mean=0.0, std=0.02, a=-0.04, b=0.04)
outs = []
for mean, std, a, b in [(0.0, 1.0, -2.0, 2.0), (0.5, 0.2, 0.0, 0.6), (0.0, 1.0, 1.0, 1.5), (0.0, 1.0, 4.0, 5.0),
                        (0.0, 1.0, -0.1, 0.1)]:
    outs.append(nn.init.trunc_normal_(torch.empty(40, 30), mean=mean, std=std, a=a, b=b))
inside = all(bool((w >= a).all() and (w <= b).all()) for w, (_, _, a, b) in zip(outs, [(0, 1, -2, 2), (0, 0, 0, 0.6),
             (0, 0, 1, 1.5), (0, 0, 4, 5), (0, 0, -0.1, 0.1)]))
'''

SAMPLERS = '''
import torch
# a train/validation split of one dataset with SubsetRandomSampler, as in many tutorials; a batch sampler
from torch.utils.data import (DataLoader, TensorDataset, SequentialSampler, RandomSampler, SubsetRandomSampler,
                              BatchSampler)
torch.manual_seed(0)
X = torch.arange(20.).reshape(10, 2)
y = torch.arange(10)
ds = TensorDataset(X, y)
indices = list(range(10))
train_idx, val_idx = indices[:7], indices[7:]
train_loader = DataLoader(ds, batch_size=3, sampler=SubsetRandomSampler(train_idx))
val_loader = DataLoader(ds, batch_size=3, sampler=SubsetRandomSampler(val_idx))
train_epochs = [[yb for _, yb in train_loader] for _ in range(2)]
val_labels = [yb for _, yb in val_loader]
n_train = len(train_loader)
seq = list(SequentialSampler(ds))
rs = list(RandomSampler(ds))
rs_g = list(RandomSampler(ds, generator=torch.Generator().manual_seed(3)))
batches = list(BatchSampler(SequentialSampler(range(10)), batch_size=4, drop_last=False))
batches_drop = list(BatchSampler(SequentialSampler(range(10)), batch_size=4, drop_last=True))
nb = len(BatchSampler(SequentialSampler(range(10)), batch_size=4, drop_last=False))
bs_loader = DataLoader(ds, batch_sampler=BatchSampler(RandomSampler(ds), batch_size=4, drop_last=True))
bs_batches = [yb for _, yb in bs_loader]
n_bs = len(bs_loader)
print(seq, batches, batches_drop, nb, n_bs)
'''


FULL_RECIPE = '''
# Many recipes at once: a small residual CNN, AdamW with no decay on biases and norms, OneCycleLR per
# optimizer step, label smoothing, gradient accumulation and clipping, eval under no_grad, a checkpoint.
# (The stem conv has no bias, as in ResNet: before a BatchNorm its gradient is only rounding noise,
# which Adam would scale up to full steps of either sign, different in each library.)
import io
import torch
from torch import nn, optim
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)
    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + x)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU())
        self.blocks = nn.Sequential(Block(4), Block(4))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(4, 3)
    def forward(self, x):
        x = self.pool(self.blocks(self.stem(x))).flatten(1)
        return self.fc(self.drop(x))

torch.manual_seed(0)
X = torch.randn(24, 1, 6, 6)
y = torch.randint(0, 3, (24,))
loader = DataLoader(TensorDataset(X, y), batch_size=8, shuffle=True)
model = Net()
decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
no_decay = [p for n, p in model.named_parameters() if p.ndim < 2]
opt = optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}], lr=1e-2)
sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=6)
loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
log = []
accum = 2
for epoch in range(3):
    model.train()
    for i, (xb, yb) in enumerate(loader):
        loss = loss_fn(model(xb), yb) / accum
        loss.backward()
        if (i + 1) % accum == 0 or i + 1 == len(loader):
            norm = nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            opt.zero_grad()
            sched.step()                   # once per optimizer step
            log.append(norm.item())
    model.eval()
    with torch.no_grad():
        logits = model(X)
        acc = (logits.argmax(1) == y).float().mean().item()
        log.append(acc)
buf = io.BytesIO()
torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict()}, buf)
buf.seek(0)
ck = torch.load(buf)
model2 = Net()
model2.load_state_dict(ck["model"])
model2.eval()
with torch.no_grad():
    same = bool(torch.allclose(model2(X), logits))
'''


TRANSFER_LEARNING = '''
# the "Transfer learning" tutorial's fixed-feature-extractor loop, on a tiny stand-in for ResNet:
# frozen layers, a replaced head, set_grad_enabled per phase, the best weights kept by deepcopy
import copy
import torch
from torch import nn, optim
from torch.optim import lr_scheduler
from torch.utils.data import DataLoader, TensorDataset

class TinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.fc = nn.Linear(4, 10)
    def forward(self, x):
        return self.fc(torch.flatten(self.conv(x), 1))

torch.manual_seed(0)
model_conv = TinyNet()
for param in model_conv.parameters():
    param.requires_grad = False
num_ftrs = model_conv.fc.in_features
model_conv.fc = nn.Linear(num_ftrs, 2)
criterion = nn.CrossEntropyLoss()
optimizer_conv = optim.SGD(model_conv.fc.parameters(), lr=0.01, momentum=0.9)
exp_lr_scheduler = lr_scheduler.StepLR(optimizer_conv, step_size=2, gamma=0.1)
X = torch.randn(12, 3, 5, 5)
y = torch.randint(0, 2, (12,))
dataloaders = {"train": DataLoader(TensorDataset(X[:8], y[:8]), batch_size=4, shuffle=True),
               "val": DataLoader(TensorDataset(X[8:], y[8:]), batch_size=4)}
dataset_sizes = {"train": 8, "val": 4}
best_model_wts = copy.deepcopy(model_conv.state_dict())
best_acc = 0.0
history = []
for epoch in range(3):
    for phase in ["train", "val"]:
        if phase == "train":
            model_conv.train()
        else:
            model_conv.eval()
        running_loss = 0.0
        running_corrects = 0
        for inputs, labels in dataloaders[phase]:
            optimizer_conv.zero_grad()
            with torch.set_grad_enabled(phase == "train"):
                outputs = model_conv(inputs)
                _, preds = torch.max(outputs, 1)
                loss = criterion(outputs, labels)
                if phase == "train":
                    loss.backward()
                    optimizer_conv.step()
            running_loss += loss.item() * inputs.size(0)
            running_corrects += torch.sum(preds == labels.data)
        if phase == "train":
            exp_lr_scheduler.step()
        epoch_loss = running_loss / dataset_sizes[phase]
        epoch_acc = running_corrects.double() / dataset_sizes[phase]
        history.append(epoch_loss)
        history.append(epoch_acc.item())
        if phase == "val" and epoch_acc > best_acc:
            best_acc = epoch_acc.item()
            best_model_wts = copy.deepcopy(model_conv.state_dict())
model_conv.load_state_dict(best_model_wts)
frozen_unchanged = model_conv.conv[0].weight
rm = model_conv.conv[1].running_mean
'''


@pytest.mark.filterwarnings("ignore:mean is more than 2 std")  # both warn in the trunc_normal_ program
@pytest.mark.parametrize("source", [SCHEDULERS, DATA_LOADING, SAMPLERS, STATE_DICTS, INPLACE_UPDATES, WEIGHT_INIT,
                                    TRUNC_NORMAL, GRADIENT_ACCUMULATION, KERAS_LIKE_LOOP, DETERMINISM, FULL_RECIPE,
                                    TRANSFER_LEARNING],
                         ids=["schedulers", "data_loading", "samplers", "state_dicts", "inplace_updates", "weight_init",
                              "trunc_normal", "gradient_accumulation", "keras_like_loop", "determinism", "full_recipe",
                              "transfer_learning"])
def test_same_as_pytorch(source):
    torch_run, our_run = run_both(source)
    assert_same(torch_run, our_run)
