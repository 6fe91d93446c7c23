"""LSTM forward + backward: nn.LSTM (fused layer) and a loop of nn.LSTMCell vs torch.nn.LSTM on the CPU.

    python benchmarks/lstm_bench.py                 # 64 steps, batch 32, input 32, hidden 128
    python benchmarks/lstm_bench.py --steps 128 --hidden 256 --repeat 20

Runs with 1 thread and with the default thread count (numpy's BLAS through threadpoolctl,
torch through torch.set_num_threads), the same for both, and prints median times and ratios.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import autograd as ag  # noqa: E402
import nn  # noqa: E402


def median_times(fns, repeat):
    """Median seconds of each fn, run in turn (interleaved, so a busy machine slows all alike)."""
    for fn in fns:
        fn()  # warm up
    times = [[] for _ in fns]
    for _ in range(repeat):
        for fn, ts in zip(fns, times):
            start = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - start)
    return [float(np.median(ts)) for ts in times]


def ours_fused(lstm, x):
    def step():
        lstm.zero_grad()
        out, (h, c) = lstm(x)
        (out.sum() + c.sum()).backward()
    return step


def ours_cells(cell, x):
    def step():
        cell.zero_grad()
        state, outs = None, []
        for t in range(x.shape[0]):
            state = cell(x[t], state)
            outs.append(state[0])
        (ag.stack(outs).sum() + state[1].sum()).backward()
    return step


def theirs(torch, lstm, x):
    def step():
        lstm.zero_grad()
        out, (h, c) = lstm(x)
        (out.sum() + c.sum()).backward()
    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--input", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--no-cells", action="store_true", help="skip the (slow) unrolled-cells row")
    args = parser.parse_args()

    ag.manual_seed(0)
    lstm = nn.LSTM(args.input, args.hidden)
    cell = nn.LSTMCell(args.input, args.hidden)
    cell.load_state_dict({k[:-3]: v for k, v in lstm.state_dict().items()})
    x_np = np.random.default_rng(0).standard_normal((args.steps, args.batch, args.input)).astype(np.float32)
    x = ag.tensor(x_np)
    try:
        import torch
    except ImportError:
        torch = None
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None

    print(f"LSTM({args.input}, {args.hidden}) over {args.steps} steps, batch {args.batch}, float32, "
          f"forward + backward, median of {args.repeat}")
    if torch is not None:
        t_lstm = torch.nn.LSTM(args.input, args.hidden)
        with torch.no_grad():
            for name, p in t_lstm.named_parameters():
                p.copy_(torch.from_numpy(getattr(lstm, name).detach().numpy()))
        t_x = torch.from_numpy(x_np)
        default_threads = torch.get_num_threads()
    else:
        default_threads = os.cpu_count()
    for threads in sorted({1, default_threads}):
        if threadpool_limits is not None:
            limit = threadpool_limits(limits=threads)
        elif threads != default_threads:
            print("  (threadpoolctl missing: numpy keeps its default thread count)")
        if torch is not None:
            torch.set_num_threads(threads)
        fns = [ours_fused(lstm, x)] + ([theirs(torch, t_lstm, t_x)] if torch is not None else [])
        ours_t, *torch_t = median_times(fns, args.repeat)
        line = f"threads={threads}: nn.LSTM {ours_t * 1e3:8.2f} ms"
        if not args.no_cells:
            (cells_t,) = median_times([ours_cells(cell, x)], max(3, args.repeat // 5))
            line += f" | LSTMCell loop {cells_t * 1e3:8.2f} ms"
        if torch_t:
            torch_t = torch_t[0]
            line += f" | torch.nn.LSTM {torch_t * 1e3:8.2f} ms | nn.LSTM / torch = {ours_t / torch_t:.2f}x"
            if not args.no_cells:
                line += f", cells / torch = {cells_t / torch_t:.1f}x"
        print(line)
        if threadpool_limits is not None:
            limit.unregister()


if __name__ == "__main__":
    main()
