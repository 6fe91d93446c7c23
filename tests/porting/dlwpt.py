"""Helpers for the test_dlwpt_*.py programs. Stand-ins for the data that "Deep Learning with PyTorch"'s notebooks (github.com/deep-learning-with-pytorch/
dlwpt-code) download or read from files, for the test_dlwpt_*.py programs: the same shapes, dtypes and types,
small and deterministic, built without drawing from torch's generator (so both runs' random draws stay the
program's own). Each is program text that runs with the run's ``torch`` (as notebook.FASHION_MNIST).

CIFAR10 replaces ``from torchvision import datasets, transforms`` (torchvision is not installed here).
Rules for notebook.run_notebook's ``normalise``, for what the two runs print differently by design, each with its
reason."""

ADDRESS = (r" at 0x[0-9a-fA-F]+>", " at <address>>")  # an object's repr (a generator, a PIL image) shows its address

# a cell that ends in ``torch.manual_seed(123)`` shows the generator it returns, torch.default_generator: PyTorch's
# repr is ``<torch._C.Generator object at 0x...>``, ours ``<autograd.default_generator>``
GENERATOR = (r"<torch\._C\.Generator object at <address>>|<autograd\.default_generator>", "<the default generator>")

# ``print(loss)`` after nn.NLLLoss shows PyTorch's one NllLossBackward0 node; seegrad's nll_loss is made of
# primitives (an index, a negation, a sum, a division by N: DivBackward0 for the mean) and its cross_entropy one
# fused CrossEntropyBackward0 node (tests/test_node_names.py, COMPOSITE and FUSED_CROSS_ENTROPY)
LOSS_NODES = (r"grad_fn=<(?:NllLossBackward0|DivBackward0|CrossEntropyBackward0)>", "grad_fn=<the loss's node>")

NOW = (r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+", "<now>")  # a training log's datetime.datetime.now()

# ``points.storage()`` ends with its class: PyTorch's torch.storage.TypedStorage, seegrad's autograd.TypedStorage
STORAGE_CLASS = (r"^\[(?:torch\.storage|autograd)\.TypedStorage\(", "[TypedStorage(")

# ``type(img_t)``: PyTorch's class is torch.Tensor, seegrad's autograd.tensor.Tensor (that ``torch`` is ``autograd``
# in the seegrad run is the harness's doing)
TENSOR_CLASS = (r"<class '(?:torch|autograd\.tensor)\.Tensor'>", "<class Tensor>")

# ``type(cifar10).__mro__``: PyTorch's Dataset is torch.utils.data.dataset.Dataset, generic in its item type
# (typing.Generic follows it in the MRO); seegrad's is seegrad.data.dataset.Dataset, a plain class
DATASET_CLASS = (r"<class '(?:torch\.utils\.data|seegrad\.data)\.dataset\.Dataset'>(?:, <class 'typing\.Generic'>)?",
                 "<class Dataset>")

CIFAR10 = '''from types import SimpleNamespace
import numpy as np
from PIL import Image
from torch.utils.data import Dataset


class CIFAR10(Dataset):
    """torchvision's CIFAR10: its shapes and types (.data uint8 (N, 32, 32, 3), .targets a list of ints, items
    PIL RGB images, transform and target_transform applied as torchvision applies them), 250 training and 100 test
    images instead of 50000 and 10000: noise around a brightness that depends on the class (so there is
    something to learn), from numpy's generator."""
    classes = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        rng = np.random.default_rng(0 if train else 1)
        n = 250 if train else 100
        self.targets = rng.integers(0, 10, size=n).tolist()
        level = 60 + 12 * np.array(self.targets, dtype=np.float64)[:, None, None, None]
        self.data = np.clip(rng.normal(level, 50, size=(n, 32, 32, 3)), 0, 255).astype(np.uint8)
        self.root, self.train, self.transform, self.target_transform = root, train, transform, target_transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        img, target = Image.fromarray(self.data[index]), self.targets[index]
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target


class ToTensor:
    """torchvision's ToTensor for an RGB PIL image: (3, H, W) floats in [0, 1], as torchvision computes them."""
    def __call__(self, pic):
        img = torch.from_numpy(np.array(pic, copy=True))
        img = img.view(pic.size[1], pic.size[0], len(pic.getbands()))
        img = img.permute((2, 0, 1)).contiguous()
        return img.to(dtype=torch.get_default_dtype()).div(255)

    def __repr__(self):
        return "ToTensor()"


class Normalize:
    """torchvision's Normalize: (image - mean) / std per channel, on a copy."""
    def __init__(self, mean, std):
        self.mean, self.std = mean, std

    def __call__(self, tensor):
        mean = torch.as_tensor(self.mean, dtype=tensor.dtype).view(-1, 1, 1)
        std = torch.as_tensor(self.std, dtype=tensor.dtype).view(-1, 1, 1)
        return tensor.clone().sub_(mean).div_(std)

    def __repr__(self):
        return f"{self.__class__.__name__}(mean={self.mean}, std={self.std})"


class Compose:
    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img


datasets = SimpleNamespace(CIFAR10=CIFAR10)
transforms = SimpleNamespace(ToTensor=ToTensor, Normalize=Normalize, Compose=Compose)
'''


def with_cifar10(cells):
    """The cells with each ``from torchvision import ...`` line replaced by the CIFAR10 stand-in (marked)."""
    import re

    return re.sub(r"^from torchvision import [\w, ]+$",
                  lambda m: f"# {m[0]}  (changed: torchvision is not installed here; dlwpt.CIFAR10's stand-in)\n"
                            + CIFAR10, cells, flags=re.M)
