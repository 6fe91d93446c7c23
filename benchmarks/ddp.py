"""Data parallel on MPI: throughput of 2 ranks against 1 process, and where the communication goes.

    python benchmarks/ddp.py                 # MLP 784-1024-1024-10 and the CLI's CNN on 28x28, global batch 512
    python benchmarks/ddp.py --rounds 5      # more interleaved rounds on a busy machine
    python benchmarks/ddp.py --wait-idle 120 # each round waits (up to 120 s) for the CPUs to be 90% idle
    python benchmarks/ddp.py --max-foreign 0.05   # rerun rounds in which other jobs took > 5% of the CPUs
    python benchmarks/ddp.py --ceiling       # also 2 ranks without DDP: no communication, the most 2 can give
    python benchmarks/ddp.py --cma           # MPICH's single-copy shared memory (MPIR_CVAR_CH4_CMA_ENABLE=1)
    python benchmarks/ddp.py --mpi-messages  # all-reduce through MPI's messages, not the shared windows
    python benchmarks/ddp.py --no-bucket-view   # only DDP's default: .grad not a view of the buckets
    python benchmarks/ddp.py --zero          # also DDP + ZeroRedundancyOptimizer, without and with shard_gradients

Each round runs, one after the other, the same training steps (SGD with momentum, synthetic data)
as one plain process with the global batch, and as 2 ranks under `mpiexec -n 2` with
DistributedDataParallel (gradient_as_bucket_view=True unless --no-bucket-view) and half the batch
each, and the same with DDP's defaults (gradient_as_bucket_view=False, PyTorch's default: .grad is
not in the buckets, but a view of a spare bucket the user no longer views, or a copy); one BLAS
thread per process. With --zero, each round also runs the same ranks with
ZeroRedundancyOptimizer(SGD, parameters_as_bucket_view=True) (each rank updates its share of the
parameters, which exist once, in shared memory), and the same again with ddp.shard_gradients(opt)
(each bucket reduce-scattered: a rank averages only its own parameters' gradients); each
configuration is printed on its own, labelled, with its speed-up over the same round's single
process. Figures are medians
over the rounds. Per step on the ranks: forward, backward and optimizer time, the communication
still running when backward ends (exposed: the wait at its end, ``ddp.timing["wait"]``; its median
includes waiting for a late rank, its least value over the steps is the communication alone), and
what the same all-reduces take when nothing overlaps them (the buckets all-reduced on their own,
blocking). Overlapped = 1 - least exposed / that. Each run also measures how much CPU time other
processes took while its steps ran (/proc/stat against the ranks' own); a round in which that
exceeded --max-foreign (10%) in any run is discarded and run again, and the count is printed.
On a shared machine the ranks may not get a core
each; the speed-up from CPU time per step (process time of the busier rank, all its threads,
against the single process's) is what two idle cores would give. The machine's load average is printed: 2 ranks need
2 idle cores. Last, a table extrapolates the measured compute and gradient sizes to 8, 64 and 512
ranks with the ring all-reduce model (docs/distributed.md).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = {"mlp": "MLP 784-1024-1024-10", "cnn": "CNN 28x28: conv 16, conv 32, Linear (seegrad train --model cnn)"}


def build(name):
    import nn
    from seegrad.models import build_cnn

    if name == "mlp":
        return nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10))
    return build_cnn(784, 10, [16, 32], {"image": (1, 28, 28)})


def child(name, steps, global_batch, bucket_cap_mb, bucket_view, ddp=True, zero=None):
    """One configuration: this process alone, or one rank of mpiexec. Rank 0 prints a JSON line."""
    import numpy as np

    import autograd as ag
    import autograd.distributed as dist
    import nn
    import optim

    dist.init_process_group()  # "mpi" under mpiexec, else a world of one
    rank, world = dist.get_rank(), dist.get_world_size()
    wrap = world > 1 and ddp  # without DDP: the ranks compute side by side and never communicate
    ag.manual_seed(0)
    net = build(name)
    model = nn.parallel.DistributedDataParallel(net, bucket_cap_mb=bucket_cap_mb, gradient_as_bucket_view=bucket_view) \
        if wrap else net
    if zero and wrap:  # each rank updates its share of the parameters, held once in shared memory
        opt = optim.ZeroRedundancyOptimizer(model.parameters(), optim.SGD, parameters_as_bucket_view=True,
                                            lr=0.01, momentum=0.9)
        if zero == "shard":  # and each rank reduces only its share of the gradients
            model.shard_gradients(opt)
    else:
        opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    per = global_batch // world
    x, y = ag.randn(per, 784), ag.randint(0, 10, (per,))
    times = []

    def step():
        t0 = time.perf_counter()
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        t3 = time.perf_counter()
        times.append((t1 - t0, t2 - t1, t3 - t2, model.timing["wait"] if wrap else 0.0,
                      model.timing["copied_out"] if wrap else 0))

    for _ in range(3):  # warm up; DDP rebuilds its buckets after the first backward
        step()
    times.clear()
    dist.barrier()
    start, cpu, busy = time.perf_counter(), time.process_time(), machine_busy()
    for _ in range(steps):
        step()
    cpu = time.process_time() - cpu  # this process's CPU time (all its threads): what it would take on its own core
    dist.barrier()
    elapsed, busy = time.perf_counter() - start, machine_busy() - busy
    most_cpu = ag.tensor([cpu], dtype=ag.float64)
    dist.all_reduce(most_cpu, op=dist.ReduceOp.MAX)
    all_cpu = ag.tensor([cpu], dtype=ag.float64)
    dist.all_reduce(all_cpu)
    # the share of the machine's CPUs that other processes took while these steps ran
    foreign = max(0.0, busy - all_cpu.item()) / (elapsed * (os.cpu_count() or 1))
    comm = 0.0
    if wrap:  # the same all-reduces, blocking, nothing to overlap with
        for b in model._buckets:
            reps = []
            for _ in range(10):
                dist.barrier()
                t0 = time.perf_counter()
                if zero == "shard":
                    dist.reduce_scatter_in_place(b.tensor, b.bounds, op=dist.ReduceOp.AVG)
                else:
                    dist.all_reduce(b.tensor, op=dist.ReduceOp.AVG)
                reps.append(time.perf_counter() - t0)
            comm += statistics.median(reps)
    fwd, bwd, opt_t, wait, copied = (statistics.mean(col) if k == 4 else statistics.median(col)
                                     for k, col in enumerate(zip(*times)))
    least_wait = min(t[3] for t in times)  # the steps where the other rank was not late: communication alone
    if rank == 0:
        print(json.dumps({"world": world, "samples_per_s": steps * global_batch / elapsed, "foreign": foreign,
                          "cpu_step": most_cpu.item() / steps,
                          "step": elapsed / steps, "forward": fwd, "backward": bwd, "optimizer": opt_t,
                          "exposed": wait, "least_exposed": least_wait, "allreduce_alone": comm,
                          "grad_bytes": int(sum(p.numel() * p.dtype.itemsize for p in net.parameters())),
                          "buckets": len(model._buckets) if wrap else 0, "copied_out": copied,
                          "last_bucket_bytes": model._buckets[-1].array.nbytes if wrap else 0}), flush=True)
    dist.destroy_process_group()


def child_allreduce_sizes():
    """all_reduce time against message size on these ranks, through MPI's messages (a plain tensor) and
    through the shared windows (a tensor of dist.empty_shared), and the fitted latency and bandwidth."""
    import numpy as np

    import autograd as ag
    import autograd.distributed as dist

    dist.init_process_group()
    rows = []
    for nbytes in (8, 1024, 65536, 1 << 20, 4 << 20, 7_454_760, 16 << 20):  # 7.45 MB: the MLP's gradients
        row = [nbytes]
        for t in (ag.zeros(nbytes // 4), dist.empty_shared(nbytes // 4)):
            t.numpy()[...] = 1.0
            reps, cpu = [], []
            for _ in range(20 if nbytes < (4 << 20) else 10):
                dist.barrier()
                t0, c0 = time.perf_counter(), time.process_time()
                dist.all_reduce(t)
                reps.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            row += [statistics.median(reps), statistics.median(cpu)]
        rows.append(row)
    n = dist.get_world_size()
    sizes, seconds = np.array(rows, dtype=float)[:, :2].T
    # ring model: T = 2(n-1) alpha + 2(n-1)/n * bytes / beta, fitted by least squares on relative errors
    # (MPI's messages; absolute errors let the largest sizes decide alone, and gave a negative latency)
    A = np.stack([np.full_like(sizes, 2 * (n - 1)), 2 * (n - 1) / n * sizes], axis=1)
    (alpha, inv_beta), *_ = np.linalg.lstsq(A / seconds[:, None], np.ones_like(seconds), rcond=None)
    if dist.get_rank() == 0:
        print(json.dumps({"rows": rows, "alpha": alpha, "beta": 1 / inv_beta}), flush=True)
    dist.destroy_process_group()


NETWORKS = {"10 Gb/s Ethernet": (30e-6, 1.25e9), "100 Gb/s InfiniBand": (2e-6, 12.5e9)}  # (alpha s, beta B/s)


def ring_allreduce(n_ranks, nbytes, alpha, beta):
    """Seconds for a ring all-reduce: 2(N-1) alpha + 2 (N-1)/N bytes / beta."""
    return 2 * (n_ranks - 1) * alpha + 2 * (n_ranks - 1) / n_ranks * nbytes / beta


def extrapolate(measured):
    """A markdown table: per-rank compute c (measured, batch 256 per rank) plus the all-reduce time that
    does not overlap backward, at 8, 64 and 512 ranks, on two networks."""
    lines = ["| model | ranks | network | all-reduce T(N) | efficiency, no overlap | efficiency, overlapped |",
             "|---|---|---|---|---|---|"]
    for name, two in measured.items():
        c = two["forward"] + two["backward"] - two["exposed"] + two["optimizer"]  # the wait is inside backward
        lines.append(f"| {name} (c = {1e3 * c:.0f} ms, {two['grad_bytes'] / 1e6:.2f} MB) | 2 (measured) | "
                     f"shared memory | {1e3 * two['allreduce_alone']:.1f} ms | {c / (c + two['allreduce_alone']):.0%} | "
                     f"{c / (c + two['least_exposed']):.0%} |")
        for n_ranks in (8, 64, 512):
            for net, (alpha, beta) in NETWORKS.items():
                t = ring_allreduce(n_ranks, two["grad_bytes"], alpha, beta)
                last = ring_allreduce(n_ranks, two["last_bucket_bytes"], alpha, beta)
                lines.append(f"| {name} | {n_ranks} | {net} | {1e3 * t:.1f} ms | {c / (c + t):.0%} | "
                             f"{c / (c + last):.0%} |")
    return "\n".join(lines)


def machine_busy():
    """Seconds of CPU time the whole machine has spent busy since boot (Linux /proc/stat; 0 elsewhere)."""
    if not os.path.exists("/proc/stat"):
        return 0.0
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def cpu_idle(seconds=2.0):
    """The fraction of CPU time spent idle, machine-wide, over the next ``seconds`` (Linux /proc/stat)."""
    def sample():
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:9]]
        return fields[3] + fields[4], sum(fields)
    (idle0, total0), _ = sample(), time.sleep(seconds)
    idle1, total1 = sample()
    return (idle1 - idle0) / max(total1 - total0, 1)


def wait_idle(limit):
    """Wait (up to ``limit`` seconds) until the machine's CPUs are at least 90% idle; returns the idle fraction."""
    start = time.monotonic()
    while True:
        idle = cpu_idle() if os.path.exists("/proc/stat") else 1.0
        if idle >= 0.9 or time.monotonic() - start > limit:
            return idle


