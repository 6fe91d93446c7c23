# Code from rasbt/machine-learning-book, ch13/ch13_part1.ipynb and ch13/ch13_part2.ipynb (MIT, (c) Sebastian Raschka)
"""Raschka, Liu and Mirjalili, "Machine Learning with PyTorch and Scikit-Learn", chapter 13 (Going Deeper -- The
Mechanics of PyTorch): the code cells of both notebooks, as written, run under PyTorch and under seegrad
(notebook.py, harness.py): computation graphs, requires_grad, nn.init.xavier_normal_, gradients by autograd
checked by hand, nn.Sequential, the XOR classifier (a logistic model, then a deeper one, then as an nn.Module
subclass over an nn.ModuleList), the NoisyLinear custom layer with nn.Parameter and torch.normal noise, the
car-fuel-efficiency regression with its feature columns (normalised, bucketized, one-hot) and the MNIST MLP; the
same values, printed numbers and printed text. Source: github.com/rasbt/machine-learning-book (MIT, (c) Sebastian
Raschka). Changed (each marked in the text): the package check, IPython image, shell and plotting cells and
lines are left out (mlxtend's decision regions too: the models' predict is called on the validation data
instead); the training runs are cut from 200 epochs to 10 (the XOR models) and 20 (the car-fuel model), the MNIST
MLP's from 20 to 3; cell 13's leading space is taken away, as IPython does; pandas is not installed here, so the
Auto MPG table is a generated file of its format (read with numpy) and the cells that shape it with pandas are
written with numpy over a small stand-in of the DataFrame's columns (``Frame``); torchvision is not installed, so
MNIST is a stand-in (mlbook.py: scikit-learn's digits at MNIST's size and types); a cell's last expression is
shown by its repr as Jupyter shows it.
"""
import numpy as np
import pytest

from mlbook import TORCHVISION
from notebook import run_notebook

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

