# Code cells from deep-learning-with-pytorch/dlwpt-code (github.com/deep-learning-with-pytorch/dlwpt-code),
# notebooks p1ch7/1_datasets.ipynb and p1ch7/2_birds_airplanes.ipynb:
# Apache-2.0, (c) Manning Publications / the authors ("Deep Learning with PyTorch", Stevens, Antiga, Viehmann).
"""Deep Learning with PyTorch, chapter 7 (telling birds from airplanes): CIFAR-10 as a Dataset, ToTensor and
Normalize, the per-channel mean and std, softmax by hand and nn.Softmax, the likelihood and NLL by hand,
nn.LogSoftmax with nn.NLLLoss, nn.CrossEntropyLoss, training sample by sample and with a shuffling DataLoader,
accuracy on the training and validation sets, parameter counts, and the first convolutions (nn.Conv2d, padding, a
blur and an edge kernel, nn.MaxPool2d, the Net subclass and its functional form, trained); every code cell as
written, run under PyTorch and under seegrad (notebook.py, harness.py): the same values, printed numbers and
printed text. Changed (each marked): ``%matplotlib inline`` and the plotting lines left out; torchvision is not
installed here, so CIFAR-10 is dlwpt.CIFAR10's stand-in (250 training and 100 test images of CIFAR-10's shapes and
types, its PIL images and ToTensor/Normalize as torchvision computes them); each training cut from 100 epochs to 2.
The cells the book shows failing (a Sequential with ``...`` in it, the convolutions fed to nn.Linear without a
flatten) raise in both."""
import numpy as np
import pytest

from dlwpt import ADDRESS, DATASET_CLASS, GENERATOR, LOSS_NODES, TENSOR_CLASS, with_cifar10
from notebook import run_notebook

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

DATASETS = r'''
# %% cell 0
# %matplotlib inline  # (left out: Jupyter magic)
# (left out: plotting) from matplotlib import pyplot as plt
import numpy as np
import torch

torch.set_printoptions(edgeitems=2, linewidth=75)
torch.manual_seed(123)

# %% cell 1
from torchvision import datasets
data_path = '../data-unversioned/p1ch7/'
cifar10 = datasets.CIFAR10(data_path, train=True, download=True) # <1>
cifar10_val = datasets.CIFAR10(data_path, train=False, download=True) # <2>

# %% cell 2
class_names = ['airplane','automobile','bird','cat','deer',
               'dog','frog','horse','ship','truck']

# (left out: plotting) fig = plt.figure(figsize=(8,3))
num_classes = 10
for i in range(num_classes):
    # (left out: plotting) ax = fig.add_subplot(2, 5, 1 + i, xticks=[], yticks=[])
    # (left out: plotting) ax.set_title(class_names[i])
    img = next(img for img, label in cifar10 if label == i)
    # (left out: plotting) plt.imshow(img)
# (left out: plotting) plt.show()

# %% cell 3
type(cifar10).__mro__

# %% cell 4
len(cifar10)

# %% cell 5
img, label = cifar10[99]
img, label, class_names[label]

# %% cell 6
# (left out: plotting) plt.imshow(img)
# (left out: plotting) plt.show()

# %% cell 7
from torchvision import transforms
dir(transforms)

# %% cell 8
from torchvision import transforms

to_tensor = transforms.ToTensor()
img_t = to_tensor(img)
img_t.shape

# %% cell 9
tensor_cifar10 = datasets.CIFAR10(data_path, train=True, download=False,
                          transform=transforms.ToTensor())

# %% cell 10
img_t, _ = tensor_cifar10[99]
type(img_t)

# %% cell 11
img_t.shape, img_t.dtype

# %% cell 12
img_t.min(), img_t.max()

# %% cell 13
# (left out: plotting) plt.imshow(img_t.permute(1, 2, 0))  # <1>
# (left out: plotting) plt.show()

# %% cell 14
imgs = torch.stack([img_t for img_t, _ in tensor_cifar10], dim=3)
imgs.shape

# %% cell 15
imgs.view(3, -1).mean(dim=1)  # <1>

# %% cell 16
imgs.view(3, -1).std(dim=1)

# %% cell 17
transforms.Normalize((0.4915, 0.4823, 0.4468), (0.2470, 0.2435, 0.2616))

# %% cell 18
transformed_cifar10 = datasets.CIFAR10(
    data_path, train=True, download=False,
    transform=transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize((0.4915, 0.4823, 0.4468),
                             (0.2470, 0.2435, 0.2616))
    ]))

# %% cell 19
transformed_cifar10_val = datasets.CIFAR10(
    data_path, train=False, download=False,
    transform=transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize((0.4915, 0.4823, 0.4468),
                             (0.2470, 0.2435, 0.2616))
    ]))

# %% cell 20
img_t, _ = transformed_cifar10[99]

# (left out: plotting) plt.imshow(img_t.permute(1, 2, 0))
# (left out: plotting) plt.show()
'''