def run(name, world, args, ddp=True, zero=None, bucket_view=None):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONPATH=ROOT)
    for var in ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK"):
        env.pop(var, None)
    if args.cma:  # MPICH's single-copy shared memory (process_vm_readv): needs ptrace rights between the ranks
        env["MPIR_CVAR_CH4_CMA_ENABLE"] = "1"
    if args.mpi_messages:  # the mpi backend without its shared windows (autograd/distributed/shared_memory.py)
        env["SEEGRAD_SHARED_MEMORY"] = "0"
    command = [sys.executable, os.path.abspath(__file__), "--child", name, "--steps", str(args.steps),
               "--batch", str(args.batch)] \
        + (["--no-bucket-view"] if not (args.bucket_view if bucket_view is None else bucket_view) else []) \
        + (["--bucket-cap-mb", str(args.bucket_cap_mb)] if args.bucket_cap_mb else []) + ([] if ddp else ["--no-ddp"]) \
        + (["--zero", zero] if zero else [])
    if world > 1:
        from seegrad.launch import find_mpiexec
        command = [find_mpiexec(), "-n", str(world)] + command
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=list(MODELS) + ["sizes"])
    parser.add_argument("--models", default="mlp,cnn")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch", type=int, default=512, help="the global batch")
    parser.add_argument("--cma", action="store_true", help="MPIR_CVAR_CH4_CMA_ENABLE=1: single-copy shared memory")
    parser.add_argument("--bucket-cap-mb", type=float, default=None, help="default: DDP's (25, first bucket 1)")
    parser.add_argument("--wait-idle", type=float, default=0, metavar="S", help="before each round, wait up to S "
                        "seconds for the CPUs to be 90%% idle (a machine shared with other jobs)")
    parser.add_argument("--max-foreign", type=float, default=0.1, metavar="F", help="a round during which other "
                        "processes took more than this share of the CPUs (in any of its runs) is discarded and run "
                        "again, up to 3 x --rounds rounds in all (default 0.1)")
    parser.add_argument("--ceiling", action="store_true", help="each round also runs 2 ranks without DDP: "
                        "the same compute side by side, no communication (the most 2 ranks can give)")
    parser.add_argument("--no-ddp", dest="ddp", action="store_false", help=argparse.SUPPRESS)
    parser.add_argument("--zero", nargs="?", const="both", choices=["both", "zero", "shard"], help="each round also "
                        "runs 2 ranks with DDP and ZeroRedundancyOptimizer(SGD, parameters_as_bucket_view=True) (the "
                        "optimizer sharded, the parameters held once in shared memory), without and with "
                        "ddp.shard_gradients (the gradients reduce-scattered)")
    parser.add_argument("--mpi-messages", action="store_true", help="all-reduce through MPI's messages "
                        "(SEEGRAD_SHARED_MEMORY=0), not the shared windows")
    parser.add_argument("--no-bucket-view", dest="bucket_view", action="store_false",
                        help="DDP's default gradient_as_bucket_view=False: .grad not a view of the buckets")
    args = parser.parse_args()
    if args.child == "sizes":
        return child_allreduce_sizes()
    if args.child:
        return child(args.child, args.steps, args.batch, args.bucket_cap_mb, args.bucket_view, args.ddp, args.zero)
    print(f"load average before: {', '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} cores; "
          f"global batch {args.batch}, {args.steps} steps x {args.rounds} interleaved rounds, 1 BLAS thread each"
          + (", MPICH's CMA single copy on" if args.cma else "")
          + f"; DDP gradient_as_bucket_view={args.bucket_view}, all-reduce through "
          + ("MPI's messages" if args.mpi_messages else "shared memory (dist.empty_shared buckets)"))
    measured = {}
    configs = [("ddp", "2 ranks, DDP + SGD" + (" (gradient_as_bucket_view=True)" if args.bucket_view else
                                                  " (DDP's defaults: gradient_as_bucket_view=False)"))]
    if args.bucket_view:
        configs.append(("default", "2 ranks, DDP with its defaults (gradient_as_bucket_view=False: .grad not in the "
                                   "buckets) + SGD"))
    if args.zero in ("both", "zero"):
        configs.append(("zero", "2 ranks, DDP + ZeroRedundancyOptimizer(SGD, parameters_as_bucket_view=True)"))
    if args.zero in ("both", "shard"):
        configs.append(("shard", "2 ranks, DDP + ZeroRedundancyOptimizer(SGD, parameters_as_bucket_view=True) "
                                 "+ ddp.shard_gradients(opt)"))
    if args.ceiling:
        configs.append(("alone", "2 ranks without DDP (no communication; the ceiling of DDP + SGD)"))
    for name in args.models.split(","):
        rounds = {"one": []}
        idle, discarded = [], []
        for _ in range(3 * args.rounds):
            if len(rounds["one"]) == args.rounds:
                break
            if args.wait_idle:
                idle.append(wait_idle(args.wait_idle))
            this = {"one": run(name, 1, args)}
            for key, _ in configs:
                this[key] = run(name, 2, args, ddp=key != "alone", zero=key if key in ("zero", "shard") else None,
                                bucket_view=False if key == "default" else None)
            worst = max(r["foreign"] for r in this.values())
            if worst > args.max_foreign:  # another job took CPU time during this round: measure it again
                discarded.append(worst)
                continue
            for key, result in this.items():
                rounds.setdefault(key, []).append(result)
        if not rounds["one"]:
            print(f"\n{MODELS[name]}: no round without other jobs (other processes took "
                  f"{', '.join(f'{d:.0%}' for d in discarded)} of the CPUs); try again on a quieter machine, "
                  "or raise --max-foreign")
            continue
        med = {w: {k: statistics.median(r[k] for r in rounds[w]) for k in rounds[w][0]} for w in rounds}
        one, two = med["one"], med["ddp"]
        print(f"\n{MODELS[name]}: {one['grad_bytes'] / 1e6:.2f} MB of gradients, {two['buckets']:.0f} buckets")
        print(f"  1 process, SGD: {one['samples_per_s']:6.0f} samples/s, step {1e3 * one['step']:6.1f} ms "
              f"(forward {1e3 * one['forward']:.1f}, backward {1e3 * one['backward']:.1f}, "
              f"optimizer {1e3 * one['optimizer']:.1f}), CPU {1e3 * one['cpu_step']:.1f} ms")
        idle_text = "; CPUs idle before each round: " + ", ".join(f"{i:.0%}" for i in idle) if idle else ""
        for key, label in configs:
            m = med[key]
            ratios = [b["samples_per_s"] / a["samples_per_s"] for a, b in zip(rounds["one"], rounds[key])]
            print(f"  {label}: {m['samples_per_s']:6.0f} samples/s, step {1e3 * m['step']:6.1f} ms "
                  f"(forward {1e3 * m['forward']:.1f}, backward {1e3 * m['backward']:.1f}, "
                  f"optimizer {1e3 * m['optimizer']:.1f})")
            print(f"    speed-up {statistics.median(ratios):.2f}x (rounds: {', '.join(f'{r:.2f}' for r in ratios)}"
                  f"{'; goal >= 1.7x' if key != 'alone' else ''}); from CPU time per step (each rank on a core of "
                  f"its own): {one['cpu_step'] / m['cpu_step']:.2f}x ({1e3 * one['cpu_step']:.1f} ms vs "
                  f"{1e3 * m['cpu_step']:.1f} ms, the busier rank)")
            if key != "alone" and m["allreduce_alone"]:
                overlapped = 1 - m["least_exposed"] / m["allreduce_alone"]
                print(f"    communication per step: {1e3 * m['allreduce_alone']:.2f} ms of all-reduce on its own; "
                      f"exposed after backward {1e3 * m['exposed']:.2f} ms = {100 * m['exposed'] / m['step']:.1f}% "
                      f"of the step (goal < 10%; median, with the other rank's lateness), "
                      f"{1e3 * m['least_exposed']:.2f} ms at least: {100 * max(overlapped, 0):.0f}% overlapped")
            if key == "default" or (key == "ddp" and not args.bucket_view):
                print(f"    buckets whose averages were copied into .grad: {m['copied_out']:.1f} of "
                      f"{m['buckets']:.0f} per step (the others' .grad views a spare bucket: no copy)")
        if idle_text:
            print("  " + idle_text[2:])
        print(f"  rounds kept: {len(rounds['one'])}; other processes' share of the CPUs during their runs: at most "
              f"{max(r['foreign'] for rs in rounds.values() for r in rs):.0%}"
              + (f"; rounds discarded and run again because other jobs took more than {args.max_foreign:.0%}: "
                 f"{len(discarded)} ({', '.join(f'{d:.0%}' for d in discarded)})" if discarded else ""))
        measured[name.upper()] = two
    fit = run("sizes", 2, args)
    print("\nall_reduce on 2 ranks (float32, blocking; wall / CPU ms): MPI's messages | shared memory")
    for b, t_mpi, c_mpi, t_shm, c_shm in fit["rows"]:
        size = f"{b / 1024:g} kB" if b < (1 << 20) else f"{b / 1e6:.2f} MB"
        print(f"  {size:>9}: {1e3 * t_mpi:7.3f} / {1e3 * c_mpi:7.3f} | {1e3 * t_shm:7.3f} / {1e3 * c_shm:7.3f}")
    print(f"  ring model fit (MPI): latency alpha {1e6 * fit['alpha']:.1f} us, "
          f"bandwidth beta {fit['beta'] / 1e9:.2f} GB/s")
    print(f"\nload average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print("\nExtrapolated (weak scaling, batch 256 per rank; see docs/distributed.md):\n" + extrapolate(measured))


if __name__ == "__main__":
    main()
