"""Programs from the Basics folder of aladdinpersson/Machine-Learning-Collection (ML/Pytorch/Basics), the
code of a popular YouTube course, as written there with MNIST/CIFAR10 replaced by small synthetic datasets
(a Dataset with a ``train`` flag, as torchvision's, which check_accuracy reads), sizes and epochs cut down
and torchvision's VGG16 replaced by a small convolutional stand-in; every change is marked ``# test:``.
Long comments and docstrings are left out.

- pytorch_simple_fullynet.py: a two-layer NN, CrossEntropyLoss, Adam, `scores.max(1)`, the accuracy as
  `num_correct / num_samples` of a 0-d tensor and an int printed with `*100:.2f`;
- pytorch_simple_CNN.py: Conv2d with tuple kernel/stride/padding, MaxPool2d, reshape to flatten, printing
  a 0-d tensor in an f-string;
- pytorch_rnn_gru_lstm.py: many-to-one RNN, GRU and LSTM (two layers, batch_first, h0/c0 from zeros,
  `.squeeze(1)` of the image channel, all time steps flattened into the classifier); each model trained;
- pytorch_bidirectional_lstm.py: bidirectional two-layer LSTM, the last time step `out[:, -1, :]`;
- pytorch_tensorbasics.py: initialisation, dtype conversions (bool/short/long/half/float/double printed),
  numpy round trip, `torch.add(x, y, out=z1)` into a float tensor, true_divide, in-place ops, matrix_power,
  dot, bmm, broadcasting, max/min/argmax/sort/clamp/any/all, fancy and boolean indexing, where, unique,
  view of a transposed tensor's `.contiguous()`, cat, permute, chunk, unsqueeze/squeeze;
- pytorch_loadsave.py: save_checkpoint/load_checkpoint of a model's and an Adam optimizer's state dicts
  through torch.save/torch.load (a small CNN in place of VGG16, one step so Adam has state to save);
- pytorch_lr_ratescheduler.py: ReduceLROnPlateau(factor=0.1, patience=5) stepped with the epoch's mean loss
  (lr=0.1 so the loss plateaus and the rate drops), the learning rate read back each epoch; run in float64
  (see its test);
- pytorch_init_weights.py: `self.modules()` with isinstance, kaiming_uniform_ and constant_, every
  parameter printed;
- pytorch_pretrain_finetune.py: freezing every parameter (`requires_grad = False`), replacing `avgpool` by
  an Identity module and `classifier` by a new Sequential, training only the new head;
- custom_dataset/custom_FCNN.py: a Dataset subclass whose rows are tensors (a tensor in place of the CSV
  file pandas reads), random_split, Adam on 11 features and 26 classes;
- pytorch_std_mean.py: per-channel mean and std over a loader (`torch.mean(data, dim=[0, 2, 3])` with a list
  of dims, summed into a Python 0, `** 0.5`);
- set_deterministic_behavior/pytorch_set_seeds.py: seed_everything (torch.cuda.manual_seed/_all and
  cudnn's flags on a CPU machine), the same draws after seeding again;
- Imbalanced_classes/main.py: class weights from the files in each class's folder, WeightedRandomSampler
  with replacement over a 50-to-1 dataset (an ImageFolder stand-in of small random images), the classes
  counted over ten epochs.

Each runs with PyTorch and with this project under torch's names (harness.py); every value left and every
number printed agree."""
import pytest

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

FAKE_MNIST = '''
class FakeMNIST(torch.utils.data.Dataset):  # test: synthetic images and labels in place of datasets.MNIST
    def __init__(self, train, n, shape=(1, 28, 28), classes=10):
        self.train = train
        self.data = torch.rand(n, *shape)
        self.targets = torch.randint(0, classes, (n,))

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        return self.data[index], self.targets[index]
'''