BIRDS_AIRPLANES = r'''
# %% cell 0
# %matplotlib inline  # (left out: Jupyter magic)
# (left out: plotting) from matplotlib import pyplot as plt
import numpy as np
import torch

torch.set_printoptions(edgeitems=2)
torch.manual_seed(123)

# %% cell 1
class_names = ['airplane','automobile','bird','cat','deer',
               'dog','frog','horse','ship','truck']

# %% cell 2
from torchvision import datasets, transforms
data_path = '../data-unversioned/p1ch7/'
cifar10 = datasets.CIFAR10(
    data_path, train=True, download=False,
    transform=transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize((0.4915, 0.4823, 0.4468),
                             (0.2470, 0.2435, 0.2616))
    ]))

# %% cell 3
cifar10_val = datasets.CIFAR10(
    data_path, train=False, download=False,
    transform=transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize((0.4915, 0.4823, 0.4468),
                             (0.2470, 0.2435, 0.2616))
    ]))

# %% cell 4
label_map = {0: 0, 2: 1}
class_names = ['airplane', 'bird']
cifar2 = [(img, label_map[label])
          for img, label in cifar10 
          if label in [0, 2]]
cifar2_val = [(img, label_map[label])
              for img, label in cifar10_val
              if label in [0, 2]]

# %% cell 5
import torch.nn as nn

n_out = 2

model = nn.Sequential(
            nn.Linear(
                3072,  # <1>
                512,   # <2>
            ),
            nn.Tanh(),
            nn.Linear(
                512,   # <2>
                n_out, # <3>
            )
        )

# %% cell 6
def softmax(x):
    return torch.exp(x) / torch.exp(x).sum()

# %% cell 7
x = torch.tensor([1.0, 2.0, 3.0])

softmax(x)

# %% cell 8
softmax(x).sum()

# %% cell 9
softmax = nn.Softmax(dim=1)

x = torch.tensor([[1.0, 2.0, 3.0],
                  [1.0, 2.0, 3.0]])

softmax(x)

# %% cell 10
model = nn.Sequential(
            nn.Linear(3072, 512),
            nn.Tanh(),
            nn.Linear(512, 2),
            nn.Softmax(dim=1))

# %% cell 11
img, _ = cifar2[0]

# (left out: plotting) plt.imshow(img.permute(1, 2, 0))
# (left out: plotting) plt.show()

# %% cell 12
img_batch = img.view(-1).unsqueeze(0)

# %% cell 13
out = model(img_batch)
out

# %% cell 14
_, index = torch.max(out, dim=1)

index

# %% cell 15
out = torch.tensor([
    [0.6, 0.4],
    [0.9, 0.1],
    [0.3, 0.7],
    [0.2, 0.8],
])
class_index = torch.tensor([0, 0, 1, 1]).unsqueeze(1)

truth = torch.zeros((4,2))
truth.scatter_(dim=1, index=class_index, value=1.0)
truth

# %% cell 16
def mse(out):
    return ((out - truth) ** 2).sum(dim=1).mean()
mse(out)

# %% cell 17
out.gather(dim=1, index=class_index)

# %% cell 18
def likelihood(out):
    prod = 1.0
    for x in out.gather(dim=1, index=class_index):
        prod *= x
    return prod

likelihood(out)

# %% cell 19
def neg_log_likelihood(out):
    return -likelihood(out).log()

neg_log_likelihood(out)

# %% cell 20
out0 = out.clone().detach()
out0[0] = torch.tensor([0.9, 0.1]) # more right

out2 = out.clone().detach()
out2[0] = torch.tensor([0.4, 0.6]) # slightly wrong

out3 = out.clone().detach()
out3[0] = torch.tensor([0.1, 0.9]) # very wrong

mse_comparison = torch.tensor([mse(o) for o in [out0, out, out2, out3]])
mse_comparison

# %% cell 21
((mse_comparison / mse_comparison[1]) - 1) * 100

# %% cell 22
nll_comparison = torch.tensor([neg_log_likelihood(o) 
                               for o in [out0, out, out2, out3]])
nll_comparison

# %% cell 23
((nll_comparison / nll_comparison[1]) - 1) * 100

# %% cell 24
softmax = nn.Softmax(dim=1)

log_softmax = nn.LogSoftmax(dim=1)

x = torch.tensor([[0.0, 104.0]])

softmax(x)

# %% cell 25
softmax = nn.Softmax(dim=1)

log_softmax = nn.LogSoftmax(dim=1)

x = torch.tensor([[0.0, 104.0]])

softmax(x)

# %% cell 26
torch.log(softmax(x))

# %% cell 27
log_softmax(x)

# %% cell 28
torch.exp(log_softmax(x))

# %% cell 29
model = nn.Sequential(
            nn.Linear(3072, 512),
            nn.Tanh(),
            nn.Linear(512, 2),
            nn.LogSoftmax(dim=1))

# %% cell 30
loss = nn.NLLLoss()

# %% cell 31
img, label = cifar2[0]

out = model(img.view(-1).unsqueeze(0))

loss(out, torch.tensor([label]))

# %% cell 32
import torch
import torch.nn as nn
import torch.optim as optim

model = nn.Sequential(
            nn.Linear(3072, 512),
            nn.Tanh(),
            nn.Linear(512, 2),
            nn.LogSoftmax(dim=1))

learning_rate = 1e-2

optimizer = optim.SGD(model.parameters(), lr=learning_rate)

loss_fn = nn.NLLLoss()

n_epochs = 2  # 100 (cut down)

for epoch in range(n_epochs):
    for img, label in cifar2:
        out = model(img.view(-1).unsqueeze(0))
        loss = loss_fn(out, torch.tensor([label]))
                
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    print("Epoch: %d, Loss: %f" % (epoch, float(loss)))

# %% cell 33
train_loader = torch.utils.data.DataLoader(cifar2, batch_size=64,
                                           shuffle=True)

# %% cell 34
import torch
import torch.nn as nn
import torch.optim as optim

train_loader = torch.utils.data.DataLoader(cifar2, batch_size=64,
                                           shuffle=True)

model = nn.Sequential(
            nn.Linear(3072, 128),
            nn.Tanh(),
            nn.Linear(128, 2),
            nn.LogSoftmax(dim=1))

learning_rate = 1e-2

optimizer = optim.SGD(model.parameters(), lr=learning_rate)

loss_fn = nn.NLLLoss()

n_epochs = 2  # 100 (cut down)

for epoch in range(n_epochs):
    for imgs, labels in train_loader:
        outputs = model(imgs.view(imgs.shape[0], -1))
        loss = loss_fn(outputs, labels)

        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    print("Epoch: %d, Loss: %f" % (epoch, float(loss)))

# %% cell 35
import torch
import torch.nn as nn
import torch.optim as optim

train_loader = torch.utils.data.DataLoader(cifar2, batch_size=64,
                                           shuffle=True)

model = nn.Sequential(
            nn.Linear(3072, 512),
            nn.Tanh(),
            nn.Linear(512, 2),
            nn.LogSoftmax(dim=1))

learning_rate = 1e-2

optimizer = optim.SGD(model.parameters(), lr=learning_rate)

loss_fn = nn.NLLLoss()

n_epochs = 2  # 100 (cut down)

for epoch in range(n_epochs):
    for imgs, labels in train_loader:
        outputs = model(imgs.view(imgs.shape[0], -1))
        loss = loss_fn(outputs, labels)

        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    print("Epoch: %d, Loss: %f" % (epoch, float(loss)))

# %% cell 36
train_loader = torch.utils.data.DataLoader(cifar2, batch_size=64,
                                           shuffle=False)

correct = 0
total = 0

with torch.no_grad():
    for imgs, labels in train_loader:
        outputs = model(imgs.view(imgs.shape[0], -1))
        _, predicted = torch.max(outputs, dim=1)
        total += labels.shape[0]
        correct += int((predicted == labels).sum())
        
print("Accuracy: %f" % (correct / total))

# %% cell 37
val_loader = torch.utils.data.DataLoader(cifar2_val, batch_size=64,
                                         shuffle=False)

correct = 0
total = 0

with torch.no_grad():
    for imgs, labels in val_loader:
        outputs = model(imgs.view(imgs.shape[0], -1))
        _, predicted = torch.max(outputs, dim=1)
        total += labels.shape[0]
        correct += int((predicted == labels).sum())
        
print("Accuracy: %f" % (correct / total))

# %% cell 38
model = nn.Sequential(
            nn.Linear(3072, 1024),
            nn.Tanh(),
            nn.Linear(1024, 512),
            nn.Tanh(),
            nn.Linear(512, 128),
            nn.Tanh(),
            nn.Linear(128, 2),
            nn.LogSoftmax(dim=1))

# %% cell 39
model = nn.Sequential(
            nn.Linear(3072, 1024),
            nn.Tanh(),
            nn.Linear(1024, 512),
            nn.Tanh(),
            nn.Linear(512, 128),
            nn.Tanh(),
            nn.Linear(128, 2))

loss_fn = nn.CrossEntropyLoss()

# %% cell 40
import torch
import torch.nn as nn
import torch.optim as optim

train_loader = torch.utils.data.DataLoader(cifar2, batch_size=64,
                                           shuffle=True)

model = nn.Sequential(
            nn.Linear(3072, 1024),
            nn.Tanh(),
            nn.Linear(1024, 512),
            nn.Tanh(),
            nn.Linear(512, 128),
            nn.Tanh(),
            nn.Linear(128, 2))

learning_rate = 1e-2

optimizer = optim.SGD(model.parameters(), lr=learning_rate)

loss_fn = nn.CrossEntropyLoss()

n_epochs = 2  # 100 (cut down)

for epoch in range(n_epochs):
    for imgs, labels in train_loader:
        outputs = model(imgs.view(imgs.shape[0], -1))
        loss = loss_fn(outputs, labels)

        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    print("Epoch: %d, Loss: %f" % (epoch, float(loss)))

# %% cell 41
train_loader = torch.utils.data.DataLoader(cifar2, batch_size=64,
                                           shuffle=False)

correct = 0
total = 0

with torch.no_grad():
    for imgs, labels in train_loader:
        outputs = model(imgs.view(imgs.shape[0], -1))
        _, predicted = torch.max(outputs, dim=1)
        total += labels.shape[0]
        correct += int((predicted == labels).sum())
        
print("Accuracy: %f" % (correct / total))

# %% cell 42
val_loader = torch.utils.data.DataLoader(cifar2_val, batch_size=64,
                                         shuffle=False)

correct = 0
total = 0

with torch.no_grad():
    for imgs, labels in val_loader:
        outputs = model(imgs.view(imgs.shape[0], -1))
        _, predicted = torch.max(outputs, dim=1)
        total += labels.shape[0]
        correct += int((predicted == labels).sum())
        
print("Accuracy: %f" % (correct / total))

# %% cell 43
sum([p.numel() for p in model.parameters()])

# %% cell 44
sum([p.numel() for p in model.parameters() if p.requires_grad == True])

# %% cell 45
first_model = nn.Sequential(
                nn.Linear(3072, 512),
                nn.Tanh(),
                nn.Linear(512, 2),
                nn.LogSoftmax(dim=1))

sum([p.numel() for p in first_model.parameters()])

# %% cell 46
sum([p.numel() for p in nn.Linear(3072, 512).parameters()])

# %% cell 47
sum([p.numel() for p in nn.Linear(3072, 1024).parameters()])

# %% cell 48
linear = nn.Linear(3072, 1024)

linear.weight.shape, linear.bias.shape

# %% cell 49
conv = nn.Conv2d(3, 16, kernel_size=3)

# %% cell 50
conv.weight.shape

# %% cell 51
conv.bias.shape

# %% cell 52
img, _ = cifar2[0]

output = conv(img.unsqueeze(0))

# %% cell 53
img.unsqueeze(0).shape, output.shape

# %% cell 54
# (left out: plotting) plt.imshow(img.permute(1, 2, 0), cmap='gray')
# (left out: plotting) plt.show()

# %% cell 55
# (left out: plotting) plt.imshow(output[0, 0].detach(), cmap='gray')
# (left out: plotting) plt.show()

# %% cell 56
output.shape

# %% cell 57
conv = nn.Conv2d(3, 1, kernel_size=3, padding=1)

# %% cell 58
output = conv(img.unsqueeze(0))

output.shape

# %% cell 59
with torch.no_grad():
    conv.bias.zero_()

# %% cell 60
with torch.no_grad():
    conv.weight.fill_(1.0 / 9.0)

# %% cell 61
output = conv(img.unsqueeze(0))
# (left out: plotting) plt.imshow(output[0, 0].detach(), cmap='gray')
# (left out: plotting) plt.show()

# %% cell 62
conv = nn.Conv2d(3, 1, kernel_size=3, padding=1)

with torch.no_grad():
    conv.weight[:] = torch.tensor([[-1.0, 0.0, 1.0],
                                   [-1.0, 0.0, 1.0],
                                   [-1.0, 0.0, 1.0]])
    conv.bias.zero_()

# %% cell 63
output = conv(img.unsqueeze(0))
# (left out: plotting) plt.imshow(output[0, 0].detach(), cmap='gray')
# (left out: plotting) plt.show()

# %% cell 64
pool = nn.MaxPool2d(2)

# %% cell 65
output = pool(img.unsqueeze(0))

output.shape

# %% cell 66: raises
model = nn.Sequential(
            nn.Conv2d(3, 16, kernel_size=3, padding=1),
            nn.Tanh(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 8, kernel_size=3, padding=1),
            nn.Tanh(),
            nn.MaxPool2d(2),
            ...)

# %% cell 67
model = nn.Sequential(
            nn.Conv2d(3, 16, kernel_size=3, padding=1),
            nn.Tanh(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 8, kernel_size=3, padding=1),
            nn.Tanh(),
            nn.MaxPool2d(2),
            # WARNING: something missing here
            nn.Linear(512, 32),
            nn.Tanh(),
            nn.Linear(32, 2))

# %% cell 68
sum([p.numel() for p in model.parameters()])

# %% cell 69: raises
model(img.unsqueeze(0))

# %% cell 70
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.act1 = nn.Tanh()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(16, 8, kernel_size=3, padding=1)
        self.act2 = nn.Tanh()
        self.pool2 = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(8 * 8 * 8, 32)
        self.act4 = nn.Tanh()
        self.fc2 = nn.Linear(32, 2)

    def forward(self, x):
        out = self.pool1(self.act1(self.conv1(x)))
        out = self.pool2(self.act2(self.conv2(out)))
        out = out.view(-1, 8 * 8 * 8)
        out = self.act4(self.fc1(out))
        out = self.fc2(out)
        return out

# %% cell 71
model = Net()

sum([p.numel() for p in model.parameters()])

# %% cell 72
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 8, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(8 * 8 * 8, 32)
        self.fc2 = nn.Linear(32, 2)
        
    def forward(self, x):
        out = F.max_pool2d(torch.tanh(self.conv1(x)), 2)
        out = F.max_pool2d(torch.tanh(self.conv2(out)), 2)
        out = out.view(-1, 8 * 8 * 8)
        out = torch.tanh(self.fc1(out))
        out = self.fc2(out)
        return out

# %% cell 73
model = Net()
model(img.unsqueeze(0))

# %% cell 74
import torch
import torch.nn as nn
import torch.nn.functional as F

train_loader = torch.utils.data.DataLoader(cifar2, batch_size=64,
                                           shuffle=True)

class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 8, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(8 * 8 * 8, 32)
        self.fc2 = nn.Linear(32, 2)
        
    def forward(self, x):
        out = F.max_pool2d(torch.relu(self.conv1(x)), 2)
        out = F.max_pool2d(torch.relu(self.conv2(out)), 2)
        out = out.view(-1, 8 * 8 * 8)
        out = torch.tanh(self.fc1(out))
        out = self.fc2(out)
        return out
    
model = Net()

learning_rate = 1e-2

optimizer = optim.SGD(model.parameters(), lr=learning_rate)

loss_fn = nn.CrossEntropyLoss()

n_epochs = 2  # 100 (cut down)

for epoch in range(n_epochs):
    for imgs, labels in train_loader:
        outputs = model(imgs)
        loss = loss_fn(outputs, labels)
                
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    print("Epoch: %d, Loss: %f" % (epoch, float(loss)))

# %% cell 75
train_loader = torch.utils.data.DataLoader(cifar2, batch_size=64,
                                           shuffle=False)

correct = 0
total = 0

with torch.no_grad():
    for imgs, labels in train_loader:
        outputs = model(imgs)
        _, predicted = torch.max(outputs, dim=1)
        total += labels.shape[0]
        correct += int((predicted == labels).sum())
        
print("Accuracy: %f" % (correct / total))

# %% cell 76
val_loader = torch.utils.data.DataLoader(cifar2_val, batch_size=64,
                                         shuffle=False)

correct = 0
total = 0

with torch.no_grad():
    for imgs, labels in val_loader:
        outputs = model(imgs)
        _, predicted = torch.max(outputs, dim=1)
        total += labels.shape[0]
        correct += int((predicted == labels).sum())
        
print("Accuracy: %f" % (correct / total))

# %% cell 77
import torch
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 8, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(8 * 8 * 8, 32)
        self.fc2 = nn.Linear(32, 2)
        
    def forward(self, x):
        out = F.max_pool2d(torch.relu(self.conv1(x)), 2)
        out = F.max_pool2d(torch.relu(self.conv2(out)), 2)
        out = out.view(-1, 8 * 8 * 8)
        out = torch.tanh(self.fc1(out))
        out = self.fc2(out)
        return out
    
model = Net()
sum([p.numel() for p in model.parameters()])

# %% cell 78: raises
model = nn.Sequential(
            nn.Conv2d(3, 16, kernel_size=3, padding=1),
            nn.Tanh(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 8, kernel_size=3, padding=1),
            nn.Tanh(),
            nn.MaxPool2d(2),
            nn.Linear(8*8*8, 32),
            nn.Tanh(),
            nn.Linear(32, 2))

model(img.unsqueeze(0))
'''