PART1 = r'''
# %% cell 12
import torch

# %% cell 13
def compute_z(a, b, c):  # (changed: the leading space IPython strips)
   r1 = torch.sub(a, b)
   r2 = torch.mul(r1, 2)
   z = torch.add(r2, c)
   return z

print('Scalar Inputs:', compute_z(torch.tensor(1), torch.tensor(2), torch.tensor(3)))
print('Rank 1 Inputs:', compute_z(torch.tensor([1]), torch.tensor([2]), torch.tensor([3])))
print('Rank 2 Inputs:', compute_z(torch.tensor([[1]]), torch.tensor([[2]]), torch.tensor([[3]])))

# %% cell 15
a = torch.tensor(3.14, requires_grad=True)
b = torch.tensor([1.0, 2.0, 3.0], requires_grad=True) 
print(a)
print(b)

# %% cell 16
a.requires_grad

# %% cell 17
w = torch.tensor([1.0, 2.0, 3.0])

print(w.requires_grad)

# %% cell 18
w.requires_grad_()

print(w.requires_grad)

# %% cell 19
import torch.nn as nn


torch.manual_seed(1)
w = torch.empty(2, 3)
nn.init.xavier_normal_(w)
print(w)
 

# %% cell 20
class MyModule(nn.Module):
    def __init__(self):
        super().__init__()
        self.w1 = torch.empty(2, 3, requires_grad=True)
        nn.init.xavier_normal_(self.w1)
        self.w2 = torch.empty(1, 2, requires_grad=True)
        nn.init.xavier_normal_(self.w2)

my_module = MyModule()  # (added: the book only defines it; its tensors are no parameters, so kept by name)
my_module_w1, my_module_w2 = my_module.w1, my_module.w2

# %% cell 23
w = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(0.5, requires_grad=True) 

x = torch.tensor([1.4])
y = torch.tensor([2.1])


z = torch.add(torch.mul(w, x), b)
 
loss = (y-z).pow(2).sum()
loss.backward()

print('dL/dw : ', w.grad)
print('dL/db : ', b.grad)


# %% cell 24
# verifying the computed gradient dL/dw
print(2 * x * ((w * x + b) - y))

# %% cell 27
model = nn.Sequential(
    nn.Linear(4, 16),
    nn.ReLU(),
    nn.Linear(16, 32),
    nn.ReLU()
)

model


# %% cell 29
nn.init.xavier_uniform_(model[0].weight)
 
l1_weight = 0.01
l1_penalty = l1_weight * model[2].weight.abs().sum()


# %% cell 31
loss_fn = nn.BCELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)

# %% cell 33
import numpy as np
# import matplotlib.pyplot as plt  (left out: no plotting, here and below)


np.random.seed(1)
torch.manual_seed(1)
x = np.random.uniform(low=-1, high=1, size=(200, 2))
y = np.ones(len(x))
y[x[:, 0] * x[:, 1]<0] = 0

n_train = 100
x_train = torch.tensor(x[:n_train, :], dtype=torch.float32)
y_train = torch.tensor(y[:n_train], dtype=torch.float32)
x_valid = torch.tensor(x[n_train:, :], dtype=torch.float32)
y_valid = torch.tensor(y[n_train:], dtype=torch.float32)

# %% cell 34
from torch.utils.data import DataLoader, TensorDataset
 
    
train_ds = TensorDataset(x_train, y_train)
batch_size = 2
torch.manual_seed(1)
train_dl = DataLoader(train_ds, batch_size, shuffle=True)


# %% cell 35
model = nn.Sequential(
    nn.Linear(2, 1),
    nn.Sigmoid()
)

model


# %% cell 36
loss_fn = nn.BCELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)

# %% cell 37
torch.manual_seed(1)
num_epochs = 10  # (changed: 200 in the book)
def train(model, num_epochs, train_dl, x_valid, y_valid):
    loss_hist_train = [0] * num_epochs
    accuracy_hist_train = [0] * num_epochs
    loss_hist_valid = [0] * num_epochs
    accuracy_hist_valid = [0] * num_epochs
    for epoch in range(num_epochs):
        for x_batch, y_batch in train_dl:
            pred = model(x_batch)[:, 0]
            loss = loss_fn(pred, y_batch)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            loss_hist_train[epoch] += loss.item()
            is_correct = ((pred>=0.5).float() == y_batch).float()
            accuracy_hist_train[epoch] += is_correct.mean()

        loss_hist_train[epoch] /= n_train/batch_size
        accuracy_hist_train[epoch] /= n_train/batch_size

        pred = model(x_valid)[:, 0]
        loss = loss_fn(pred, y_valid)
        loss_hist_valid[epoch] = loss.item()
        is_correct = ((pred>=0.5).float() == y_valid).float()
        accuracy_hist_valid[epoch] += is_correct.mean()
    return loss_hist_train, loss_hist_valid, accuracy_hist_train, accuracy_hist_valid

history = train(model, num_epochs, train_dl, x_valid, y_valid)
(loss_train_1, loss_valid_1, accuracy_train_1, accuracy_valid_1) = history  # (added: kept to be compared)

# %% cell 38
# (the plotting cell left out: no plotting)

# %% cell 39
model = nn.Sequential(
    nn.Linear(2, 4),
    nn.ReLU(),
    nn.Linear(4, 4),
    nn.ReLU(),
    nn.Linear(4, 1),
    nn.Sigmoid()
)
 
loss_fn = nn.BCELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.015)

model

# %% cell 40
history = train(model, num_epochs, train_dl, x_valid, y_valid)
(loss_train_2, loss_valid_2, accuracy_train_2, accuracy_valid_2) = history  # (added: kept to be compared)

# %% cell 41
# (the plotting cell left out: no plotting)

# %% cell 43
class MyModule(nn.Module):
    def __init__(self):
        super().__init__()
        l1 = nn.Linear(2, 4)
        a1 = nn.ReLU()
        l2 = nn.Linear(4, 4)
        a2 = nn.ReLU()
        l3 = nn.Linear(4, 1)
        a3 = nn.Sigmoid()
        l = [l1, a1, l2, a2, l3, a3]
        self.module_list = nn.ModuleList(l)

    def forward(self, x):
        for f in self.module_list:
            x = f(x)
        return x
    
    def predict(self, x):
        x = torch.tensor(x, dtype=torch.float32)
        pred = self.forward(x)[:, 0]
        return (pred>=0.5).float()
            
model = MyModule()
model


# %% cell 44
loss_fn = nn.BCELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.015)
    
# torch.manual_seed(1)
history = train(model, num_epochs, train_dl, x_valid, y_valid)
(loss_train_3, loss_valid_3, accuracy_train_3, accuracy_valid_3) = history  # (added: kept to be compared)

# %% cell 46
# from mlxtend.plotting import plot_decision_regions  (left out: no plotting; mlxtend calls the model's
# predict, as here)
predicted_module = model.predict(x_valid.numpy())

# %% cell 48
class NoisyLinear(nn.Module):
    def __init__(self, input_size, output_size, noise_stddev=0.1):
        super().__init__()
        w = torch.Tensor(input_size, output_size)
        self.w = nn.Parameter(w)  # nn.Parameter is a Tensor that's a module parameter.
        nn.init.xavier_uniform_(self.w)
        b = torch.Tensor(output_size).fill_(0)
        self.b = nn.Parameter(b)
        self.noise_stddev = noise_stddev

    def forward(self, x, training=False):
        if training:
            noise = torch.normal(0.0, self.noise_stddev, x.shape)
            x_new = torch.add(x, noise)
        else:
            x_new = x
        return torch.add(torch.mm(x_new, self.w), self.b)   

# %% cell 49
## testing:

torch.manual_seed(1)

noisy_layer = NoisyLinear(4, 2)
 
x = torch.zeros((1, 4))
print(noisy_layer(x, training=True))

print(noisy_layer(x, training=True))
 
print(noisy_layer(x, training=False))
 

# %% cell 50
class MyNoisyModule(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = NoisyLinear(2, 4, 0.07)
        self.a1 = nn.ReLU()
        self.l2 = nn.Linear(4, 4)
        self.a2 = nn.ReLU()
        self.l3 = nn.Linear(4, 1)
        self.a3 = nn.Sigmoid()
        
    def forward(self, x, training=False):
        x = self.l1(x, training)
        x = self.a1(x)
        x = self.l2(x)
        x = self.a2(x)
        x = self.l3(x)
        x = self.a3(x)
        return x
    
    def predict(self, x):
        x = torch.tensor(x, dtype=torch.float32)
        pred = self.forward(x)[:, 0]
        return (pred>=0.5).float()

torch.manual_seed(1)
model = MyNoisyModule()
model

# %% cell 51
loss_fn = nn.BCELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.015)
    
torch.manual_seed(1)

loss_hist_train = [0] * num_epochs
accuracy_hist_train = [0] * num_epochs
loss_hist_valid = [0] * num_epochs
accuracy_hist_valid = [0] * num_epochs
for epoch in range(num_epochs):
    for x_batch, y_batch in train_dl:
        pred = model(x_batch, True)[:, 0]
        loss = loss_fn(pred, y_batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        loss_hist_train[epoch] += loss.item()
        is_correct = ((pred>=0.5).float() == y_batch).float()
        accuracy_hist_train[epoch] += is_correct.mean()

    loss_hist_train[epoch] /= n_train/batch_size
    accuracy_hist_train[epoch] /= n_train/batch_size

    pred = model(x_valid)[:, 0]
    loss = loss_fn(pred, y_valid)
    loss_hist_valid[epoch] = loss.item()
    is_correct = ((pred>=0.5).float() == y_valid).float()
    accuracy_hist_valid[epoch] += is_correct.mean()

# %% cell 52
# (the plotting cell left out: no plotting; mlxtend calls the model's predict, as here)
predicted_noisy = model.predict(x_valid.numpy())
'''