SIMPLE_FULLYNET = '''
import torch
import torch.nn.functional as F
from torch import optim
from torch import nn
from torch.utils.data import (
    DataLoader,
)
''' + FAKE_MNIST + '''

class NN(nn.Module):
    def __init__(self, input_size, num_classes):
        super(NN, self).__init__()
        self.fc1 = nn.Linear(input_size, 50)
        self.fc2 = nn.Linear(50, num_classes)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return x


device = "mps" if torch.backends.mps.is_available() else "cuda" if torch.cuda.is_available() else "cpu"

input_size = 784
num_classes = 10
learning_rate = 0.001
batch_size = 16  # test: 64
num_epochs = 2  # test: 3

train_dataset = FakeMNIST(train=True, n=64)  # test: datasets.MNIST(root="dataset/", train=True, ...)
test_dataset = FakeMNIST(train=False, n=32)  # test: datasets.MNIST(root="dataset/", train=False, ...)
train_loader = DataLoader(dataset=train_dataset, batch_size=batch_size, shuffle=True)
test_loader = DataLoader(dataset=test_dataset, batch_size=batch_size, shuffle=True)

model = NN(input_size=input_size, num_classes=num_classes).to(device)

criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=learning_rate)

for epoch in range(num_epochs):
    for batch_idx, (data, targets) in enumerate(train_loader):  # test: enumerate(tqdm(train_loader))
        data = data.to(device=device)
        targets = targets.to(device=device)

        data = data.reshape(data.shape[0], -1)

        scores = model(data)
        loss = criterion(scores, targets)

        optimizer.zero_grad()
        loss.backward()

        optimizer.step()


def check_accuracy(loader, model):
    num_correct = 0
    num_samples = 0
    model.eval()

    with torch.no_grad():
        for x, y in loader:
            x = x.to(device=device)
            y = y.to(device=device)

            x = x.reshape(x.shape[0], -1)

            scores = model(x)
            _, predictions = scores.max(1)

            num_correct += (predictions == y).sum()

            num_samples += predictions.size(0)

    model.train()
    return num_correct / num_samples


print(f"Accuracy on training set: {check_accuracy(train_loader, model)*100:.2f}")
print(f"Accuracy on test set: {check_accuracy(test_loader, model)*100:.2f}")
'''

SIMPLE_CNN = '''
import torch
import torch.nn as nn
import torch.optim as optim
import torch.nn.functional as F
from torch.utils.data import DataLoader
''' + FAKE_MNIST + '''

class CNN(nn.Module):
    def __init__(self, in_channels = 1, num_classes = 10):
        super(CNN, self).__init__()
        self.conv1 = nn.Conv2d(in_channels=1, out_channels=8, kernel_size=(3,3), stride=(1,1), padding=(1,1))
        self.pool = nn.MaxPool2d(kernel_size=(2,2), stride = (2,2))
        self.conv2 = nn.Conv2d(in_channels=8, out_channels=16, kernel_size=(3,3), stride=(1,1), padding=(1,1))
        self.fc1 = nn.Linear(16*7*7, num_classes)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = self.pool(x)
        x = F.relu(self.conv2(x))
        x = self.pool(x)
        x = x.reshape(x.shape[0], -1)
        x = self.fc1(x)

        return x

device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')

in_channel = 1
num_classes = 10
learning_rate = 0.001
batch_size = 16  # test: 64
num_epochs = 2  # test: 5

train_dataset = FakeMNIST(train=True, n=48)  # test: datasets.MNIST(root='dataset/', train=True, ...)
train_loader = DataLoader(dataset=train_dataset, batch_size=batch_size, shuffle=True)
test_dataset = FakeMNIST(train=False, n=32)  # test: datasets.MNIST(root='dataset/', train=False, ...)
test_loader = DataLoader(dataset=test_dataset, batch_size=batch_size, shuffle=True)

model = CNN().to(device)

criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=learning_rate)

for epoch in range(num_epochs):
    for batch_idx, (data, targets) in enumerate(train_loader):
        data = data.to(device=device)
        targets = targets.to(device=device)

        scores = model(data)
        loss = criterion(scores, targets)

        optimizer.zero_grad()
        loss.backward()

        optimizer.step()


def check_accuracy(loader, model):
    if loader.dataset.train:
        print("Checking accuracy on training data")
    else:
        print("Checking accuracy on test data")

    num_correct = 0
    num_samples = 0
    model.eval()

    with torch.no_grad():
        for x, y in loader:
            x = x.to(device=device)
            y = y.to(device=device)

            scores = model(x)
            _, predictions = scores.max(1)
            num_correct += (predictions == y).sum()
            num_samples += predictions.size(0)

        print(f'Got {num_correct} / {num_samples} with accuracy {float(num_correct)/float(num_samples)*100:.2f}')

    model.train()

check_accuracy(train_loader, model)
check_accuracy(test_loader, model)
'''

