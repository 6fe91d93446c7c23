"""Stand-ins the test_mlbook_* programs share (rasbt/machine-learning-book, MIT, (c) Sebastian Raschka): torchvision
is not installed here and the datasets cannot be downloaded, so ``TORCHVISION`` is program text that defines a
``torchvision`` namespace with the few parts the book uses, each of the same types and rule as torchvision's.
It is pasted into the program where the book imports torchvision, and runs under each library's torch.

- ``transforms.ToTensor``: a uint8 PIL image (H, W[, C]) -> float (C, H, W) in [0, 1], as torchvision's.
- ``transforms.Resize``: bilinear F.interpolate of a (C, H, W) tensor; torchvision's also antialiases, which
  changes nothing on an upscaling (the only use here).
- ``transforms.Compose``: applies the transforms in order.
- ``datasets.MNIST``: MNIST's types (``.data`` a uint8 (N, 28, 28) tensor, ``.targets`` int64, an item a mode-L
  PIL image and an int), its images scikit-learn's 8x8 digits (offline) scaled up 3x and padded to 28x28: 600
  training and 200 test images instead of 60000 and 10000, so that the models learn something.
- ``datasets.CelebA``: CelebA's types (an RGB PIL image of 178x218 and the 40 binary attributes, int64), 20
  random images (only looked at, never trained on).
"""

TORCHVISION = '''from types import SimpleNamespace
import numpy as np
from PIL import Image as _Image


class ToTensor:
    """torchvision's ToTensor for a uint8 image (PIL, H x W x C): (C, H, W) floats in [0, 1]."""
    def __call__(self, pic):
        array = np.array(pic)
        array = array[:, :, None] if array.ndim == 2 else array
        return torch.from_numpy(array.transpose(2, 0, 1).copy()).float().div(255)


class Resize:
    """torchvision's Resize of a (C, H, W) tensor to ``size``, bilinear; on an upscaling (as here) its antialias
    changes nothing, so this is F.interpolate's bilinear."""
    def __init__(self, size):
        self.size = size

    def __call__(self, img):
        return torch.nn.functional.interpolate(img[None], size=self.size, mode="bilinear", align_corners=False)[0]


class Compose:
    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img


class CelebA(torch.utils.data.Dataset):
    """CelebA's types: an RGB PIL image of 178x218 and the 40 binary attributes as an int64 tensor; 20 random ones."""
    def __init__(self, root, split="train", target_type="attr", download=False, transform=None):
        rng = np.random.default_rng(2)
        self.images = rng.integers(0, 256, size=(20, 218, 178, 3), dtype=np.uint8)
        self.attr = torch.from_numpy(rng.integers(0, 2, size=(20, 40)))
        self.transform = transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        image = _Image.fromarray(self.images[index])
        return (image if self.transform is None else self.transform(image)), self.attr[index]


class MNIST(torch.utils.data.Dataset):
    """MNIST's types: .data uint8 (N, 28, 28), .targets int64 (N,), an item a mode-L PIL image and an int; the
    images are scikit-learn's 8x8 digits scaled up 3x and padded to 28x28, 600 for training and 200 for testing."""
    def __init__(self, root, train=True, download=False, transform=None):
        from sklearn.datasets import load_digits

        digits = load_digits()
        part = slice(0, 600) if train else slice(600, 800)
        images = np.kron(digits.images[part] * (255 / 16), np.ones((3, 3))).round().astype(np.uint8)  # (N, 24, 24)
        self.data = torch.from_numpy(np.pad(images, ((0, 0), (2, 2), (2, 2))))
        self.targets = torch.from_numpy(digits.target[part].astype(np.int64))
        self.transform = transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        image = _Image.fromarray(self.data[index].numpy())  # (mode L: 2-d uint8)
        return (image if self.transform is None else self.transform(image)), int(self.targets[index])


torchvision = SimpleNamespace(datasets=SimpleNamespace(CelebA=CelebA, MNIST=MNIST),
                              transforms=SimpleNamespace(ToTensor=ToTensor, Resize=Resize, Compose=Compose))
'''