def test_part1():
    run_notebook(PART1)


# pandas is not installed here: the few parts of a DataFrame the car-fuel cells use, over numpy columns (program
# text, pasted where the book imports pandas)
FRAME = '''class Column(np.ndarray):
    """A DataFrame column: a numpy array with pandas' ``.values``."""
    @property
    def values(self):
        return np.asarray(self)


class Frame:
    """A DataFrame's columns by name: ``df[name]`` a Column, ``df[list of names]`` a frame (its ``.values`` the
    (rows, columns) array, upcast as pandas does), ``df[name] = array`` sets a column."""
    def __init__(self, columns):
        self.columns = {name: np.asarray(values) for name, values in columns.items()}

    @staticmethod
    def read_auto_mpg(path, names):
        """pd.read_csv(path, names=names, na_values="?", comment="\\\\t", sep=" ", skipinitialspace=True): a
        column of whole numbers reads as int64, the others (and those with a "?") as float64."""
        rows = [line.split("\\t")[0].split() for line in open(path) if line.strip()]
        columns = {}
        for i, name in enumerate(names):
            texts = [row[i] for row in rows]
            whole = all("." not in text and text != "?" for text in texts)
            columns[name] = np.array([np.nan if text == "?" else float(text) for text in texts],
                                     dtype=np.int64 if whole else np.float64)
        return Frame(columns)

    def __len__(self):
        return len(next(iter(self.columns.values())))

    def __getitem__(self, key):
        if isinstance(key, list):
            return Frame({name: self.columns[name] for name in key})
        return self.columns[key].view(Column)

    def __setitem__(self, key, value):
        self.columns[key] = np.asarray(value)

    @property
    def values(self):
        return np.stack(list(self.columns.values()), axis=1)

    def take(self, rows):
        return Frame({name: values[rows] for name, values in self.columns.items()})

    def dropna(self):
        keep = ~np.any([np.isnan(v.astype(np.float64)) for v in self.columns.values()], axis=0)
        return self.take(np.flatnonzero(keep))

    def copy(self):
        return Frame({name: values.copy() for name, values in self.columns.items()})

    def describe(self):
        """pandas' describe().transpose(), its mean and std (ddof 1): ``stats.loc[name, "mean"]``."""
        stats = SimpleNamespace(loc={})
        for name, values in self.columns.items():
            stats.loc[name, "mean"], stats.loc[name, "std"] = values.mean(), values.std(ddof=1)
        return stats
'''