RNN_GRU_LSTM = '''
import torch
import torch.nn as nn
import torch.optim as optim
import torch.nn.functional as F
from torch.utils.data import (
    DataLoader,
)
''' + FAKE_MNIST + '''
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

input_size = 28
hidden_size = 16  # test: 256
num_layers = 2
num_classes = 10
sequence_length = 28
learning_rate = 0.005
batch_size = 16  # test: 64
num_epochs = 1  # test: 2

class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, num_classes):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.rnn = nn.RNN(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size * sequence_length, num_classes)

    def forward(self, x):
        h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(device)

        out, _ = self.rnn(x, h0)
        out = out.reshape(out.shape[0], -1)

        out = self.fc(out)
        return out


class RNN_GRU(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, num_classes):
        super(RNN_GRU, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.gru = nn.GRU(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size * sequence_length, num_classes)

    def forward(self, x):
        h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(device)

        out, _ = self.gru(x, h0)
        out = out.reshape(out.shape[0], -1)

        out = self.fc(out)
        return out


class RNN_LSTM(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, num_classes):
        super(RNN_LSTM, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size * sequence_length, num_classes)

    def forward(self, x):
        h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(device)
        c0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(device)

        out, _ = self.lstm(
            x, (h0, c0)
        )
        out = out.reshape(out.shape[0], -1)

        out = self.fc(out)
        return out


train_dataset = FakeMNIST(train=True, n=32)  # test: datasets.MNIST(root="dataset/", train=True, ...)

test_dataset = FakeMNIST(train=False, n=16)  # test: datasets.MNIST(root="dataset/", train=False, ...)

train_loader = DataLoader(dataset=train_dataset, batch_size=batch_size, shuffle=True)
test_loader = DataLoader(dataset=test_dataset, batch_size=batch_size, shuffle=True)


def check_accuracy(loader, model):
    if loader.dataset.train:
        print("Checking accuracy on training data")
    else:
        print("Checking accuracy on test data")

    num_correct = 0
    num_samples = 0

    model.eval()

    with torch.no_grad():
        for x, y in loader:
            x = x.to(device=device).squeeze(1)
            y = y.to(device=device)

            scores = model(x)
            _, predictions = scores.max(1)
            num_correct += (predictions == y).sum()
            num_samples += predictions.size(0)

        print(
            f"Got {num_correct} / {num_samples} with \\
              accuracy {float(num_correct)/float(num_samples)*100:.2f}"
        )
    model.train()


models = {}  # test: the program trains one of the three; each is trained here in turn
for model_class in (RNN, RNN_GRU, RNN_LSTM):  # test: (the loop)
    model = model_class(input_size, hidden_size, num_layers, num_classes).to(device)  # test: RNN_LSTM(...)

    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=learning_rate)

    for epoch in range(num_epochs):
        for batch_idx, (data, targets) in enumerate(train_loader):
            data = data.to(device=device).squeeze(1)
            targets = targets.to(device=device)

            scores = model(data)
            loss = criterion(scores, targets)

            optimizer.zero_grad()
            loss.backward()

            optimizer.step()

    check_accuracy(train_loader, model)
    check_accuracy(test_loader, model)
    models[model_class.__name__] = model  # test: kept for the comparison
rnn, gru, lstm = models["RNN"], models["RNN_GRU"], models["RNN_LSTM"]  # test: (as above)
'''

BIDIRECTIONAL_LSTM = '''
import torch
import torch.nn as nn
import torch.optim as optim
import torch.nn.functional as F
from torch.utils.data import (
    DataLoader,
)
''' + FAKE_MNIST + '''
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

input_size = 28
sequence_length = 28
num_layers = 2
hidden_size = 16  # test: 256
num_classes = 10
learning_rate = 0.001
batch_size = 16  # test: 64
num_epochs = 2

class BRNN(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, num_classes):
        super(BRNN, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.lstm = nn.LSTM(
            input_size, hidden_size, num_layers, batch_first=True, bidirectional=True
        )
        self.fc = nn.Linear(hidden_size * 2, num_classes)

    def forward(self, x):
        h0 = torch.zeros(self.num_layers * 2, x.size(0), self.hidden_size).to(device)
        c0 = torch.zeros(self.num_layers * 2, x.size(0), self.hidden_size).to(device)

        out, _ = self.lstm(x, (h0, c0))
        out = self.fc(out[:, -1, :])

        return out


train_dataset = FakeMNIST(train=True, n=32)  # test: datasets.MNIST(root="dataset/", train=True, ...)

test_dataset = FakeMNIST(train=False, n=16)  # test: datasets.MNIST(root="dataset/", train=False, ...)

train_loader = DataLoader(dataset=train_dataset, batch_size=batch_size, shuffle=True)
test_loader = DataLoader(dataset=test_dataset, batch_size=batch_size, shuffle=True)

model = BRNN(input_size, hidden_size, num_layers, num_classes).to(device)

criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=learning_rate)

for epoch in range(num_epochs):
    for batch_idx, (data, targets) in enumerate(train_loader):
        data = data.to(device=device).squeeze(1)
        targets = targets.to(device=device)

        scores = model(data)
        loss = criterion(scores, targets)

        optimizer.zero_grad()
        loss.backward()

        optimizer.step()


def check_accuracy(loader, model):
    if loader.dataset.train:
        print("Checking accuracy on training data")
    else:
        print("Checking accuracy on test data")

    num_correct = 0
    num_samples = 0
    model.eval()

    with torch.no_grad():
        for x, y in loader:
            x = x.to(device=device).squeeze(1)
            y = y.to(device=device)

            scores = model(x)
            _, predictions = scores.max(1)
            num_correct += (predictions == y).sum()
            num_samples += predictions.size(0)

        print(
            f"Got {num_correct} / {num_samples} with accuracy  \\
              {float(num_correct)/float(num_samples)*100:.2f}"
        )

    model.train()


check_accuracy(train_loader, model)
check_accuracy(test_loader, model)
'''

