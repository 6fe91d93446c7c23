"""Datasets in PyTorch's style: anything with ``__len__`` and ``__getitem__``.

    ds = TensorDataset(X, y)      # X: (N, ...), y: (N,)
    x0, y0 = ds[0]                # one sample, a tuple of tensors
    train, val = random_split(ds, [0.8, 0.2], generator=np.random.default_rng(0))
"""
import numbers

import numpy as np

import autograd as ag

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split"]


class Dataset:
    """Base class: subclasses define ``__getitem__(index)`` and ``__len__()``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index)")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__()")

    def __add__(self, other):
        return ConcatDataset([self, other])


def _as_tensor(x, i):
    """Tensors pass through; numpy arrays and lists become tensors without copying when possible."""
    if isinstance(x, ag.Tensor):
        return x
    if isinstance(x, (np.ndarray, list, tuple)):
        return ag.as_tensor(np.asarray(x))
    raise TypeError(f"TensorDataset: argument {i} is a {type(x).__name__}; pass tensors or numpy arrays")


class TensorDataset(Dataset):
    """Samples are rows of the given tensors: ``ds[i] == (t0[i], t1[i], ...)``.

    All tensors must have the same first dimension. numpy arrays are accepted
    and wrapped as tensors (keeping their dtype). The DataLoader batches a
    TensorDataset by indexing each tensor with an index array at once.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        self.tensors = tuple(_as_tensor(t, i) for i, t in enumerate(tensors))
        sizes = [t.shape[0] if t.ndim else None for t in self.tensors]
        if None in sizes or len(set(sizes)) != 1:
            shapes = ", ".join(str(tuple(t.shape)) for t in self.tensors)
            raise ValueError(f"TensorDataset: all tensors need the same first dimension (samples); got shapes {shapes}")

    def __getitem__(self, index):
        return tuple(ag.from_numpy(np.asarray(t.detach().numpy()[index])) for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = [int(i) for i in indices]

    def __getitem__(self, index):
        if isinstance(index, (list, np.ndarray)):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several datasets one after the other."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            if -index > len(self):
                raise IndexError(f"index {index} is out of range for a dataset of {len(self)} samples")
            index += len(self)
        which = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        if which >= len(self.datasets):
            raise IndexError(f"index {index} is out of range for a dataset of {len(self)} samples")
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random Subsets of the given lengths (or fractions summing to 1)."""
    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(isinstance(x, numbers.Real) and 0 <= x <= 1 for x in lengths) and not all(
            isinstance(x, numbers.Integral) for x in lengths):
        if not np.isclose(sum(lengths), 1.0):
            raise ValueError(f"random_split: fractions must sum to 1, got {lengths} (sum {sum(lengths)})")
        counts = [int(np.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):  # PyTorch hands the remainder out round-robin
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n:
        raise ValueError(f"random_split: lengths {lengths} sum to {sum(lengths)}, but the dataset has {n} samples")
    rng = _generator(generator)
    order = rng.permutation(n)
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, order[start:start + length]))
        start += length
    return out


def _generator(generator):
    """A generator from None (the global one behind ag.manual_seed), an int seed, an ag.Generator
    (torch.Generator) or a numpy Generator."""
    if generator is None:
        return ag.get_rng()
    if isinstance(generator, (np.random.Generator, ag.Generator)):
        return generator
    if isinstance(generator, numbers.Integral):
        return np.random.default_rng(int(generator))
    raise TypeError(f"generator must be None, an int seed, an ag.Generator or a numpy.random.Generator, got "
                    f"{type(generator).__name__}")
