# Code from rasbt/machine-learning-book, ch12/ch12_part1.ipynb and ch12/ch12_part2.ipynb (MIT, (c) Sebastian Raschka)
"""Raschka, Liu and Mirjalili, "Machine Learning with PyTorch and Scikit-Learn", chapter 12 (Parallelizing Neural
Network Training with PyTorch): the code cells of both notebooks, as written, run under PyTorch and under seegrad
(notebook.py, harness.py): tensors (creation, dtype, shape, math, split/stack/cat), DataLoader over a tensor,
TensorDataset and Dataset subclasses, shuffling, a Dataset of image files with a transform, the iris classifier
and its saving and loading; the same values, printed numbers and printed text. Source:
github.com/rasbt/machine-learning-book (MIT, (c) Sebastian Raschka). Changed (each marked in the text): the
package check, IPython images, shell and plotting cells and lines are left out; torchvision is not installed
here, so its CelebA and MNIST datasets are stand-ins of small random PIL images of their modes and sizes, and its
ToTensor and Resize stand-ins of the same rules on those images; the cat and dog photos are six small random
JPEG files written in a temporary directory; the iris data come from scikit-learn (as in the book); a cell's last
expression is shown by its repr as Jupyter shows it.
"""
import pytest

from mlbook import TORCHVISION
from notebook import run_notebook

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

VERSION = [(r"^PyTorch version: .*$", "PyTorch version: <torch.__version__>")]