TENSOR_BASICS = '''
import torch
import numpy as np

device = "cuda" if torch.cuda.is_available() else "cpu"

my_tensor = torch.tensor(
    [[1, 2, 3], [4, 5, 6]], dtype=torch.float32, device=device, requires_grad=True
)

print(
    f"Information about tensor: {my_tensor}"
)
print(
    "Type of Tensor {my_tensor.dtype}"
)
print(
    f"Device Tensor is on {my_tensor.device}"
)
print(f"Shape of tensor {my_tensor.shape}")
print(f"Requires gradient: {my_tensor.requires_grad}")

x = torch.empty(size=(3, 3))
x = torch.zeros((3, 3))
x = torch.rand(
    (3, 3)
)
x = torch.ones((3, 3))
x = torch.eye(5, 5)
x = torch.arange(
    start=0, end=5, step=1
)
x = torch.linspace(start=0.1, end=1, steps=10)
x_linspace = x  # test: kept for the comparison
x = torch.empty(size=(1, 5)).normal_(
    mean=0, std=1
)
x_normal = x  # test: (as above)
x = torch.empty(size=(1, 5)).uniform_(
    0, 1
)
x_uniform = x  # test: (as above)
x = torch.diag(torch.ones(3))

tensor = torch.arange(4)
print(f"Converted Boolean: {tensor.bool()}")
print(f"Converted int16 {tensor.short()}")
print(
    f"Converted int64 {tensor.long()}"
)
print(f"Converted float16 {tensor.half()}")
print(
    f"Converted float32 {tensor.float()}"
)
print(f"Converted float64 {tensor.double()}")

np_array = np.zeros((5, 5))
tensor = torch.from_numpy(np_array)
np_array_again = (
    tensor.numpy()
)

x = torch.tensor([1, 2, 3])
y = torch.tensor([9, 8, 7])

z1 = torch.empty(3)
torch.add(x, y, out=z1)
z2 = torch.add(x, y)
z = x + y

z = x - y

z = torch.true_divide(x, y)
z_divide = z  # test: (as above)

t = torch.zeros(3)

t.add_(x)
t += x

z = x.pow(2)
z = x**2
z_pow = z  # test: (as above)

z = x > 0
z = x < 0

x1 = torch.rand((2, 5))
x2 = torch.rand((5, 3))
x3 = torch.mm(x1, x2)
x3 = x1.mm(x2)

matrix_exp = torch.rand(5, 5)
print(
    matrix_exp.matrix_power(3)
)

z = x * y

z = torch.dot(x, y)
z_dot = z  # test: (as above)

batch = 32
n = 10
m = 20
p = 30
tensor1 = torch.rand((batch, n, m))
tensor2 = torch.rand((batch, m, p))
out_bmm = torch.bmm(tensor1, tensor2)

x1 = torch.rand((5, 5))
x2 = torch.ones((1, 5))
z = (
    x1 - x2
)
z = (
    x1**x2
)
z_broadcast = z  # test: (as above)

sum_x = torch.sum(
    x, dim=0
)
values, indices = torch.max(x, dim=0)
max_values, max_indices = values, indices  # test: (as above)
values, indices = torch.min(x, dim=0)
abs_x = torch.abs(x)
z = torch.argmax(x, dim=0)
z_argmax = z  # test: (as above)
z = torch.argmin(x, dim=0)
mean_x = torch.mean(x.float(), dim=0)
z = torch.eq(x, y)
z_eq = z  # test: (as above)
sorted_y, indices = torch.sort(y, dim=0, descending=False)

z = torch.clamp(x, min=0)
z_clamp = z  # test: (as above)

x = torch.tensor([1, 0, 1, 1, 1], dtype=torch.bool)
z = torch.any(x)
z_any = z  # test: (as above)
z = torch.all(
    x
)

batch_size = 10
features = 25
x = torch.rand((batch_size, features))

print(x[0].shape)

print(x[:, 0].shape)

print(x[2, 0:10].shape)

x[0, 0] = 100
x_assigned = x  # test: (as above)

x = torch.arange(10)
indices = [2, 5, 8]
print(x[indices])

x = torch.rand((3, 5))
rows = torch.tensor([1, 0])
cols = torch.tensor([4, 0])
print(x[rows, cols])

x = torch.arange(10)
print(x[(x < 2) | (x > 8)])
print(x[x.remainder(2) == 0])

print(
    torch.where(x > 5, x, x * 2)
)
x = torch.tensor([0, 0, 1, 2, 2, 3, 4]).unique()
x_unique = x  # test: (as above)
print(
    x.ndimension()
)
x = torch.arange(10)
print(
    x.numel()
)

x = torch.arange(9)

x_3x3 = x.view(3, 3)

x_3x3 = x.reshape(3, 3)

y = x_3x3.t()
print(
    y.is_contiguous()
)
print(y.contiguous().view(9))

x1 = torch.rand(2, 5)
x2 = torch.rand(2, 5)
print(torch.cat((x1, x2), dim=0).shape)
print(torch.cat((x1, x2), dim=1).shape)

z = x1.view(-1)
z_flat = z  # test: (as above)

batch = 64
x = torch.rand((batch, 2, 5))
z = x.view(
    batch, -1
)
z = x.permute(0, 2, 1)
z_permuted = z  # test: (as above)

z = torch.chunk(x, chunks=2, dim=1)
print(z[0].shape)
print(z[1].shape)

x = torch.arange(
    10
)
print(x.unsqueeze(0).shape)
print(x.unsqueeze(1).shape)

x = torch.arange(10).unsqueeze(0).unsqueeze(1)

z = x.squeeze(1)
'''