PART2 = r'''
# %% cell 8
import numpy as np
import torch
import torch.nn as nn
# import pandas as pd  (changed: pandas is not installed here; a stand-in of the DataFrame's columns)
from types import SimpleNamespace
<the Frame stand-in>

# from IPython.display import Image  (left out: no images)

# %% cell 12
url = 'auto-mpg.data'  # (changed: a generated file of the UCI file's format, in the working directory)
column_names = ['MPG', 'Cylinders', 'Displacement', 'Horsepower', 'Weight',
                'Acceleration', 'Model Year', 'Origin']

# (changed: pd.read_csv(url, names=column_names, na_values = "?", comment='\t', sep=" ", skipinitialspace=True),
# read by the stand-in)
df = Frame.read_auto_mpg(url, column_names)

# df.tail()  (left out: pandas' display)

# %% cell 13
# print(df.isna().sum())  (changed: pandas' display left out, its numbers printed)
print([int(np.isnan(df[name].astype(float)).sum()) for name in column_names])

df = df.dropna()
# df = df.reset_index(drop=True)  (left out: the stand-in's rows are numbered 0, 1, ... already)
# df.tail()

# %% cell 14
import sklearn
import sklearn.model_selection


# (changed: the split of the rows' numbers, the same split as of the DataFrame)
rows_train, rows_test = sklearn.model_selection.train_test_split(np.arange(len(df)), train_size=0.8, random_state=1)
df_train, df_test = df.take(rows_train), df.take(rows_test)
train_stats = df_train.describe()  # (.transpose() left out: the stand-in's stats are looked up as transposed)
# train_stats

# %% cell 15
numeric_column_names = ['Cylinders', 'Displacement', 'Horsepower', 'Weight', 'Acceleration']

df_train_norm, df_test_norm = df_train.copy(), df_test.copy()

# (pandas >= 2.0's branch)
for col_name in numeric_column_names:
    mean = train_stats.loc[col_name, 'mean']
    std = train_stats.loc[col_name, 'std']
    df_train_norm[col_name] = (df_train_norm[col_name] - mean) / std
    df_test_norm[col_name] = (df_test_norm[col_name] - mean) / std

# df_train_norm.tail()

# %% cell 16
boundaries = torch.tensor([73, 76, 79])
 
v = torch.tensor(df_train_norm['Model Year'].values)
df_train_norm['Model Year Bucketed'] = torch.bucketize(v, boundaries, right=True)

v = torch.tensor(df_test_norm['Model Year'].values)
df_test_norm['Model Year Bucketed'] = torch.bucketize(v, boundaries, right=True)

numeric_column_names.append('Model Year Bucketed')

# %% cell 17
from torch.nn.functional import one_hot


total_origin = len(set(df_train_norm['Origin']))

origin_encoded = one_hot(torch.from_numpy(df_train_norm['Origin'].values) % total_origin)
x_train_numeric = torch.tensor(df_train_norm[numeric_column_names].values)
x_train = torch.cat([x_train_numeric, origin_encoded], 1).float()
 
origin_encoded = one_hot(torch.from_numpy(df_test_norm['Origin'].values) % total_origin)
x_test_numeric = torch.tensor(df_test_norm[numeric_column_names].values)
x_test = torch.cat([x_test_numeric, origin_encoded], 1).float()


# %% cell 18
y_train = torch.tensor(df_train_norm['MPG'].values).float()
y_test = torch.tensor(df_test_norm['MPG'].values).float()

# %% cell 19
from torch.utils.data import DataLoader, TensorDataset


train_ds = TensorDataset(x_train, y_train)
batch_size = 8
torch.manual_seed(1)
train_dl = DataLoader(train_ds, batch_size, shuffle=True)

# %% cell 20
hidden_units = [8, 4]
input_size = x_train.shape[1]

all_layers = []
for hidden_unit in hidden_units:
    layer = nn.Linear(input_size, hidden_unit)
    all_layers.append(layer)
    all_layers.append(nn.ReLU())
    input_size = hidden_unit

all_layers.append(nn.Linear(hidden_units[-1], 1))

model = nn.Sequential(*all_layers)

model

# %% cell 21
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)

# %% cell 22
torch.manual_seed(1)
num_epochs = 40  # (changed: 200 in the book)
log_epochs = 20 
for epoch in range(num_epochs):
    loss_hist_train = 0
    for x_batch, y_batch in train_dl:
        pred = model(x_batch)[:, 0]
        loss = loss_fn(pred, y_batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        loss_hist_train += loss.item()
    if epoch % log_epochs==0:
        print(f'Epoch {epoch}  Loss {loss_hist_train/len(train_dl):.4f}')
 

# %% cell 23
with torch.no_grad():
    pred = model(x_test.float())[:, 0]
    loss = loss_fn(pred, y_test)
    print(f'Test MSE: {loss.item():.4f}')
    print(f'Test MAE: {nn.L1Loss()(pred, y_test).item():.4f}')
fuel_model = model  # (added: kept to be compared, the next cells reuse the name)

# %% cell 25
# import torchvision  (changed: torchvision is not installed here; the stand-in, mlbook.py)
# from torchvision import transforms
<the torchvision stand-in>
transforms = torchvision.transforms


image_path = './'
transform = transforms.Compose([transforms.ToTensor()])

mnist_train_dataset = torchvision.datasets.MNIST(root=image_path, 
                                           train=True, 
                                           transform=transform, 
                                           download=True)
mnist_test_dataset = torchvision.datasets.MNIST(root=image_path, 
                                           train=False, 
                                           transform=transform, 
                                           download=False)
 
batch_size = 64
torch.manual_seed(1)
train_dl = DataLoader(mnist_train_dataset, batch_size, shuffle=True)

# %% cell 26
hidden_units = [32, 16]
image_size = mnist_train_dataset[0][0].shape
input_size = image_size[0] * image_size[1] * image_size[2]

all_layers = [nn.Flatten()]
for hidden_unit in hidden_units:
    layer = nn.Linear(input_size, hidden_unit)
    all_layers.append(layer)
    all_layers.append(nn.ReLU())
    input_size = hidden_unit

all_layers.append(nn.Linear(hidden_units[-1], 10))
model = nn.Sequential(*all_layers)

model

# %% cell 27
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)

torch.manual_seed(1)
num_epochs = 5  # (changed: 20 in the book)
for epoch in range(num_epochs):
    accuracy_hist_train = 0
    for x_batch, y_batch in train_dl:
        pred = model(x_batch)
        loss = loss_fn(pred, y_batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        is_correct = (torch.argmax(pred, dim=1) == y_batch).float()
        accuracy_hist_train += is_correct.sum()
    accuracy_hist_train /= len(train_dl.dataset)
    print(f'Epoch {epoch}  Accuracy {accuracy_hist_train:.4f}')

# %% cell 28
pred = model(mnist_test_dataset.data / 255.)
is_correct = (torch.argmax(pred, dim=1) == mnist_test_dataset.targets).float()
print(f'Test accuracy: {is_correct.mean():.4f}') 
'''


