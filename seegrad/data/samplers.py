"""The samplers of torch.utils.data that run in one process: which sample indices an epoch visits,
in which order. Give one to ``DataLoader(sampler=...)``, or a BatchSampler to ``batch_sampler=``.

    train_idx, val_idx = indices[:800], indices[800:]
    loader = DataLoader(ds, batch_size=32, sampler=SubsetRandomSampler(train_idx))
    balanced = WeightedRandomSampler(1.0 / class_counts[labels], num_samples=len(labels))

Random ones draw from ``generator`` (an ``ag.Generator``, a numpy Generator or an int seed) or, without
one, from the global generator that ``ag.manual_seed`` seeds, a new order each epoch (each ``iter``).
The distributions are PyTorch's; the numbers come from numpy's generator, not PyTorch's.
(DistributedSampler, each rank's share, is in sampler.py.)
"""
import numbers

import numpy as np

from .dataset import _generator

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]


class Sampler:
    """Base class: ``__iter__`` yields indices (``__len__`` their number, where known)."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


def _positive_int(owner, what, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{owner}: {what} should be a positive integer value, but got {what}={value!r}")
    return int(value)


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random order of the samples each epoch (a permutation; with ``num_samples`` > len, whole
    permutations one after the other); with ``replacement``, ``num_samples`` independent uniform draws."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, but got "
                            f"replacement={replacement!r}")
        self.data_source, self.replacement, self.generator = data_source, replacement, generator
        self._num_samples = num_samples
        _positive_int("RandomSampler", "num_samples", self.num_samples)

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n, wanted, rng = len(self.data_source), self.num_samples, _generator(self.generator)
        if self.replacement:  # 32 at a time, as PyTorch: num_samples may be huge (minGPT's trainer asks for 1e10)
            for start in range(0, wanted, 32):
                yield from (int(i) for i in rng.integers(0, n, size=min(32, wanted - start)))
            return
        for _ in range(wanted // n):
            yield from (int(i) for i in rng.permutation(n))
        if wanted % n:
            yield from (int(i) for i in rng.permutation(n)[:wanted % n])

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order each epoch (a train or validation part of one dataset)."""

    def __init__(self, indices, generator=None):
        self.indices, self.generator = indices, generator

    def __iter__(self):
        for i in _generator(self.generator).permutation(len(self.indices)):
            yield self.indices[int(i)]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probability proportional to ``weights`` (one per sample;
    they need not sum to 1): with replacement by default, the usual way to balance rare classes.
    Without replacement each index comes at most once (num_samples <= the number of nonzero weights)."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        self.num_samples = _positive_int("WeightedRandomSampler", "num_samples", num_samples)
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler: replacement should be a boolean value, but got "
                             f"replacement={replacement!r}")
        w = np.asarray(weights.detach().cpu().numpy() if hasattr(weights, "detach") else weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1d sequence but given weights have "
                             f"shape {w.shape}")
        if not np.isfinite(w).all() or (w < 0).any() or not w.sum() > 0:
            raise RuntimeError("WeightedRandomSampler: weights must be finite and >= 0, with a positive sum")
        if not replacement and num_samples > np.count_nonzero(w):
            raise RuntimeError(f"WeightedRandomSampler: cannot draw {num_samples} samples without replacement "
                               f"from {np.count_nonzero(w)} with a nonzero weight")
        self.weights, self.replacement, self.generator = w, replacement, generator

    def __iter__(self):
        rng, w = _generator(self.generator), self.weights
        if self.replacement:  # inverse CDF: u in [0, 1) lands in sample i's share of the cumulative weights
            edges = np.cumsum(w) / w.sum()
            picked = np.minimum(np.searchsorted(edges, rng.random(self.num_samples), side="right"), len(w) - 1)
        else:  # Efraimidis-Spirakis: the num_samples largest keys u^(1/w) are a weighted draw without replacement
            with np.errstate(divide="ignore"):
                keys = np.where(w > 0, np.log(rng.random(len(w))) / np.where(w > 0, w, 1.0), -np.inf)
            picked = np.argsort(-keys, kind="stable")[:self.num_samples]
        return iter(int(i) for i in picked)

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of ``batch_size`` (the last one shorter unless
    ``drop_last``): ``DataLoader(ds, batch_sampler=BatchSampler(sampler, 32, drop_last=False))``."""

    def __init__(self, sampler, batch_size, drop_last):
        self.batch_size = _positive_int("BatchSampler", "batch_size", batch_size)
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, but got drop_last={drop_last!r}")
        self.sampler, self.drop_last = sampler, drop_last

    def __iter__(self):
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
