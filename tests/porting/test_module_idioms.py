"""Idioms of the layers above the engine (Module's API, nn.utils, layer options) that once gave a
silent wrong answer here, each written as a PyTorch user writes it: a layer that overrides train()
(a BatchNorm kept frozen while fine-tuning), a module registered under two names in state_dict,
Dropout, Hardsigmoid, Hardswish and CELU with inplace=True, a penalty on parameters_to_vector, a
module that saves extra state (get_extra_state), a layer replaced in place (``seq[0] = ...``, the
first conv swapped for a grayscale one) that keeps its place in forward order and state_dict, loss
class weights that are buffers (in state_dict, converted by .double()). Each runs with PyTorch and
with this project under torch's names (harness.py): every value left and every number printed
agree."""
import pytest

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

FROZEN_BATCHNORM = '''
import torch
from torch import nn


class FrozenBatchNorm1d(nn.BatchNorm1d):
    """Fine-tuning with small batches: the pretrained statistics stay, whatever model.train() says."""

    def train(self, mode=True):
        return super().train(False)


torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), FrozenBatchNorm1d(4), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4, 2))
model.train()
bn_training = model[1].training          # False: its own train() decided
dropout_training = model[3].training     # True
x = torch.randn(8, 3)
out = model(x)                           # the running statistics are used, and left alone
running_mean = model[1].running_mean
model.eval()
model.train()
still_frozen = model[1].training
print(bn_training, dropout_training, still_frozen)
'''

SHARED_MODULE_STATE_DICT = '''
import torch
from torch import nn


class Siamese(nn.Module):
    """One encoder reached under two names (a common way to share a tower)."""

    def __init__(self):
        super().__init__()
        self.left = nn.Linear(4, 3)
        self.right = self.left
        self.head = nn.Linear(3, 1)

    def forward(self, a, b):
        return self.head(self.left(a) - self.right(b))


torch.manual_seed(0)
net = Siamese()
keys = " ".join(net.state_dict().keys())     # left.* and right.* both, as PyTorch saves them
print(keys)
every_module = " ".join(name for name, _ in net.named_modules(remove_duplicate=False))
once = " ".join(name for name, _ in net.named_modules())
parameters = len(list(net.parameters()))     # the shared ones once
print(every_module, "|", once, parameters)
restored = Siamese()
result = restored.load_state_dict(net.state_dict())
a, b = torch.randn(2, 4), torch.randn(2, 4)
same = bool(torch.equal(restored(a, b), net(a, b)))
partial = restored.load_state_dict({"head.weight": torch.zeros(1, 3)}, strict=False)
missing = " ".join(partial.missing_keys)
print(missing)
matched, reported = str(result), str(partial)   # "<All keys matched successfully>", "_IncompatibleKeys(...)"
'''

INPLACE_LAYERS = '''
import torch
from torch import nn

torch.manual_seed(0)
drop = nn.Dropout(p=0.25, inplace=True)
x = torch.randn(4, 5)
y = drop(x)
same_tensor = y is x       # the input itself was changed
x_after = x
zeros = int((x == 0).sum())
print(same_tensor, zeros)
h = torch.randn(3, 4) * 4
h_sigmoid = nn.Hardsigmoid(inplace=True)(h)
sigmoid_same = h_sigmoid is h
h_after = h
s = torch.randn(3, 4) * 4
s_swish = nn.Hardswish(inplace=True)(s)
swish_same = s_swish is s
s_after = s
c = torch.randn(3, 4) * 4
c_celu = nn.CELU(alpha=0.5, inplace=True)(c)
celu_same = c_celu is c
c_after = c
print(sigmoid_same, swish_same, celu_same)
'''

PARAMETER_VECTOR_PENALTY = '''
import torch
from torch import nn
from torch.nn.utils import parameters_to_vector, vector_to_parameters

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
x, y = torch.randn(8, 3), torch.randn(8, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
losses = []
for _ in range(3):
    optimizer.zero_grad()
    vec = parameters_to_vector(model.parameters())
    loss = nn.functional.mse_loss(model(x), y) + 0.05 * vec.pow(2).sum()   # an L2 penalty on every weight
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
grads = [p.grad for p in model.parameters()]
needs_grad = vec.requires_grad
with torch.no_grad():
    vector_to_parameters(parameters_to_vector(model.parameters()) * 0.5, model.parameters())
halved = model[0].weight
'''

EXTRA_STATE = '''
import io
import torch
from torch import nn


class Normalizer(nn.Module):
    """Keeps a count and a config that are not tensors: saved through get_extra_state."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
        self.seen = 0
        self.config = {"clip": 1.5, "name": "norm"}

    def forward(self, x):
        self.seen += x.shape[0]
        return self.fc(x).clamp(-self.config["clip"], self.config["clip"])

    def get_extra_state(self):
        return {"seen": self.seen, "config": self.config}

    def set_extra_state(self, state):
        self.seen, self.config = state["seen"], state["config"]


torch.manual_seed(0)
model = nn.Sequential(Normalizer(), nn.ReLU())
model(torch.randn(5, 2))
model[0].config = {"clip": 0.5, "name": "tight"}
keys = " ".join(model.state_dict().keys())
print(keys)
buffer = io.BytesIO()
torch.save(model.state_dict(), buffer)
buffer.seek(0)
restored = nn.Sequential(Normalizer(), nn.ReLU())
result = restored.load_state_dict(torch.load(buffer))
seen, clip, name = restored[0].seen, restored[0].config["clip"], restored[0].config["name"]
partial = nn.Sequential(Normalizer(), nn.ReLU()).load_state_dict({"0.fc.weight": torch.zeros(2, 2)}, strict=False)
missing = " ".join(partial.missing_keys)
print(seen, clip, name, missing)
'''

