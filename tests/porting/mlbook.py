"""Stand-ins the test_mlbook_* programs share (rasbt/machine-learning-book, MIT, (c) Sebastian Raschka): torchvision
is not installed here and the datasets cannot be downloaded, so ``TORCHVISION`` is program text that defines a
``torchvision`` namespace with the few parts the book uses, each of the same types and rule as torchvision's.
It is pasted into the program where the book imports torchvision, and runs under each library's torch.

- ``transforms.ToTensor``: a uint8 PIL image (H, W[, C]) -> float (C, H, W) in [0, 1], as torchvision's.
- ``transforms.Resize``: F.interpolate of a (C, H, W) tensor, bilinear with antialias=True, as torchvision's
  Resize calls it on a tensor.
- ``transforms.Compose``: applies the transforms in order.
- ``transforms.RandomCrop``, ``RandomHorizontalFlip``, ``CenterCrop`` and ``transforms.functional``'s crop, hflip,
  center_crop, resize, adjust_brightness and adjust_contrast: torchvision's rules for a (C, H, W) float tensor,
  as tensor ops, drawing as torchvision draws (``torch.randint(0, h - th + 1, size=(1,))`` for a crop's top, then
  its left; ``torch.rand(1) < p`` for a flip), so that both runs draw alike.
- ``transforms.Normalize``: (img - mean) / std per channel, as torchvision's.
- ``io.read_image``: a PNG file as a uint8 (C, H, W) tensor, as torchvision's.
- ``datasets.MNIST``: MNIST's types (``.data`` a uint8 (N, 28, 28) tensor, ``.targets`` int64, an item a mode-L
  PIL image and an int), its images scikit-learn's 8x8 digits (offline) scaled up 3x and padded to 28x28: 600
  training and 200 test images instead of 60000 and 10000, so that the models learn something.
- ``datasets.CelebA``: CelebA's types (an RGB PIL image of 178x218 and the 40 binary attributes, int64, or what
  target_transform makes of them), random images: 20 in each split unless the test sets ``CelebA.sizes``.
"""

TORCHVISION = '''from types import SimpleNamespace
import numpy as np
from PIL import Image as _Image


class ToTensor:
    """torchvision's ToTensor for a uint8 image (PIL, H x W x C): (C, H, W) floats in [0, 1]."""
    def __call__(self, pic):
        array = np.array(pic)
        array = array[:, :, None] if array.ndim == 2 else array
        return torch.from_numpy(array.transpose(2, 0, 1).copy()).to(torch.get_default_dtype()).div(255)


def crop(img, top, left, height, width):
    return img[..., top:top + height, left:left + width]


def hflip(img):
    return img.flip(-1)


def center_crop(img, output_size):
    height, width = (int(size) for size in output_size)  # (the book passes 0.7 * 218: whole pixels here)
    top, left = int(round((img.shape[-2] - height) / 2.0)), int(round((img.shape[-1] - width) / 2.0))
    return crop(img, top, left, height, width)


def resize(img, size):
    return torch.nn.functional.interpolate(img[None], size=list(size), mode="bilinear", align_corners=False,
                                           antialias=True)[0]


def adjust_brightness(img, brightness_factor):
    return (img * brightness_factor).clamp(0, 1)


def adjust_contrast(img, contrast_factor):
    """torchvision's: blend with the mean of the image's greyscale (0.2989 r + 0.587 g + 0.114 b)."""
    grey = (0.2989 * img[0] + 0.587 * img[1] + 0.114 * img[2]).mean()
    return (contrast_factor * img + (1 - contrast_factor) * grey).clamp(0, 1)


class Resize:
    def __init__(self, size):
        self.size = size

    def __call__(self, img):
        return resize(img, self.size)


class RandomCrop:
    def __init__(self, size):
        self.size = size

    def __call__(self, img):
        (h, w), (th, tw) = img.shape[-2:], self.size
        top = torch.randint(0, h - th + 1, size=(1,)).item()
        left = torch.randint(0, w - tw + 1, size=(1,)).item()
        return crop(img, top, left, th, tw)


class RandomHorizontalFlip:
    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, img):
        return hflip(img) if torch.rand(1) < self.p else img


class CenterCrop:
    def __init__(self, size):
        self.size = size

    def __call__(self, img):
        return center_crop(img, self.size)


class Normalize:
    """torchvision's Normalize of a (C, H, W) tensor: (img - mean) / std, per channel."""
    def __init__(self, mean, std):
        self.mean, self.std = mean, std

    def __call__(self, img):
        mean = torch.tensor(self.mean, dtype=img.dtype).view(-1, 1, 1)
        return (img - mean) / torch.tensor(self.std, dtype=img.dtype).view(-1, 1, 1)


class Compose:
    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img


def read_image(path):
    return torch.from_numpy(np.array(_Image.open(path)).transpose(2, 0, 1).copy())


class CelebA(torch.utils.data.Dataset):
    """CelebA's types: an RGB PIL image of 178x218 and the 40 binary attributes as an int64 tensor; random ones,
    CelebA.sizes[split] of them."""
    sizes = {"train": 20, "valid": 20, "test": 20}

    def __init__(self, root, split="train", target_type="attr", download=False, transform=None,
                 target_transform=None):
        rng = np.random.default_rng({"train": 2, "valid": 3, "test": 4}[split])
        n = self.sizes[split]
        self.images = rng.integers(0, 256, size=(n, 218, 178, 3), dtype=np.uint8)
        self.attr = torch.from_numpy(rng.integers(0, 2, size=(n, 40)))
        self.transform, self.target_transform = transform, target_transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        image, attr = _Image.fromarray(self.images[index]), self.attr[index]
        return (image if self.transform is None else self.transform(image)), \
            (attr if self.target_transform is None else self.target_transform(attr))


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


functional = SimpleNamespace(crop=crop, hflip=hflip, center_crop=center_crop, resize=resize,
                             adjust_brightness=adjust_brightness, adjust_contrast=adjust_contrast)
torchvision = SimpleNamespace(
    datasets=SimpleNamespace(CelebA=CelebA, MNIST=MNIST), io=SimpleNamespace(read_image=read_image),
    transforms=SimpleNamespace(ToTensor=ToTensor, Resize=Resize, Compose=Compose, RandomCrop=RandomCrop,
                               RandomHorizontalFlip=RandomHorizontalFlip, CenterCrop=CenterCrop, Normalize=Normalize,
                               functional=functional))
'''