LOADSAVE = '''
import torch
import torch.nn as nn
import torch.optim as optim
import torch.nn.functional as F
from torch.utils.data import (
    DataLoader,
)


def save_checkpoint(state, filename="my_checkpoint.pth.tar"):
    print("=> Saving checkpoint")
    torch.save(state, filename)


def load_checkpoint(checkpoint, model, optimizer):
    print("=> Loading checkpoint")
    model.load_state_dict(checkpoint["state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer"])


def small_vgg():  # test: a small VGG-like network in place of torchvision.models.vgg16(weights=None)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(8 * 4 * 4, 10))


def main():
    model = small_vgg()  # test: torchvision.models.vgg16(weights=None)
    optimizer = optim.Adam(model.parameters())
    loss = model(torch.randn(2, 3, 8, 8)).square().mean()  # test: one step, so that Adam has state to save
    loss.backward()  # test: (as above)
    optimizer.step()  # test: (as above)

    checkpoint = {"state_dict": model.state_dict(), "optimizer": optimizer.state_dict()}
    save_checkpoint(checkpoint)

    other = small_vgg()  # test: load into a fresh model and optimizer, to see the state come back
    other_optimizer = optim.Adam(other.parameters(), lr=0.5)  # test: (as above)
    load_checkpoint(torch.load("my_checkpoint.pth.tar"), other, other_optimizer)  # test: model, optimizer
    print(other_optimizer.param_groups[0]["lr"], other_optimizer.state_dict()["state"][0]["step"])  # test:
    return model, other, other_optimizer  # test: returned for the comparison


if __name__ == "__main__":
    model, loaded, loaded_optimizer = main()  # test: main()
    exp_avg = loaded_optimizer.state_dict()["state"][2]["exp_avg"]  # test: compared between the libraries
'''

LR_RATESCHEDULER = '''
import torch
import torch.nn as nn
import torch.optim as optim
from torch.utils.data import DataLoader
''' + FAKE_MNIST + '''
device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')

num_classes = 10
learning_rate = 0.1
batch_size = 32  # test: 128
num_epochs = 30  # test: 100

model = nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10)).to(device)

train_dataset = FakeMNIST(train=True, n=64)  # test: datasets.MNIST(root='dataset/', train=True, ...)
train_loader = DataLoader(dataset=train_dataset, batch_size=batch_size, shuffle=True)

criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=learning_rate)

scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer,factor=0.1, patience=5)  # test: verbose=True
learning_rates = []  # test: the rate each epoch, compared between the libraries

for epoch in range(1, num_epochs):
    losses = []

    for batch_idx, (data, targets) in enumerate(train_loader):
        data = data.reshape(data.shape[0], -1)
        data = data.to(device=device)
        targets = targets.to(device=device)

        scores = model(data)
        loss = criterion(scores, targets)

        losses.append(loss.item())

        loss.backward()

        optimizer.step()
        optimizer.zero_grad()

    mean_loss = sum(losses)/len(losses)

    scheduler.step(mean_loss)
    learning_rates.append(optimizer.param_groups[0]["lr"])  # test: (as above)
    print(f'Cost at epoch {epoch} is {mean_loss}')

def check_accuracy(loader, model):
    num_correct = 0
    num_samples = 0
    model.eval()

    with torch.no_grad():
        for x, y in loader:
            x = x.to(device=device)
            y = y.to(device=device)

            scores = model(x.reshape(x.shape[0], -1))  # test: model(x) (the MNIST images unflattened fail)
            _, predictions = scores.max(1)
            num_correct += (predictions == y).sum()
            num_samples += predictions.size(0)

        print(f'Got {num_correct} / {num_samples} with accuracy {float(num_correct)/float(num_samples)*100:.2f}')

    model.train()

check_accuracy(train_loader, model)
'''

