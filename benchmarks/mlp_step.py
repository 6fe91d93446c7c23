"""An MLP training step (forward, cross-entropy, backward, SGD) against hand-written numpy.

    python benchmarks/mlp_step.py            # 784-256-128-10, batch 128 and 784-1024-1024-10, batch 512

The hand-written numpy step is the floor for a numpy engine; PyTorch CPU is shown
when installed. Peak memory is what one step allocates beyond what exists before it.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _harness import interleaved, peak_bytes, run_thread_settings, torch_or_none  # noqa: E402

CONFIGS = [((784, 256, 128, 10), 128, "goal <= 1.05x time (issue 14), <= 1.3x memory"),
           ((784, 1024, 1024, 10), 512, "goal <= 1.05x time")]


def numpy_step(params, x, y, lr):
    """Hand-written forward/backward/SGD for Linear-ReLU-...-Linear + softmax cross-entropy."""
    import numpy as np

    acts = [x]
    for i, (w, b) in enumerate(params):
        z = acts[-1] @ w.T + b
        acts.append(np.maximum(z, 0) if i < len(params) - 1 else z)
    logits = acts[-1]
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    grad = probs
    grad[np.arange(len(y)), y] -= 1
    grad /= len(y)
    for i in reversed(range(len(params))):
        w, b = params[i]
        gw, gb = grad.T @ acts[i], grad.sum(axis=0)
        if i:
            grad = (grad @ w) * (acts[i] > 0)
        w -= lr * gw
        b -= lr * gb


def mlp_setup(sizes, batch, lr):
    """The benchmark's Linear-ReLU-...-Linear model (seed 0) with SGD, a batch of random data, and
    numpy copies of the weights for the hand-written step: (model, opt, x, y, x_np, y_np, params)."""
    import numpy as np

    import autograd as ag
    import nn
    import optim

    ag.manual_seed(0)
    layers = []
    for i in range(len(sizes) - 1):
        layers += [nn.Linear(sizes[i], sizes[i + 1]), nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    opt = optim.SGD(model.parameters(), lr=lr)
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y_np = rng.integers(0, sizes[-1], batch)
    params = [(m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy())
              for m in model if isinstance(m, nn.Linear)]
    return model, opt, ag.tensor(x_np), ag.tensor(y_np), x_np, y_np, params


def main():
    import nn.functional as F

    threads = os.environ.get("BENCH_THREADS")
    torch = torch_or_none(threads)
    for sizes, batch, goal in CONFIGS:
        model, opt, x, y, x_np, y_np, params = mlp_setup(sizes, batch, 0.01)

        def ours():
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()

        candidates = {"seegrad": ours, "numpy": lambda: numpy_step(params, x_np, y_np, 0.01)}
        if torch is not None:
            tlayers = []
            for i in range(len(sizes) - 1):
                tlayers += [torch.nn.Linear(sizes[i], sizes[i + 1]), torch.nn.ReLU()]
            tmodel = torch.nn.Sequential(*tlayers[:-1])
            topt = torch.optim.SGD(tmodel.parameters(), lr=0.01)
            tx, ty = torch.from_numpy(x_np), torch.from_numpy(y_np)

            def pytorch():
                topt.zero_grad()
                torch.nn.functional.cross_entropy(tmodel(tx), ty).backward()
                topt.step()

            candidates["pytorch"] = pytorch
        t = interleaved(candidates, rounds=5)
        name = "-".join(map(str, sizes)) + f", batch {batch}"
        print(f"{name}: " + ", ".join(f"{k} {v * 1e3:.2f} ms" for k, v in t.items()))
        line = f"  time   seegrad / numpy = {t['seegrad'] / t['numpy']:.2f}x"
        if "pytorch" in t:
            line += f"   pytorch / numpy = {t['pytorch'] / t['numpy']:.2f}x"
        print(line + f"   ({goal})")
        mem_ours, mem_np = peak_bytes(ours), peak_bytes(lambda: numpy_step(params, x_np, y_np, 0.01))
        print(f"  memory seegrad {mem_ours / 2**20:.1f} MiB, numpy {mem_np / 2**20:.1f} MiB: "
              f"{mem_ours / mem_np:.2f}x")


if __name__ == "__main__":
    main() if "--child" in sys.argv else run_thread_settings(__file__)
