"""Run under mpiexec -n N (tests/test_distributed.py starts it): N ranks with global batch B give the
parameters one process with batch B gives, step after step, and the ranks stay identical.

Every rank also trains the one-process reference itself (the same data, no communication), so each
rank compares its DDP replica with it after every step; an all_gather checks the replicas are equal
bit for bit. Any failed check raises, which aborts the job with that rank's message.

BatchNorm: under DDP each rank normalises its own slice of the batch, and rank 0's running statistics
are broadcast before each forward (PyTorch's semantics). The reference for plain BatchNorm is therefore
"ghost batches": one process runs the N slices one by one, averages their losses, and keeps the running
statistics of slice 0. With SyncBatchNorm the reference is plain BatchNorm on the whole batch.
"""
import sys

import numpy as np

import autograd as ag
import autograd.distributed as dist
import nn
import optim
from nn.parallel import DistributedDataParallel as DDP
from checks import flat, same_on_every_rank  # (this folder)
from seegrad.data import DistributedSampler

STEPS, B = 20, 12
RTOL, ATOL = 1e-5, 2e-6  # float32: the ranks sum their gradients in another order than one process does


def mlp():
    return nn.Sequential(nn.Linear(10, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))


def cnn(norm=nn.BatchNorm2d):
    # no conv bias: BatchNorm cancels it, its gradient is 0 up to rounding, and Adam would blow that up to +-lr
    return nn.Sequential(nn.Conv2d(1, 4, 3, bias=False), norm(4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(36, 3))


class GRUNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(4, 8, batch_first=True)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.head(out[:, -1])


INPUTS = {"mlp": (10,), "cnn": (1, 8, 8), "gru": (5, 4)}


def batches(kind, seed=1):
    rng = np.random.default_rng(seed)
    while True:
        x = rng.standard_normal((B,) + INPUTS[kind]).astype(np.float32)
        yield ag.from_numpy(x), ag.from_numpy(rng.integers(0, 3, B))


def close(a, b, what):
    a, b = np.asarray(a), np.asarray(b)
    if not np.allclose(a, b, rtol=RTOL, atol=ATOL):
        raise AssertionError(f"{what}: DDP differs from one process by {np.abs(a - b).max():.3g} "
                             f"(rtol {RTOL}, atol {ATOL})")
    return float(np.abs(a - b).max())


def train(kind, build, opt_name, ghost=False, reference_build=None, set_to_none=True, zero_late=False,
          **ddp_options):
    rank, world = dist.get_rank(), dist.get_world_size()
    ag.manual_seed(0)
    reference = (reference_build or build)()
    replica = build()
    replica.load_state_dict(reference.state_dict())
    if rank:  # wrapping must give every rank rank 0's weights
        with ag.no_grad():
            for p in replica.parameters():
                p.add_(1.0 + rank)
    model = DDP(replica, **ddp_options)
    make = {"sgd": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), "adam": lambda ps: optim.Adam(ps, lr=1e-2)}
    opt_ref, opt = make[opt_name](reference.parameters()), make[opt_name](model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    per = B // world
    worst, kept, spared = 0.0, {}, 0
    for step, (x, y) in zip(range(STEPS), batches(kind)):
        opt_ref.zero_grad()
        if ghost:
            loss_ghost_batches(reference, loss_fn, x, y, world).backward()
        else:
            loss_fn(reference(x), y).backward()
        opt_ref.step()

        mine = slice(rank * per, (rank + 1) * per)
        if not zero_late:
            opt.zero_grad(set_to_none=set_to_none)
        out = model(x[mine])
        if zero_late:  # as many tutorials do: forward, zero_grad, backward
            opt.zero_grad(set_to_none=set_to_none)
        loss_fn(out, y[mine]).backward()
        what = f"{kind} {opt_name} step {step + 1}"
        if ddp_options.get("gradient_as_bucket_view"):  # each .grad is a view of its bucket
            for name, p in model.module.named_parameters():
                if not any(np.shares_memory(p.grad.numpy(), b.array) for b in model._buckets):
                    raise AssertionError(f"{what}: gradient_as_bucket_view, but {name}.grad is not in a bucket")
        else:  # each .grad is its own memory (a Linear's weight gradient was computed into its bucket slot)
            for name, p in model.module.named_parameters():
                if any(np.shares_memory(p.grad.numpy(), b.array) for b in model._buckets):
                    raise AssertionError(f"{what}: {name}.grad is in a bucket without gradient_as_bucket_view")
            for name, (held, values) in kept.items():  # an earlier step's .grad, set to None since: unchanged
                if set_to_none and not np.array_equal(array_of(held), values):
                    raise AssertionError(f"{what}: the previous step's {name}.grad changed under the user")
            if model._buckets[0].spare is not None and set_to_none:
                # the averages are copied out of a bucket only while the user holds a view of its spare
                want = sum(any(np.shares_memory(array_of(h), b.spare.array) for h, _ in kept.values())
                           for b in model._buckets)
                if model.timing["copied_out"] != want:
                    raise AssertionError(f"{what}: {model.timing['copied_out']} buckets copied out, {want} expected")
                spared += want == 0
            # the user keeps this step's gradients as tensors, as numpy arrays, as views, or not at all
            keep = [lambda g: g, lambda g: g.numpy(), lambda g: g[0], None][step % 4]
            kept = {name: (keep(p.grad), array_of(keep(p.grad)).copy())
                    for name, p in model.module.named_parameters()} if keep else {}
            held = None  # (the check above left the last one kept here: the user let it go)
        opt.step()

        same_on_every_rank(flat(model.module), what)
        worst = max(worst, close(flat(model.module), flat(reference), what))
        if rank == 0:  # rank 0's running statistics are the ones broadcast: they follow the reference
            for (name, b), (_, r) in zip(model.module.named_buffers(), reference.named_buffers()):
                close(b.numpy(), r.numpy(), f"{what} buffer {name}")
    if model._buckets[0].spare is not None and set_to_none and not spared:
        raise AssertionError(f"{kind} {opt_name}: the averages were copied out at every step; .grad never viewed "
                             "a spare although the user let the gradients go")
    return worst


def array_of(held):
    return held if isinstance(held, np.ndarray) else held.numpy()


def loss_ghost_batches(model, loss_fn, x, y, world):
    """One process doing what N ranks with plain BatchNorm do: each slice normalised on its own, the
    losses averaged, the running statistics of slice 0 kept (the last one run)."""
    saved = [b.clone() for b in model.buffers()]
    per = len(x) // world
    losses = []
    for k in reversed(range(world)):
        if k == 0:
            with ag.no_grad():
                for b, s in zip(model.buffers(), saved):
                    b.copy_(s)
        losses.append(loss_fn(model(x[k * per:(k + 1) * per]), y[k * per:(k + 1) * per]))
    return sum(losses) / world


def no_sync_equals_a_larger_batch():
    """Two micro-batches, the first under no_sync (local gradients differ across ranks), equal one
    process on both micro-batches at once."""
    rank, world = dist.get_rank(), dist.get_world_size()
    ag.manual_seed(0)
    reference, replica = mlp(), mlp()
    replica.load_state_dict(reference.state_dict())
    model = DDP(replica)
    opt_ref, opt = optim.Adam(reference.parameters(), lr=1e-2), optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    per = B // world
    data = batches("mlp", seed=2)
    for step in range(5):
        (x1, y1), (x2, y2) = next(data), next(data)
        opt_ref.zero_grad()
        loss_fn(reference(ag.cat([x1, x2])), ag.cat([y1, y2])).backward()
        opt_ref.step()

        opt.zero_grad()
        mine = slice(rank * per, (rank + 1) * per)
        with model.no_sync():
            (loss_fn(model(x1[mine]), y1[mine]) / 2).backward()
        local = np.concatenate([p.grad.numpy().ravel() for p in model.parameters()])
        everyone = [ag.zeros_like(ag.from_numpy(local)) for _ in range(world)]
        dist.all_gather(everyone, ag.from_numpy(local))
        if world > 1 and all(np.array_equal(e.numpy(), local) for e in everyone):
            raise AssertionError("no_sync: the gradients were synchronised inside no_sync()")
        (loss_fn(model(x2[mine]), y2[mine]) / 2).backward()
        opt.step()
        same_on_every_rank(flat(model.module), f"no_sync step {step + 1}")
        close(flat(model.module), flat(reference), f"no_sync step {step + 1}")


def sampler_covers_every_sample_once(n=25):
    rank, world = dist.get_rank(), dist.get_world_size()
    sampler = DistributedSampler(range(n), seed=3)
    for epoch in range(3):
        sampler.set_epoch(epoch)
        mine = list(sampler)
        everyone = [None] * world
        dist.all_gather_object(everyone, mine)
        if len({len(e) for e in everyone}) != 1:
            raise AssertionError(f"DistributedSampler: unequal shards {[len(e) for e in everyone]}")
        seen = sorted(i for e in everyone for i in e)
        if sorted(set(seen)) != list(range(n)) or len(seen) - n != (-n) % world:
            raise AssertionError(f"DistributedSampler epoch {epoch}: the ranks saw {seen}")
        if epoch and mine == previous:
            raise AssertionError("DistributedSampler: set_epoch did not change the order")
        previous = mine


def main():
    dist.init_process_group("mpi", timeout=60)
    report = {}
    for opt_name in ("sgd", "adam"):
        # 256-byte buckets: several in flight at once, launched in order, polled by the helper thread
        report[f"mlp {opt_name}"] = train("mlp", mlp, opt_name, bucket_cap_mb=2 ** -12)
        report[f"cnn+BatchNorm {opt_name}"] = train("cnn", cnn, opt_name, ghost=True)
        report[f"cnn+SyncBatchNorm {opt_name}"] = train("cnn", lambda: cnn(nn.SyncBatchNorm), opt_name,
                                                        reference_build=cnn)
        report[f"gru {opt_name}"] = train("gru", GRUNet, opt_name, bucket_cap_mb=2 ** -12)
        # .grad zeroed in place, not set to None: it keeps its memory (a spare's, or its own)
        report[f"mlp {opt_name} zeroed in place"] = train("mlp", mlp, opt_name, set_to_none=False,
                                                          bucket_cap_mb=2 ** -12)
        # zero_grad between forward and backward: at forward time last step's .grad still views the spares
        report[f"mlp {opt_name} zero_grad after forward"] = train("mlp", mlp, opt_name, zero_late=True,
                                                                  bucket_cap_mb=2 ** -12)
        # gradients as views of the buckets: zeroed in place (accumulated into the buckets) or set to None
        for set_to_none in (False, True):
            report[f"mlp {opt_name} bucket views{' set_to_none' if set_to_none else ''}"] = train(
                "mlp", mlp, opt_name, set_to_none=set_to_none, bucket_cap_mb=2 ** -12, gradient_as_bucket_view=True)
        report[f"cnn+BatchNorm {opt_name} bucket views"] = train("cnn", cnn, opt_name, ghost=True,
                                                                 gradient_as_bucket_view=True)
    no_sync_equals_a_larger_batch()
    sampler_covers_every_sample_once()
    if dist.get_rank() == 0:
        print("largest difference from one process after each of 20 steps:",
              ", ".join(f"{k} {v:.2g}" for k, v in report.items()))
        print(f"OK on {dist.get_world_size()} ranks")
    dist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