def test_datasets():
    run_notebook(with_cifar10(DATASETS), normalise=[ADDRESS, GENERATOR, TENSOR_CLASS, DATASET_CLASS])


@pytest.mark.filterwarnings("ignore:divide by zero encountered in log")  # (cell 26: log(softmax) of 0 is -inf, as shown)
@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad=True to a scalar")  # (PyTorch's, float(loss))
def test_birds_airplanes():
    torch_run, our_run = run_notebook(with_cifar10(BIRDS_AIRPLANES), normalise=[ADDRESS, GENERATOR, LOSS_NODES])
    assert "ellipsis is not a Module subclass" in our_run["error_66_message"]
    for cell in (69, 78):  # (the Linear(512, 32) gets the (1, 8, 8, 8) maps, 8 features where it wants 512)
        assert "(1, 8, 8, 8)" in our_run[f"error_{cell}_message"] and "512" in our_run[f"error_{cell}_message"]


# What the notebooks found, each checked against PyTorch from the user's side.

TENSORS_IN_LISTS = {  # name -> data, built with the library given: the shape, dtype and numbers must be PyTorch's
    "one-element tensors (cell 22's nll_comparison)": lambda L: [L.tensor([1.5]), L.tensor([2.5])],
    "of any shape": lambda L: [L.tensor([[1.5]]), L.tensor(2.), L.tensor([3.])],
    "nested": lambda L: [[L.tensor(1.)], [L.tensor([2.])]],
    "beside numbers": lambda L: [L.tensor([1.5]), 2, 3.5],
    "in a tuple": lambda L: (L.tensor(1), L.tensor(2)),
    "float64 wins": lambda L: [L.tensor(1.5, dtype=L.float64), L.tensor(2.)],
    "int with a float": lambda L: [L.tensor(1), 2.5],
    "int32 kept": lambda L: [L.tensor(1, dtype=L.int32), L.tensor(2, dtype=L.int32)],
    "int64 over bool": lambda L: [L.tensor(3), True],
    "bools": lambda L: [L.tensor([True]), L.tensor(False)],
    "numpy float64": lambda L: [np.float64(2.5), L.tensor(1)],
    "uint8 and int8": lambda L: [L.tensor(1, dtype=L.uint8), L.tensor(-1, dtype=L.int8)],
    "graph left behind": lambda L: [L.ones(1, requires_grad=True) * 2, L.tensor(3.)],
}


