"""Data utilities: Dataset, TensorDataset, DataLoader (PyTorch style) and small offline datasets.

    from seegrad.data import DataLoader, TensorDataset, load_digits
    X_train, y_train, X_test, y_test = load_digits()
    loader = DataLoader(TensorDataset(X_train, y_train), batch_size=64, shuffle=True)
"""
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .datasets import (
    DATASETS, Split, cache_dir, load_dataset, load_digits, load_mnist, load_mnist1d, make_moons, make_sine,
    make_spirals, read_idx,
)
from .loader import DataLoader, default_collate
from .sampler import DistributedSampler
from .samplers import (
    BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler, WeightedRandomSampler,
)

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "DataLoader",
           "default_collate", "DistributedSampler", "Sampler", "SequentialSampler", "RandomSampler",
           "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler", "Split", "DATASETS", "load_dataset", "make_moons", "make_spirals", "make_sine",
           "load_digits", "load_mnist1d", "load_mnist", "read_idx", "cache_dir"]
