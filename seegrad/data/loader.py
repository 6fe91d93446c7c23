"""DataLoader: walk a dataset in (shuffled) mini-batches, PyTorch style.

    loader = DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True, seed=0)
    for xb, yb in loader:          # xb: (64, ...) Tensor, yb: (64,) Tensor
        ...

Shuffling draws from ``generator`` (a numpy Generator or an int seed, also
accepted as ``seed=``); without one it draws from the global generator that
``ag.manual_seed`` seeds, so seeding once makes a whole run reproducible.
Loading happens in this process: ``num_workers`` and ``pin_memory`` are
accepted for PyTorch compatibility and ignored.
"""
import collections.abc
import itertools
import numbers

import numpy as np

import autograd as ag

from .dataset import TensorDataset, _generator

__all__ = ["DataLoader", "default_collate"]


def default_collate(batch):
    """Stack a list of samples into a batch: tensors/arrays/numbers -> Tensor, tuples -> lists, dicts -> dicts.

    Python floats become float64 and ints int64, as in PyTorch; strings stay a list.
    """
    elem = batch[0]
    if isinstance(elem, ag.Tensor):
        return ag.stack([b.detach() for b in batch])  # on the samples' device
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "USO":
            raise TypeError(f"default_collate: cannot batch numpy arrays of dtype {elem.dtype}")
        return ag.from_numpy(np.stack(batch))
    if isinstance(elem, (np.number, np.bool_)):
        return ag.from_numpy(np.array(batch))
    if isinstance(elem, bool):
        return ag.from_numpy(np.array(batch, dtype=np.bool_))
    if isinstance(elem, numbers.Integral):
        return ag.from_numpy(np.array(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return ag.from_numpy(np.array(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(s) != len(elem) for s in batch):
            raise RuntimeError("default_collate: each sample in the batch should have the same number of "
                               f"fields; got {sorted({len(s) for s in batch})}")
        return [default_collate(list(s)) for s in zip(*batch)]
    raise TypeError(f"default_collate: cannot batch samples of type {type(elem).__name__}; "
                    "return tensors, numpy arrays, numbers, or tuples/dicts of them, or pass collate_fn=")


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` samples.

    shuffle:    a new random order each epoch (each ``iter(loader)``).
    drop_last:  drop the final batch if it is smaller than ``batch_size``.
    sampler:    an iterable of indices to use instead of 0..N-1 (excludes shuffle); samplers.py has PyTorch's.
    batch_sampler: an iterable of lists of indices, one list per batch (excludes batch_size, shuffle,
                sampler and drop_last).
    collate_fn: turns a list of samples into a batch (default: ``default_collate``).
    generator / seed: where shuffling draws from (see the module docstring).
    batch_size=None yields single samples unbatched.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, generator=None, seed=None, **unused):
        if unused:
            raise TypeError(f"DataLoader got unexpected arguments: {', '.join(sorted(unused))}")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                 "sampler, and drop_last")
            batch_size = None  # (the batch sampler makes the batches)
        if batch_size is not None and (not isinstance(batch_size, numbers.Integral) or batch_size <= 0
                                       or isinstance(batch_size, bool)):
            raise ValueError(f"DataLoader: batch_size should be a positive integer or None, got {batch_size!r}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_size is None and drop_last and batch_sampler is None:  # (it would be ignored)
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is mutually exclusive "
                             "with drop_last")
        if generator is not None and seed is not None:
            raise ValueError("DataLoader: pass either generator= or seed=, not both")
        if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
            raise TypeError(f"DataLoader: the dataset ({type(dataset).__name__}) needs __getitem__ and __len__")
        if shuffle and len(dataset) == 0:  # (PyTorch's RandomSampler refuses it here, not at the first epoch)
            raise ValueError("DataLoader: num_samples should be a positive integer value, but got num_samples=0: "
                             f"shuffle=True on an empty dataset ({type(dataset).__name__} of length 0)")
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.sampler = sampler
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.batch_sampler = batch_sampler
        self.num_workers, self.pin_memory = num_workers, pin_memory
        # None: the global generator, looked up at each epoch so ag.manual_seed takes effect.
        seed = generator if seed is None else seed
        self.generator = None if seed is None else _generator(seed)

    def _order(self):
        """The sample indices of one epoch: a sampler's as it yields them (it may never end: minGPT's
        trainer samples int(1e10) of them with replacement), else an array."""
        if self.sampler is not None:
            return iter(self.sampler)
        n = len(self.dataset)
        if self.shuffle:
            return _generator(self.generator).permutation(n)
        return np.arange(n)

    def _batches(self, order):
        if self.batch_size is None:
            yield from (int(i) for i in order)
            return
        bs = self.batch_size
        if not isinstance(order, np.ndarray):  # a sampler's: a batch taken when it is wanted, as PyTorch's
            while True:                       # BatchSampler takes it (a sampler's draws fall in between alike)
                idx = np.fromiter((int(i) for i in itertools.islice(order, bs)), dtype=np.int64)
                if len(idx) == bs or (len(idx) and not self.drop_last):
                    yield idx
                if len(idx) < bs:
                    return
        stop = len(order) - len(order) % bs if self.drop_last else len(order)
        for start in range(0, stop, bs):
            yield order[start:start + bs]

    def __iter__(self):
        if self.batch_sampler is not None:  # lists of indices, one per batch
            for idx in self.batch_sampler:
                yield (self.collate_fn or default_collate)([self.dataset[int(i)] for i in idx])
            return
        order = self._order()
        fast = isinstance(self.dataset, TensorDataset) and self.collate_fn is None
        for idx in self._batches(order):
            if self.batch_size is None:
                yield self.dataset[idx] if self.collate_fn is None else self.collate_fn(self.dataset[idx])
            elif fast:  # one fancy-index per tensor, no per-sample Python loop
                yield [t.detach()[idx] for t in self.dataset.tensors]  # (on the tensors' device)
            else:
                samples = [self.dataset[int(i)] for i in idx]
                yield (self.collate_fn or default_collate)(samples)

    def __len__(self):
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __repr__(self):
        return (f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)} samples, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, drop_last={self.drop_last})")
