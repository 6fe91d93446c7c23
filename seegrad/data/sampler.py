"""DistributedSampler: each rank's share of a dataset, a new shuffle every epoch (torch.utils.data.distributed).

    sampler = DistributedSampler(train_ds)               # num_replicas, rank: from ag.distributed
    loader = DataLoader(train_ds, batch_size=64, sampler=sampler)
    for epoch in range(epochs):
        sampler.set_epoch(epoch)                         # fit() does this for you
        for x, y in loader: ...

One epoch's order is a permutation of 0..N-1 drawn from ``seed + epoch`` (the same on every
rank), padded with its own first indices up to a multiple of ``num_replicas`` (or cut down to
one, with ``drop_last``); rank r takes every num_replicas-th index from position r. So the ranks
together see every sample exactly once an epoch, plus at most ``num_replicas - 1`` repeats, and
all shards have the same length. As in PyTorch, except for the permutation itself: PyTorch draws
it from its own generator (``torch.randperm``), this from numpy's (``default_rng(seed + epoch)``);
with ``shuffle=False`` the indices are PyTorch's exactly.
"""
import math
import numbers

import numpy as np

import autograd.distributed as dist

__all__ = ["DistributedSampler"]


class DistributedSampler:
    """The indices of rank ``rank`` of ``num_replicas`` (torch's signature and defaults)."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            if not dist.is_initialized():
                raise RuntimeError("DistributedSampler: pass num_replicas= and rank=, or call "
                                   "ag.distributed.init_process_group() first")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if not isinstance(num_replicas, numbers.Integral) or num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be a positive integer, got {num_replicas!r}")
        if not isinstance(rank, numbers.Integral) or rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        if not hasattr(dataset, "__len__"):
            raise TypeError(f"DistributedSampler: the dataset ({type(dataset).__name__}) needs __len__")
        self.dataset, self.num_replicas, self.rank = dataset, int(num_replicas), int(rank)
        self.shuffle, self.seed, self.drop_last, self.epoch = bool(shuffle), int(seed), bool(drop_last), 0
        n = len(dataset)
        if self.drop_last and n % self.num_replicas:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def set_epoch(self, epoch):
        """Shuffle differently in each epoch (call it before iterating; fit does)."""
        self.epoch = int(epoch)

    def __iter__(self):
        n = len(self.dataset)
        order = np.random.default_rng(self.seed + self.epoch).permutation(n) if self.shuffle else np.arange(n)
        if self.drop_last:
            order = order[:self.total_size]
        elif self.total_size > n:  # pad with the order's own beginning, repeated if it is short
            order = np.resize(order, self.total_size)
        return iter(order[self.rank:self.total_size:self.num_replicas].tolist())

    def __len__(self):
        return self.num_samples

    def __repr__(self):
        return (f"DistributedSampler(rank {self.rank} of {self.num_replicas}, {self.num_samples} samples, "
                f"shuffle={self.shuffle}, seed={self.seed}, epoch={self.epoch}, drop_last={self.drop_last})")