INIT_WEIGHTS = '''
import torch.nn as nn
import torch.nn.functional as F

class CNN(nn.Module):
    def __init__(self, in_channels, num_classes):
        super(CNN, self).__init__()
        self.conv1 = nn.Conv2d(in_channels=in_channels, out_channels=6, kernel_size=(3,3), stride=(1,1), padding=(1,1))
        self.pool = nn.MaxPool2d(kernel_size=(2,2), stride = (2,2))
        self.conv2 = nn.Conv2d(in_channels=6, out_channels=16, kernel_size=(3,3), stride=(1,1), padding=(1,1))
        self.fc1 = nn.Linear(16*7*7, num_classes)
        self.initialize_weights()

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = self.pool(x)
        x = F.relu(self.conv2(x))
        x = self.pool(x)
        x = x.reshape(x.shape[0], -1)
        x = self.fc1(x)

        return x

    def initialize_weights(self):
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_uniform_(m.weight)

                if m.bias is not None:
                    nn.init.constant_(m.bias, 0)

            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

            elif isinstance(m, nn.Linear):
                nn.init.kaiming_uniform_(m.weight)
                nn.init.constant_(m.bias, 0)


if __name__ == '__main__':
    model = CNN(in_channels=3,num_classes=10)

    for param in model.parameters():
        print(param)
    import torch  # test: one forward pass on a 28x28 batch, compared between the libraries
    scores = model(torch.randn(2, 3, 28, 28))  # test: (as above)
'''

PRETRAIN_FINETUNE = '''
import torch
import torch.nn as nn
import torch.optim as optim
import torch.nn.functional as F
from torch.utils.data import (
    DataLoader,
)
''' + FAKE_MNIST + '''
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

num_classes = 10
learning_rate = 1e-3
batch_size = 16  # test: 1024
num_epochs = 2  # test: 5

class Identity(nn.Module):
    def __init__(self):
        super(Identity, self).__init__()

    def forward(self, x):
        return x


class SmallVGG(nn.Module):  # test: a small stand-in for torchvision's VGG16, its three parts named as there
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
                                      nn.Conv2d(16, 512, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(4))
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(nn.Linear(512 * 7 * 7, 64), nn.ReLU(True), nn.Dropout(), nn.Linear(64, 1000))

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.classifier(x)
        return x


model = SmallVGG()  # test: torchvision.models.vgg16(pretrained=True)

for param in model.parameters():
    param.requires_grad = False

model.avgpool = Identity()
model.classifier = nn.Sequential(
    nn.Linear(512, 100), nn.ReLU(), nn.Linear(100, num_classes)
)
model.to(device)


train_dataset = FakeMNIST(train=True, n=32, shape=(3, 8, 8))  # test: datasets.CIFAR10(root="dataset/", ...)
train_loader = DataLoader(dataset=train_dataset, batch_size=batch_size, shuffle=True)

criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=learning_rate)

for epoch in range(num_epochs):
    losses = []

    for batch_idx, (data, targets) in enumerate(train_loader):
        data = data.to(device=device)
        targets = targets.to(device=device)

        scores = model(data)
        loss = criterion(scores, targets)

        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()

        optimizer.step()

    print(f"Cost at epoch {epoch} is {sum(losses)/len(losses):.5f}")


def check_accuracy(loader, model):
    if loader.dataset.train:
        print("Checking accuracy on training data")
    else:
        print("Checking accuracy on test data")

    num_correct = 0
    num_samples = 0
    model.eval()

    with torch.no_grad():
        for x, y in loader:
            x = x.to(device=device)
            y = y.to(device=device)

            scores = model(x)
            _, predictions = scores.max(1)
            num_correct += (predictions == y).sum()
            num_samples += predictions.size(0)

        print(
            f"Got {num_correct} / {num_samples} with accuracy {float(num_correct)/float(num_samples)*100:.2f}"
        )

    model.train()


check_accuracy(train_loader, model)
frozen_grad = model.features[0].weight.grad  # test: the frozen weights got no gradient (None in both)
trainable = [name for name, p in model.named_parameters() if p.requires_grad]  # test: the new head only
'''