PART1 = r'''
# %% cell 19
import torch
import numpy as np

print('PyTorch version:', torch.__version__)

np.set_printoptions(precision=3)

# %% cell 22
a = [1, 2, 3]
b = np.array([4, 5, 6], dtype=np.int32)

t_a = torch.tensor(a)
t_b = torch.from_numpy(b)

print(t_a)
print(t_b)

# %% cell 23
torch.is_tensor(a), torch.is_tensor(t_a)

# %% cell 24
t_ones = torch.ones(2, 3)

t_ones.shape

# %% cell 25
print(t_ones)

# %% cell 26
rand_tensor = torch.rand(2,3)

print(rand_tensor)

# %% cell 28
t_a_new = t_a.to(torch.int64)

print(t_a_new.dtype)

# %% cell 29
t = torch.rand(3, 5)

t_tr = torch.transpose(t, 0, 1)
print(t.shape, ' --> ', t_tr.shape)

# %% cell 30
t = torch.zeros(30)

t_reshape = t.reshape(5, 6)

print(t_reshape.shape)

# %% cell 31
t = torch.zeros(1, 2, 1, 4, 1)

t_sqz = torch.squeeze(t, 2)

print(t.shape, ' --> ', t_sqz.shape)

# %% cell 33
torch.manual_seed(1)

t1 = 2 * torch.rand(5, 2) - 1
t2 = torch.normal(mean=0, std=1, size=(5, 2))

# %% cell 34
t3 = torch.multiply(t1, t2)
print(t3)

# %% cell 35
t4 = torch.mean(t1, axis=0)
print(t4)

# %% cell 36
t5 = torch.matmul(t1, torch.transpose(t2, 0, 1))

print(t5)

# %% cell 37
t6 = torch.matmul(torch.transpose(t1, 0, 1), t2)

print(t6)

# %% cell 38
norm_t1 = torch.linalg.norm(t1, ord=2, dim=1)

print(norm_t1)

# %% cell 39
np.sqrt(np.sum(np.square(t1.numpy()), axis=1))

# %% cell 41
torch.manual_seed(1)

t = torch.rand(6)

print(t)

t_splits = torch.chunk(t, 3)

[item.numpy() for item in t_splits]

# %% cell 42
torch.manual_seed(1)
t = torch.rand(5)

print(t)

t_splits = torch.split(t, split_size_or_sections=[3, 2])
 
[item.numpy() for item in t_splits]

# %% cell 43
A = torch.ones(3)
B = torch.zeros(2)

C = torch.cat([A, B], axis=0)
print(C)

# %% cell 44
A = torch.ones(3)
B = torch.zeros(3)

S = torch.stack([A, B], axis=1)
print(S)

# %% cell 47
from torch.utils.data import DataLoader

t = torch.arange(6, dtype=torch.float32)
data_loader = DataLoader(t)

# %% cell 48
for item in data_loader:
    print(item)

# %% cell 49
data_loader = DataLoader(t, batch_size=3, drop_last=False)

for i, batch in enumerate(data_loader, 1):
    print(f'batch {i}:', batch)

# %% cell 51
from torch.utils.data import Dataset

class JointDataset(Dataset):
    def __init__(self, x, y):
        self.x = x
        self.y = y
    def __len__(self):
        return len(self.x)
    def __getitem__(self, idx):
        return self.x[idx], self.y[idx]

# %% cell 52
torch.manual_seed(1)

t_x = torch.rand([4, 3], dtype=torch.float32)
t_y = torch.arange(4)
joint_dataset = JointDataset(t_x, t_y)

# Or use TensorDataset directly
from torch.utils.data import TensorDataset
joint_dataset = TensorDataset(t_x, t_y)

for example in joint_dataset:
    print('  x: ', example[0], 
          '  y: ', example[1])

# %% cell 54
torch.manual_seed(1)
data_loader = DataLoader(dataset=joint_dataset, batch_size=2, shuffle=True)

for i, batch in enumerate(data_loader, 1):
        print(f'batch {i}:', 'x:', batch[0], 
              '\n         y:', batch[1])
        
for epoch in range(2):
    print(f'epoch {epoch+1}')
    for i, batch in enumerate(data_loader, 1):
        print(f'batch {i}:', 'x:', batch[0], 
              '\n         y:', batch[1])

# %% cell 56
import pathlib

imgdir_path = pathlib.Path('cat_dog_images')

file_list = sorted([str(path) for path in imgdir_path.glob('*.jpg')])

print(file_list)

# %% cell 57
# import matplotlib.pyplot as plt  (left out: no plotting)
import os
from PIL import Image


# fig = plt.figure(figsize=(10, 5))  (left out: no plotting, here and below)
for i, file in enumerate(file_list):
    img = Image.open(file)
    print('Image shape: ', np.array(img).shape)
    # ax = fig.add_subplot(2, 3, i+1)
    # ax.set_xticks([]); ax.set_yticks([])
    # ax.imshow(img)
    # ax.set_title(os.path.basename(file), size=15)
    
#plt.savefig('figures/12_03.pdf')
# plt.tight_layout()
# plt.show()

# %% cell 58
labels = [1 if 'dog' in os.path.basename(file) else 0
          for file in file_list]
print(labels)

# %% cell 59
class ImageDataset(Dataset):
    def __init__(self, file_list, labels):
        self.file_list = file_list
        self.labels = labels

    def __getitem__(self, index):
        file = self.file_list[index]      
        label = self.labels[index]
        return file, label

    def __len__(self):
        return len(self.labels)
    
image_dataset = ImageDataset(file_list, labels)
for file, label in image_dataset:
    print(file, label)

# %% cell 60
# import torchvision.transforms as transforms  (changed: torchvision is not installed here; stand-ins)
<the torchvision stand-in>
transforms = torchvision.transforms

class ImageDataset(Dataset):
    def __init__(self, file_list, labels, transform=None):
        self.file_list = file_list
        self.labels = labels
        self.transform = transform
    def __getitem__(self, index):
        img = Image.open(self.file_list[index])        
        if self.transform is not None:
            img = self.transform(img)
        label = self.labels[index]
        return img, label
    def __len__(self):
        return len(self.labels)

img_height, img_width = 80, 120
    
transform = transforms.Compose([
    transforms.ToTensor(),
    transforms.Resize((img_height, img_width)),
])
    
image_dataset = ImageDataset(file_list, labels, transform)

# %% cell 61
# fig = plt.figure(figsize=(10, 6))  (left out: no plotting; the images are kept to be compared)
images = []
for i, example in enumerate(image_dataset):
    # ax = fig.add_subplot(2, 3, i+1)
    # ax.set_xticks([]); ax.set_yticks([])
    # ax.imshow(example[0].numpy().transpose((1, 2, 0)))
    images.append(example[0])  # (added: kept to be compared)
    # ax.set_title(f'{example[1]}', size=15)
    
# plt.tight_layout()
# plt.savefig('figures/12_04.pdf')
# plt.show()

# %% cell 64
# import torchvision  (changed: the stand-in above)

# %% cell 78
image_path = './'
celeba_dataset = torchvision.datasets.CelebA(image_path, split='train', target_type='attr', download=False)

assert isinstance(celeba_dataset, torch.utils.data.Dataset)

# %% cell 79
example = next(iter(celeba_dataset))
print(example)

# %% cell 80
from itertools import islice
# fig = plt.figure(figsize=(12, 8))  (left out: no plotting; the titles are printed instead)
for i, (image, attributes) in islice(enumerate(celeba_dataset), 18):
    # ax = fig.add_subplot(3, 6, i+1)
    # ax.set_xticks([]); ax.set_yticks([])
    # ax.imshow(image)
    # ax.set_title(f'{attributes[31]}', size=15)
    print(f'{attributes[31]}')
    
#plt.savefig('figures/12_05.pdf')
# plt.show()

# %% cell 81
mnist_dataset = torchvision.datasets.MNIST(image_path, 'train', download=True)

assert isinstance(mnist_dataset, torch.utils.data.Dataset)

example = next(iter(mnist_dataset))
print(example)

# fig = plt.figure(figsize=(15, 6))  (left out: no plotting; the titles are printed instead)
for i, (image, label) in islice(enumerate(mnist_dataset), 10):
    # ax = fig.add_subplot(2, 5, i+1)
    # ax.set_xticks([]); ax.set_yticks([])
    # ax.imshow(image, cmap='gray_r')
    # ax.set_title(f'{label}', size=15)
    print(f'{label}')

#plt.savefig('figures/12_06.pdf')
# plt.show()
'''

