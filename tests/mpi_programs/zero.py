"""Run under mpiexec -n N (tests/test_distributed.py starts it): DistributedDataParallel with a
ZeroRedundancyOptimizer trains what one process with the global batch trains, step after step, and the
ranks stay identical, in each way of syncing the parameters:

- per parameter, broadcast from its owner (parameters_as_bucket_view=False, torch's default);
- packed into one flat buffer (parameters_as_bucket_view=True): one copy for all ranks in shared memory
  (SEEGRAD_SHARED_MEMORY=1), or one broadcast per rank (=0, as across machines);
- the same, with the gradients sharded (ddp.shard_gradients): after backward, a rank's own parameters
  have the one-process gradient and the others' .grad is None.

SGD with momentum and Adam, 20 steps, an lr schedule applied to the ZeRO's groups. Then the state:
consolidate_state_dict + state_dict on rank 0 equals the one-process optimizer's state_dict, and
load_state_dict of it on every rank continues exactly as the one-process optimizer does. Any failed
check raises, which aborts the job with that rank's message.
"""
import numpy as np

import autograd as ag
import autograd.distributed as dist
import nn
import optim
from nn.parallel import DistributedDataParallel as DDP
from checks import flat, refused, same_on_every_rank  # (this folder)

STEPS, B = 20, 12
RTOL, ATOL = 1e-5, 2e-6  # float32: the ranks sum their gradients in another order than one process does
OPTIMIZERS = {"sgd": (optim.SGD, dict(lr=0.1, momentum=0.9)), "adam": (optim.Adam, dict(lr=1e-2))}


def mlp():
    return nn.Sequential(nn.Linear(10, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))


def batches(seed=1):
    rng = np.random.default_rng(seed)
    while True:
        yield (ag.from_numpy(rng.standard_normal((B, 10)).astype(np.float32)),
               ag.from_numpy(rng.integers(0, 3, B)))


def close(a, b, what):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or not np.allclose(a, b, rtol=RTOL, atol=ATOL):
        raise AssertionError(f"{what}: ZeRO differs from one process by "
                             f"{np.abs(a - b).max() if a.shape == b.shape else (a.shape, b.shape)}")


def setup(opt_name, bucket_view, shard):
    rank = dist.get_rank()
    ag.manual_seed(0)
    reference, replica = mlp(), mlp()
    replica.load_state_dict(reference.state_dict())
    if rank:  # DDP gives every rank rank 0's weights
        with ag.no_grad():
            for p in replica.parameters():
                p.add_(1.0 + rank)
    model = DDP(replica, gradient_as_bucket_view=True)
    cls, options = OPTIMIZERS[opt_name]
    opt = optim.ZeroRedundancyOptimizer(model.parameters(), cls, parameters_as_bucket_view=bucket_view, **options)
    if shard:
        model.shard_gradients(opt)
    return reference, model, cls(reference.parameters(), **options), opt


def steps(reference, model, opt_ref, opt, data, count, what, shard):
    rank, world = dist.get_rank(), dist.get_world_size()
    per = B // world
    mine = slice(rank * per, (rank + 1) * per)
    schedules = [optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5) for o in (opt_ref, opt)]
    loss_fn = nn.CrossEntropyLoss()
    for step in range(count):
        x, y = next(data)
        opt_ref.zero_grad()
        loss_fn(reference(x), y).backward()
        opt_ref.step()

        opt.zero_grad()
        loss_fn(model(x[mine]), y[mine]).backward()
        at = f"{what} step {step + 1}"
        if shard:  # the owners have the one-process gradients; the others none
            for (name, p), q in zip(model.module.named_parameters(), reference.parameters()):
                if opt.rank_of(p) == rank:
                    close(p.grad.numpy(), q.grad.numpy(), f"{at}: {name}.grad on its owner")
                elif p.grad is not None:
                    raise AssertionError(f"{at}: {name}.grad is kept on rank {rank}, which does not own it")
        opt.step()
        for s in schedules:
            s.step()
        same_on_every_rank(flat(model.module), at)
        close(flat(model.module), flat(reference), at)


def moments(state_dict):
    return {(i, k): np.asarray(v.numpy() if isinstance(v, ag.Tensor) else v)
            for i, s in state_dict["state"].items() for k, v in s.items()}


def train(opt_name, bucket_view, shard):
    what = f"{opt_name} bucket_view={bucket_view} shard_gradients={shard}"
    reference, model, opt_ref, opt = setup(opt_name, bucket_view, shard)
    data = batches()
    steps(reference, model, opt_ref, opt, data, STEPS, what, shard)

    # the whole state on rank 0, as the one-process optimizer holds it
    opt.consolidate_state_dict(to=0)
    if dist.get_rank() == 0:
        saved, want = opt.state_dict(), opt_ref.state_dict()
        if saved["param_groups"] != want["param_groups"]:
            raise AssertionError(f"{what}: param_groups {saved['param_groups']} != {want['param_groups']}")
        got, want = moments(saved), moments(want)
        if sorted(got) != sorted(want):
            raise AssertionError(f"{what}: state entries {sorted(got)} != {sorted(want)}")
        for key in want:
            close(got[key], want[key], f"{what}: state {key}")
    else:
        saved = None
        refused(opt.state_dict, RuntimeError, "consolidate_state_dict(to=",
                f"{what}: state_dict() on rank {dist.get_rank()}, which did not receive it")

    # resuming: a new model and optimizer on every rank, loaded with rank 0's state, go on as one process
    box = [saved]
    dist.broadcast_object_list(box, src=0)
    _, model2, _, opt2 = setup(opt_name, bucket_view, shard)
    model2.module.load_state_dict(model.module.state_dict())
    opt2.load_state_dict(box[0])
    steps(reference, model2, opt_ref, opt2, data, 5, what + " resumed", shard)


def replaced_storage_is_refused():
    _, model, _, opt = setup("sgd", True, False)
    p = next(model.parameters())
    p.data = p.detach().clone()
    refused(opt.step, RuntimeError, "no longer lives in the optimizer's flat buffer",
            "ZeroRedundancyOptimizer.step accepted a parameter whose storage was replaced")


def main():
    dist.init_process_group("mpi", timeout=60)
    for opt_name in OPTIMIZERS:
        for bucket_view, shard in ((False, False), (True, False), (True, True), (False, True)):
            train(opt_name, bucket_view, shard)
    replaced_storage_is_refused()
    dist.barrier()
    if dist.get_rank() == 0:
        one_copy = "one copy of the parameters" if dist.ranks_share_memory() else "parameters broadcast"
        print(f"ZeRO OK on {dist.get_world_size()} ranks, {one_copy}", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
