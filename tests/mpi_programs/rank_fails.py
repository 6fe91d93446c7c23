"""Run under mpiexec -n N: a rank that fails must end the whole job, with its own message, never hang.

    rank_fails.py raise   rank 1 raises in the middle of step 3 (after its forward, before its backward),
                          while the others are already waiting in the all-reduce of that step
    rank_fails.py hang    rank 1 stops answering (sleeps); the others' collectives time out after 2 s
    rank_fails.py flood   rank 1 stops answering; rank 0 starts more shared-memory all-reduces than
                          can be in flight at once (RING) and times out starting the next one
"""
import sys
import time

import autograd as ag
import autograd.distributed as dist
import nn
import optim


def main(mode):
    dist.init_process_group("mpi", timeout=2.0)
    rank = dist.get_rank()
    if mode == "flood":
        from autograd.distributed.shared_memory import RING
        tensors = [dist.empty_shared(4) for _ in range(RING + 1)]
        if rank == 1:
            time.sleep(120)
        works = [dist.all_reduce(t, async_op=True) for t in tensors]
        print(f"rank {rank} started {len(works)} all-reduces", flush=True)
    ag.manual_seed(0)
    model = nn.parallel.DistributedDataParallel(nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2)))
    opt = optim.SGD(model.parameters(), lr=0.1)
    for step in range(1, 6):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(ag.randn(4, 8)), ag.randint(0, 2, (4,)))
        if rank == 1 and step == 3:
            if mode == "raise":
                raise ValueError(f"rank {rank} fails on purpose at step {step}")
            time.sleep(120)
        loss.backward()
        opt.step()
        print(f"rank {rank} finished step {step}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