PART2 = r'''
# %% cell 13
import torch
import numpy as np
# import matplotlib.pyplot as plt  (left out: no plotting)

# %% cell 14
X_train = np.arange(10, dtype='float32').reshape((10, 1))
y_train = np.array([1.0, 1.3, 3.1, 2.0, 5.0, 6.3, 6.6, 
                    7.4, 8.0, 9.0], dtype='float32')

# plt.plot(X_train, y_train, 'o', markersize=10)  (left out: no plotting)
# plt.xlabel('x')
# plt.ylabel('y')

#plt.savefig('figures/12_07.pdf')
# plt.show()

# %% cell 15
from torch.utils.data import TensorDataset
from torch.utils.data import DataLoader

X_train_norm = (X_train - np.mean(X_train)) / np.std(X_train)
X_train_norm = torch.from_numpy(X_train_norm)

# On some computers the explicit cast to .float() is
# necessary
y_train = torch.from_numpy(y_train).float()

train_ds = TensorDataset(X_train_norm, y_train)

batch_size = 1
train_dl = DataLoader(train_ds, batch_size, shuffle=True)

# %% cell 16
torch.manual_seed(1)
weight = torch.randn(1)
weight.requires_grad_()
bias = torch.zeros(1, requires_grad=True)
 
def loss_fn(input, target):
    return (input-target).pow(2).mean()

def model(xb):
    return xb @ weight + bias

learning_rate = 0.001
num_epochs = <num_epochs>  # (changed: 200 in the book)
log_epochs = 10

for epoch in range(num_epochs):
    for x_batch, y_batch in train_dl:
        pred = model(x_batch)
        loss = loss_fn(pred, y_batch)
        loss.backward()

        with torch.no_grad():
            weight -= weight.grad * learning_rate
            bias -= bias.grad * learning_rate
            weight.grad.zero_()
            bias.grad.zero_()
 
    if epoch % log_epochs==0:
        print(f'Epoch {epoch}  Loss {loss.item():.4f}')
 

# %% cell 17
print('Final Parameters:', weight.item(), bias.item())
 
X_test = np.linspace(0, 9, num=100, dtype='float32').reshape(-1, 1)
X_test_norm = (X_test - np.mean(X_train)) / np.std(X_train)
X_test_norm = torch.from_numpy(X_test_norm)
y_pred = model(X_test_norm).detach().numpy()
y_pred_by_hand = y_pred  # (added: kept to be compared, the next cell reuses the name)

# (the plotting lines left out: no plotting)

# %% cell 19
import torch.nn as nn

input_size = 1
output_size = 1
model = nn.Linear(input_size, output_size)

loss_fn = nn.MSELoss(reduction='mean')

optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)

for epoch in range(num_epochs):
    for x_batch, y_batch in train_dl:
        # 1. Generate predictions
        pred = model(x_batch)[:, 0] 

        # 2. Calculate loss
        loss = loss_fn(pred, y_batch)

        # 3. Compute gradients
        loss.backward()

        # 4. Update parameters using gradients
        optimizer.step()

        # 5. Reset the gradients to zero
        optimizer.zero_grad()
        
    if epoch % log_epochs==0:
        print(f'Epoch {epoch}  Loss {loss.item():.4f}')

# %% cell 20
print('Final Parameters:', model.weight.item(), model.bias.item())
 
X_test = np.linspace(0, 9, num=100, dtype='float32').reshape(-1, 1)
X_test_norm = (X_test - np.mean(X_train)) / np.std(X_train)
X_test_norm = torch.from_numpy(X_test_norm)
y_pred = model(X_test_norm)

# (the plotting lines left out: no plotting)

# %% cell 22
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split 

iris = load_iris()
X = iris['data']
y = iris['target']
 
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=1./3, random_state=1)

# %% cell 23
from torch.utils.data import TensorDataset
from torch.utils.data import DataLoader

X_train_norm = (X_train - np.mean(X_train)) / np.std(X_train)
X_train_norm = torch.from_numpy(X_train_norm).float()
y_train = torch.from_numpy(y_train) 

train_ds = TensorDataset(X_train_norm, y_train)

torch.manual_seed(1)
batch_size = 2
train_dl = DataLoader(train_ds, batch_size, shuffle=True)

# %% cell 24
class Model(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.layer1 = nn.Linear(input_size, hidden_size)  
        self.layer2 = nn.Linear(hidden_size, output_size)  

    def forward(self, x):
        x = self.layer1(x)
        x = nn.Sigmoid()(x)
        x = self.layer2(x)
        x = nn.Softmax(dim=1)(x)
        return x
    
input_size = X_train_norm.shape[1]
hidden_size = 16
output_size = 3
 
model = Model(input_size, hidden_size, output_size)

learning_rate = 0.001

loss_fn = nn.CrossEntropyLoss()
 
optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)


# %% cell 25
num_epochs = <num_epochs>  # (changed: 100 in the book)
loss_hist = [0] * num_epochs
accuracy_hist = [0] * num_epochs

for epoch in range(num_epochs):

    for x_batch, y_batch in train_dl:
        pred = model(x_batch)
        loss = loss_fn(pred, y_batch.long())
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    
        loss_hist[epoch] += loss.item()*y_batch.size(0)
        is_correct = (torch.argmax(pred, dim=1) == y_batch).float()
        accuracy_hist[epoch] += is_correct.sum()
        
    loss_hist[epoch] /= len(train_dl.dataset)
    accuracy_hist[epoch] /= len(train_dl.dataset)

# %% cell 26
# (the plotting cell left out: no plotting; loss_hist and accuracy_hist are compared)

# %% cell 28
X_test_norm = (X_test - np.mean(X_train)) / np.std(X_train)
X_test_norm = torch.from_numpy(X_test_norm).float()
y_test = torch.from_numpy(y_test) 
pred_test = model(X_test_norm)

correct = (torch.argmax(pred_test, dim=1) == y_test).float()
accuracy = correct.mean()
 
print(f'Test Acc.: {accuracy:.4f}')


# %% cell 30
# (cells 30 to 32 left out: they save the whole model with torch.save(model, path), which PyTorch 2.6 and later
# refuse to load by default and seegrad refuses to save: test_saving_the_whole_model_is_refused_by_both)

# %% cell 33
path = 'iris_classifier_state.pt'
torch.save(model.state_dict(), path)

# %% cell 34
model_new = Model(input_size, hidden_size, output_size)
model_new.load_state_dict(torch.load(path))

# %% cell 35
pred_test_new = model_new(X_test_norm)  # (added: the loaded model predicts as the saved one)

# %% cell 37
import numpy as np

X = np.array([1, 1.4, 2.5]) ## first value must be 1
w = np.array([0.4, 0.3, 0.5])

def net_input(X, w):
    return np.dot(X, w)

def logistic(z):
    return 1.0 / (1.0 + np.exp(-z))

def logistic_activation(X, w):
    z = net_input(X, w)
    return logistic(z)

print(f'P(y=1|x) = {logistic_activation(X, w):.3f}') 

# %% cell 38
# W : array with shape = (n_output_units, n_hidden_units+1)
# note that the first column are the bias units

W = np.array([[1.1, 1.2, 0.8, 0.4],
              [0.2, 0.4, 1.0, 0.2],
              [0.6, 1.5, 1.2, 0.7]])

# A : data array with shape = (n_hidden_units + 1, n_samples)
# note that the first column of this array must be 1

A = np.array([[1, 0.1, 0.4, 0.6]])
Z = np.dot(W, A[0])
y_probas = logistic(Z)
print('Net Input: \n', Z)

print('Output Units:\n', y_probas) 

# %% cell 39
y_class = np.argmax(Z, axis=0)
print('Predicted class label:', y_class) 

# %% cell 41
def softmax(z):
    return np.exp(z) / np.sum(np.exp(z))

y_probas = softmax(Z)
print('Probabilities:\n', y_probas)

np.sum(y_probas)

# %% cell 42
torch.softmax(torch.from_numpy(Z), dim=0)

# %% cell 44
def tanh(z):
    e_p = np.exp(z)
    e_m = np.exp(-z)
    return (e_p - e_m) / (e_p + e_m)

z = np.arange(-5, 5, 0.005)
log_act = logistic(z)
tanh_act = tanh(z)
# (the plotting lines left out: no plotting)

# %% cell 45
np.tanh(z)

# %% cell 46
torch.tanh(torch.from_numpy(z))
 

# %% cell 47
from scipy.special import expit

expit(z)

# %% cell 48
torch.sigmoid(torch.from_numpy(z))

# %% cell 50
torch.relu(torch.from_numpy(z))
'''