CUSTOM_FCNN = '''
import torch.nn.functional as F
import torch
import torch.nn as nn
import torch.optim as optim

from torch.utils.data import (
    Dataset,
    DataLoader,
)


class NN(nn.Module):
    def __init__(self, input_size, num_classes):
        super(NN, self).__init__()
        self.fc1 = nn.Linear(input_size, 50)
        self.fc2 = nn.Linear(50, num_classes)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return x


class SoloDataset(Dataset):
    def __init__(self, csv_file, root_dir, transform=None):
        self.annotations = csv_file  # test: pd.read_csv(csv_file); here a tensor of the rows
        self.root_dir = root_dir
        self.transform = transform

    def __len__(self):
        return len(self.annotations)

    def __getitem__(self, index):
        x_data = self.annotations[index, 0:11]  # test: self.annotations.iloc[index, 0:11]
        x_data = torch.tensor(x_data.tolist())  # test: torch.tensor(x_data) of a pandas Series
        y_label = torch.tensor(int(self.annotations[index, 11]))  # test: .iloc[index, 11]

        return (x_data.float(), y_label)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

num_classes = 26
learning_rate = 1e-3
batch_size = 5
num_epochs = 3  # test: 30
input_size = 11

rows = torch.cat([torch.randn(60, 11).double(), torch.randint(0, 26, (60, 1)).double()], dim=1)  # test: power.csv
dataset = SoloDataset(
    csv_file=rows, root_dir="test123", transform=None  # test: csv_file="power.csv", transforms.ToTensor()
)
train_set, test_set = torch.utils.data.random_split(dataset, [50, 10])  # test: [2900, 57]
train_loader = DataLoader(dataset=train_set, batch_size=batch_size, shuffle=True)
test_loader = DataLoader(dataset=test_set, batch_size=batch_size, shuffle=True)

model = NN(input_size=input_size, num_classes=num_classes).to(device)

criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=learning_rate)

print(len(train_set))
print(len(test_set))
for epoch in range(num_epochs):
    losses = []

    for batch_idx, (data, targets) in enumerate(train_loader):
        data = data.to(device=device)
        targets = targets.to(device=device)

        scores = model(data)
        loss = criterion(scores, targets)

        losses.append(loss.item())

        optimizer.zero_grad()
        loss.backward()

        optimizer.step()

    print(f"Cost at epoch {epoch} is {sum(losses) / len(losses)}")


def check_accuracy(loader, model):
    num_correct = 0
    num_samples = 0
    model.eval()

    with torch.no_grad():
        for x, y in loader:
            x = x.to(device=device)
            y = y.to(device=device)

            scores = model(x)
            _, predictions = scores.max(1)
            num_correct += (predictions == y).sum()
            num_samples += predictions.size(0)

        print(
            f"Got {num_correct} / {num_samples} with accuracy {float(num_correct) / float(num_samples) * 100:.2f}"
        )

    model.train()


print("Checking accuracy on Training Set")
check_accuracy(train_loader, model)

print("Checking accuracy on Test Set")
check_accuracy(test_loader, model)
'''


STD_MEAN = '''
import torch
from torch.utils.data import DataLoader
''' + FAKE_MNIST + '''
train_set = FakeMNIST(train=True, n=100, shape=(3, 8, 8))  # test: datasets.CIFAR10(root="dataset/", ...)
train_loader = DataLoader(dataset=train_set, batch_size=64, shuffle=True)


def get_mean_std(loader):
    channels_sum, channels_sqrd_sum, num_batches = 0, 0, 0

    for data, _ in loader:  # test: tqdm(loader)
        channels_sum += torch.mean(data, dim=[0, 2, 3])
        channels_sqrd_sum += torch.mean(data ** 2, dim=[0, 2, 3])
        num_batches += 1

    mean = channels_sum / num_batches
    std = (channels_sqrd_sum / num_batches - mean ** 2) ** 0.5

    return mean, std


mean, std = get_mean_std(train_loader)
print(mean)
print(std)
'''

SET_SEEDS = '''
import random
import torch
import os
import numpy as np


def seed_everything(seed=42):
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


seed_everything()

first = torch.rand(3), random.random(), np.random.rand()  # test: draws after seeding, compared
seed_everything()  # test: (as above)
again = torch.rand(3), random.random(), np.random.rand()  # test: (as above)
print(torch.equal(first[0], again[0]), first[1:] == again[1:])  # test: (as above)
'''