@pytest.mark.parametrize("name", TENSORS_IN_LISTS)
@pytest.mark.parametrize("dtype", [None, "float64"])
def test_a_tensor_in_a_list_is_a_number(name, dtype):
    """``torch.tensor([t0, t1, ...])`` reads each tensor as the number it holds, as PyTorch does: a list of four
    (1,) tensors is a (4,) tensor (seegrad stacked them into (4, 1)), and the dtype is the elements' promoted."""
    import autograd

    theirs = torch.tensor(TENSORS_IN_LISTS[name](torch), dtype=dtype and getattr(torch, dtype))
    ours = autograd.tensor(TENSORS_IN_LISTS[name](autograd), dtype=dtype and getattr(autograd, dtype))
    assert (ours.shape, str(ours.dtype), ours.requires_grad) == \
        (tuple(theirs.shape), str(theirs.dtype).removeprefix("torch."), theirs.requires_grad)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("data", [lambda L: [L.tensor([1., 2.]), L.tensor([3., 4.])],
                                  lambda L: [[1., 2.], [L.tensor([1., 2.]), 3.]], lambda L: [L.tensor([])]])
def test_a_tensor_of_more_elements_in_a_list_is_refused(data):
    import autograd

    with pytest.raises(ValueError, match="only one element tensors can be converted to Python scalars"):
        torch.tensor(data(torch))
    with pytest.raises(ValueError, match=r"only one element tensors .*torch.stack"):  # (ours says what to do)
        autograd.tensor(data(autograd))


def test_manual_seed_returns_the_default_generator():
    """A cell that ends in ``torch.manual_seed(123)`` shows what it returns: the default generator, which
    draws as the global functions draw (``generator=torch.default_generator``) and keeps their state."""
    import autograd

    for library in (torch, autograd):
        generator = library.manual_seed(123)
        assert generator is library.default_generator
        first = library.randn(3)
        state = library.default_generator.get_state()
        again = library.default_generator.manual_seed(123)
        assert again is library.default_generator and library.default_generator.initial_seed() == 123
        assert library.equal(library.randn(3, generator=library.default_generator), first)
        after = library.randn(2)
        library.default_generator.set_state(state)
        assert library.equal(library.randn(2), after)