REPLACED_LAYERS_KEEP_THEIR_PLACE = '''
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4, 2)
        self.scale = nn.Parameter(torch.ones(2))
        self.shift = nn.Parameter(torch.zeros(2))
        self.register_buffer("low", torch.ones(1))
        self.register_buffer("high", torch.ones(1))


torch.manual_seed(0)
net = Net()
net.conv1 = nn.Conv2d(1, 4, 3)                 # grayscale input: the first layer replaced
net.scale = nn.Parameter(torch.full((2,), 3.0))
net.low = torch.zeros(1)
net.register_buffer("high", torch.full((1,), 5.0), persistent=False)
keys = " ".join(net.state_dict().keys())       # conv1 still first
names = " ".join(name for name, _ in net.named_parameters())
first = list(net.parameters())[0]
children = " ".join(name for name, _ in net.named_children())
print(keys, "|", names, "|", children)

# a Sequential whose first layer is swapped: forward still runs it first
layers = nn.Sequential(nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 3), nn.ReLU())
layers[0] = nn.Linear(3, 3, bias=False)
blocks = nn.ModuleList([nn.Linear(3, 3) for _ in range(3)])
blocks[0] = nn.Linear(3, 3)
x = torch.randn(4, 3)
out = layers(x)
h = x
for block in blocks:
    h = torch.tanh(block(h))
order = " ".join(layers.state_dict().keys()) + " | " + " ".join(blocks.state_dict().keys())
print(order)

# the other edits of a container: each leaves the names positions, in order
edited = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.Tanh())
tail = edited.pop(-1)
middle = edited.pop(1)
edited.insert(1, nn.Sigmoid())
edited += nn.Sequential(nn.Linear(3, 4))
joined = edited + nn.Sequential(nn.ReLU(), nn.Linear(4, 1))
del joined[0]
joined_keys = " ".join(joined.state_dict().keys())
listed = nn.ModuleList([nn.Linear(1, 1), nn.ReLU(), nn.Linear(1, 2)])
popped = listed.pop(1)
listed.insert(0, nn.Linear(2, 1))
listed_keys = " ".join(listed.state_dict().keys())
print(joined_keys, "|", listed_keys, type(tail).__name__, type(middle).__name__, type(popped).__name__)
edited_out = joined(torch.randn(2, 3))
'''


LOSS_WEIGHTS_ARE_BUFFERS = '''
import torch
from torch import nn


class Classifier(nn.Module):
    """Keeps its loss, with class weights for an imbalanced dataset, as a sub-module."""

    def __init__(self, class_weights, pos_weight):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.criterion = nn.CrossEntropyLoss(weight=class_weights, label_smoothing=0.1)
        self.aux = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
        self.nll = nn.NLLLoss(weight=class_weights)
        self.plain = nn.BCELoss()

    def forward(self, x, y):
        logits = self.fc(x)
        return self.criterion(logits, y) + self.aux(logits[:, 0], (y == 0).float()) + \\
            self.nll(logits.log_softmax(1), y)


torch.manual_seed(0)
model = Classifier(torch.tensor([1.0, 2.0, 0.5, 4.0]), torch.tensor(3.0))
keys = " ".join(model.state_dict().keys())   # criterion.weight, aux.pos_weight, nll.weight: buffers
buffers = " ".join(name for name, _ in model.named_buffers())
print(keys, "|", buffers)
x, y = torch.randn(6, 3), torch.tensor([0, 1, 2, 3, 0, 1])
loss = model(x, y)
model.double()                               # the weights follow the model's dtype
weight_dtype = str(model.criterion.weight.dtype).replace("torch.", "")
loss64 = model(x.double(), y)
restored = Classifier(torch.ones(4), torch.tensor(1.0)).double()
restored.load_state_dict(model.state_dict())
restored_weight = restored.criterion.weight
'''


@pytest.mark.parametrize("source", [FROZEN_BATCHNORM, SHARED_MODULE_STATE_DICT, INPLACE_LAYERS,
                                    PARAMETER_VECTOR_PENALTY, EXTRA_STATE, REPLACED_LAYERS_KEEP_THEIR_PLACE,
                                    LOSS_WEIGHTS_ARE_BUFFERS],
                         ids=["frozen_batchnorm", "shared_module_state_dict", "inplace_layers",
                              "parameter_vector_penalty", "extra_state", "replaced_layers_keep_their_place",
                              "loss_weights_are_buffers"])
def test_same_as_pytorch(source):
    torch_run, our_run = run_both(source)
    assert_same(torch_run, our_run)