IMBALANCED_CLASSES = '''
import torch
import os
from torch.utils.data import WeightedRandomSampler, DataLoader
import torch.nn as nn


class ImageFolder(torch.utils.data.Dataset):  # test: torchvision's ImageFolder: a folder per class, sorted
    def __init__(self, root):
        self.classes = sorted(os.listdir(root))
        self.samples = [(name, label) for label, folder in enumerate(self.classes)
                        for name in sorted(os.listdir(os.path.join(root, folder)))]
        self.images = torch.rand(len(self.samples), 3, 8, 8)  # test: the images, resized to 224x224 there

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        return self.images[index], self.samples[index][1]


for folder, count in (("Golden retriever", 50), ("Swedish elkhound", 1)):  # test: the dataset's folders,
    os.makedirs(os.path.join("dataset", folder), exist_ok=True)  # test: 50 and 1 pictures as there
    for i in range(count):  # test: (as above)
        open(os.path.join("dataset", folder, f"{i}.jpg"), "w").close()  # test: (as above)


def get_loader(root_dir, batch_size):
    dataset = ImageFolder(root=root_dir)  # test: datasets.ImageFolder(root=root_dir, transform=my_transforms)
    subdirectories = dataset.classes
    class_weights = []

    for subdir in subdirectories:
        files = os.listdir(os.path.join(root_dir, subdir))
        class_weights.append(1 / len(files))

    sample_weights = [0] * len(dataset)

    for idx, (data, label) in enumerate(dataset):
        class_weight = class_weights[label]
        sample_weights[idx] = class_weight

    sampler = WeightedRandomSampler(
        sample_weights, num_samples=len(sample_weights), replacement=True
    )

    loader = DataLoader(dataset, batch_size=batch_size, sampler=sampler)
    return loader


def main():
    loader = get_loader(root_dir="dataset", batch_size=8)

    num_retrievers = 0
    num_elkhounds = 0
    for epoch in range(10):
        for data, labels in loader:
            num_retrievers += torch.sum(labels == 0)
            num_elkhounds += torch.sum(labels == 1)

    print(num_retrievers.item())
    print(num_elkhounds.item())
    return num_retrievers, num_elkhounds  # test: compared between the libraries


if __name__ == "__main__":
    num_retrievers, num_elkhounds = main()  # test: main()
'''

PROGRAMS = {
    "pytorch_simple_fullynet.py": SIMPLE_FULLYNET,
    "pytorch_simple_CNN.py": SIMPLE_CNN,
    "pytorch_rnn_gru_lstm.py": RNN_GRU_LSTM,
    "pytorch_bidirectional_lstm.py": BIDIRECTIONAL_LSTM,
    "pytorch_tensorbasics.py": TENSOR_BASICS,
    "pytorch_loadsave.py": LOADSAVE,
    "pytorch_init_weights.py": INIT_WEIGHTS,
    "pytorch_pretrain_finetune.py": PRETRAIN_FINETUNE,
    "custom_dataset/custom_FCNN.py": CUSTOM_FCNN,
    "pytorch_std_mean.py": STD_MEAN,
    "set_deterministic_behavior/pytorch_set_seeds.py": SET_SEEDS,
    "Imbalanced_classes/main.py": IMBALANCED_CLASSES,
}


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_runs_as_with_pytorch(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # (pytorch_loadsave.py writes my_checkpoint.pth.tar, the imbalanced one folders)
    monkeypatch.setenv("PYTHONHASHSEED", "0")  # (restored afterwards: pytorch_set_seeds.py sets it)
    torch_run, our_run = run_both(PROGRAMS[name])
    assert_same(torch_run, our_run)


def test_the_learning_rate_scheduler_program_runs_as_with_pytorch_in_float64():
    """pytorch_lr_ratescheduler.py trains with Adam at lr=0.1, and Adam's step, g / (sqrt(g^2) + 1e-8) at
    first, turns a gradient of 1e-8 (a hidden unit ReLU has almost shut) into a step of half the rate: in
    float32 such a gradient is float32 rounding of sums of 0.03-sized terms, which both libraries round in
    their own order (one step: -1.474e-8 in PyTorch, -1.515e-8 here, a 7e-4 difference in the weight after
    it). So the program runs in float64, where the rounding is far below Adam's eps, and is compared to
    float64's precision. The plateau is reached: the rate drops from 0.1 (patience 5)."""
    torch_run, our_run = run_both("import torch\ntorch.set_default_dtype(torch.float64)\n" + LR_RATESCHEDULER)
    assert torch_run["learning_rates"][0] == 0.1 and torch_run["learning_rates"][-1] < 0.1
    assert_same(torch_run, our_run, rtol=1e-10, atol=1e-12)