# the book's iris model ends in a Softmax before nn.CrossEntropyLoss; seegrad warns about it, PyTorch does not
@pytest.mark.filterwarnings("ignore:CrossEntropyLoss. the inputs")
def test_part2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # (the notebook saves its model in the working directory)
    run_notebook(PART2.replace("<num_epochs>", "20"))


def test_saving_the_whole_model_is_refused_by_both(tmp_path):
    """Cells 30 and 31: ``torch.save(model, path)`` then ``torch.load(path)``. PyTorch 2.6+ loads with
    weights_only=True and refuses the pickled module; seegrad refuses to save it; both name the state_dict way."""
    import autograd
    import nn

    torch.save(torch.nn.Linear(4, 3), tmp_path / "torch.pt")
    with pytest.raises(Exception, match="weights_only"):
        torch.load(tmp_path / "torch.pt")
    with pytest.raises(TypeError, match=r"cannot save a Linear.*state_dict\(\)"):
        autograd.save(nn.Linear(4, 3), tmp_path / "ours.pt")


PIL_ADDRESS = [(r" at 0x[0-9a-fA-F]+>", " at <address>>")]


def _cat_dog_images(folder):
    """The book's six photos (cat-01.jpg ... dog-03.jpg) as small random JPEG files of two sizes (both smaller
    than the 80x120 the notebook resizes them to)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    folder.mkdir()
    for i, name in enumerate(["cat-01", "cat-02", "cat-03", "dog-01", "dog-02", "dog-03"]):
        shape = (40, 60, 3) if i % 2 else (50, 50, 3)
        Image.fromarray(rng.integers(0, 256, size=shape, dtype=np.uint8)).save(folder / f"{name}.jpg")


def test_part1(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _cat_dog_images(tmp_path / "cat_dog_images")
    run_notebook(PART1.replace("<the torchvision stand-in>\n", TORCHVISION), normalise=VERSION + PIL_ADDRESS)