def _auto_mpg(path):
    """The UCI Auto MPG file's format (398 cars: MPG, cylinders, displacement, horsepower with six '?', weight,
    acceleration, model year 70-82, origin 1-3, a tab and the car's name), generated numbers that MPG depends on."""
    rng = np.random.default_rng(0)
    lines = []
    for i in range(398):
        cylinders = int(rng.choice([4, 6, 8]))
        displacement = cylinders * rng.uniform(20, 50)
        horsepower = "?" if i % 66 == 5 else f"{displacement * 0.45 + rng.normal(0, 10):.1f}"
        weight = 1500 + displacement * 8 + rng.normal(0, 200)
        year, origin = int(rng.integers(70, 83)), int(rng.integers(1, 4))
        mpg = max(9.0, 45 - weight / 150 + (year - 70) * 0.5 + rng.normal(0, 2))
        lines.append(f"{mpg:.1f}   {cylinders}   {displacement:.1f}      {horsepower}      {weight:.1f}      "
                     f"{rng.uniform(8, 25):.1f}   {year}  {origin}\t\"car {i}\"")
    path.write_text("\n".join(lines) + "\n")


def test_part2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _auto_mpg(tmp_path / "auto-mpg.data")
    run_notebook(PART2.replace("<the Frame stand-in>\n", FRAME).replace("<the torchvision stand-in>\n", TORCHVISION))
