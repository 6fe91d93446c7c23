"""LSTM forward + backward: nn.LSTM (fused layer) and a loop of nn.LSTMCell vs torch.nn.LSTM on the CPU.

    python benchmarks/lstm_bench.py                 # 64 steps, batch 32, input 32, hidden 128
    python benchmarks/lstm_bench.py --steps 128 --hidden 256 --repeat 20

Runs with 1 thread and with the default thread count (numpy's BLAS through threadpoolctl,
torch through torch.set_num_threads), the same for both, and prints median times and ratios.

It also times the floor: the BLAS calls the fused layer makes, alone (same shapes, same
layouts, weights on a 64-byte boundary as the layer's, preallocated outputs): one
[h_{t-1} | x_t | 1] @ [W_hh | W_ih | b]^T per step forward (the input projection rides in the
step's matmul), one dz @ W_hh per step back, and after every 16 steps back one matmul for those
steps' part of dW_hh, dW_ih and the biases. Everything nn.LSTM spends above it is gate
arithmetic, Python per time step, memory traffic and the autograd walk (``--breakdown`` splits
the step so). The three (floor, nn.LSTM, torch.nn.LSTM) run interleaved in one process, so the
ratios survive a busy machine.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import autograd as ag  # noqa: E402
import nn  # noqa: E402


def median_times(fns, repeat, best=False):
    """Median (or with ``best``, the fastest) seconds of each fn, run in turn (interleaved, so a
    busy machine slows all alike; its fastest rounds are the ones least disturbed)."""
    for fn in fns:
        fn()  # warm up
    times = [[] for _ in fns]
    for _ in range(repeat):
        for fn, ts in zip(fns, times):
            start = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - start)
    return [float(min(ts) if best else np.median(ts)) for ts in times]


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


def blas_floor(steps, batch, input_size, hidden, dtype=np.float32, needs_dx=False):
    """The matmuls of one nn.LSTM forward + backward (autograd/ops/recurrent.py, LSTMLayer), alone
    (dx only with ``needs_dx``: the benchmark's input needs no gradient, so the layer skips it).

    Shapes and layouts are the layer's: each step multiplies its row [h_{t-1} | x_t | 1] (N, H+I+1)
    by the gate-major weights (4, H+I+1, H) (W_hh, W_ih and the biases stacked, one matrix per
    gate) into that step's (4, N, H) gates; back, dz_t (4, N, H) @ W_hh (4, H, H) per step, and
    after every CHUNK steps one matmul gives those steps' part of dW_hh, dW_ih and the biases.
    The weights (the right operands) start on a 64-byte boundary, as the layer's do (see
    autograd.backend.empty_aligned: OpenBLAS reads them faster so)."""
    from autograd.backend import empty_aligned
    from autograd.ops.recurrent import CHUNK

    rng = np.random.default_rng(0)
    L, N, I, H = steps, batch, input_size, hidden
    K, T = H + I + 1, min(CHUNK, steps)

    def rand(*shape):
        return rng.standard_normal(shape).astype(dtype)

    def aligned(*shape):
        a = empty_aligned(np, shape, dtype)
        a[...] = rand(*shape)
        return a

    xh, w, w_hh, w_ih = rand(L + 1, N, K), aligned(4, K, H), aligned(4, H, H), aligned(4, H, I)
    gates, dz = rand(L, 4, N, H), rand(4, T, N, H)  # the layer's layouts: time-major gates, a chunk's dz
    dh4, dx, dw = rand(4, N, H), rand(4, T * N, I), rand(4, H, K)

    def run():
        for t in range(L):
            np.matmul(xh[t], w, out=gates[t])  # [h_{t-1} | x_t | 1] W^T, one matrix per gate
        for t in range(L - 1, -1, -1):
            np.matmul(dz[:, t % T], w_hh, out=dh4)  # dz_t W_hh: what h_{t-1} sent, per gate
            if t % T == 0:  # a chunk of steps done: its part of the weight gradients
                n = min(T, L - t)
                flat = dz[:, :n].reshape(4, n * N, H)
                if needs_dx:
                    np.matmul(flat, w_ih, out=dx[:, :n * N])
                np.matmul(flat.transpose(0, 2, 1), xh[t:t + n].reshape(n * N, K), out=dw)
    return run


def breakdown(step, rounds):
    """The fastest of ``rounds`` steps, split: LSTMLayer's forward and backward, the matmuls inside
    each, the rest of each (gate arithmetic, Python per time step, memory traffic), and what is
    outside the layer (the module, the sums, the autograd walk). The timers add ~0.3 us a call."""
    from autograd.ops.recurrent import LSTMLayer

    matmul, methods = np.matmul, {name: LSTMLayer.__dict__[name] for name in ("forward", "backward")}
    spent, phase = {}, ["outside"]

    def timed_matmul(*args, **kwargs):
        start = time.perf_counter()
        try:
            return matmul(*args, **kwargs)
        finally:
            key = phase[0] + " matmul"
            spent[key] = spent.get(key, 0.0) + time.perf_counter() - start

    def timed(name):
        def method(*args, **kwargs):
            phase[0], start = name, time.perf_counter()
            try:
                return methods[name](*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - start
                phase[0] = "outside"
        return method

    best = None
    np.matmul = timed_matmul  # LSTMLayer looks numpy's matmul up at each call (xp.matmul)
    for name in methods:
        setattr(LSTMLayer, name, timed(name))
    try:
        for _ in range(rounds):
            spent.clear()
            start = time.perf_counter()
            step()
            whole = time.perf_counter() - start
            if best is None or whole < best[0]:
                best = whole, dict(spent)
    finally:
        np.matmul = matmul
        for name, method in methods.items():
            setattr(LSTMLayer, name, method)
    whole, t = best
    parts = [(name, t[name], t.get(name + " matmul", 0.0)) for name in methods]
    print(f"where nn.LSTM's step goes (fastest of {rounds}, timers on: {whole * 1e3:.2f} ms):")
    for name, total, mm in parts:
        print(f"  LSTMLayer.{name:<9} {total * 1e3:6.2f} ms = matmuls {mm * 1e3:5.2f} + the rest {(total - mm) * 1e3:5.2f}")
    print(f"  outside the layer  {(whole - sum(total for _, total, _ in parts)) * 1e3:6.2f} ms")


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
    parser.add_argument("--breakdown", action="store_true", help="then time the parts of nn.LSTM's step")
    parser.add_argument("--best", action="store_true", help="report the fastest round of each, not the median")
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
          f"forward + backward, {'fastest' if args.best else 'median'} of {args.repeat}")
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
        floor = blas_floor(args.steps, args.batch, args.input, args.hidden)
        fns = [floor, ours_fused(lstm, x)] + ([theirs(torch, t_lstm, t_x)] if torch is not None else [])
        floor_t, ours_t, *torch_t = median_times(fns, args.repeat, args.best)
        line = (f"threads={threads}: BLAS floor {floor_t * 1e3:7.2f} ms | nn.LSTM {ours_t * 1e3:7.2f} ms "
                f"= {ours_t / floor_t:.2f}x floor")
        if not args.no_cells:
            (cells_t,) = median_times([ours_cells(cell, x)], max(3, args.repeat // 5))
            line += f" | LSTMCell loop {cells_t * 1e3:8.2f} ms"
        if torch_t:
            torch_t = torch_t[0]
            line += (f" | torch.nn.LSTM {torch_t * 1e3:7.2f} ms | nn.LSTM / torch = {ours_t / torch_t:.2f}x, "
                     f"floor / torch = {floor_t / torch_t:.2f}x")
            if not args.no_cells:
                line += f", cells / torch = {cells_t / torch_t:.1f}x"
        print(line)
        if args.breakdown:
            breakdown(ours_fused(lstm, x), args.repeat)
        if threadpool_limits is not None:
            limit.unregister()


if __name__ == "__main__":
    main()
