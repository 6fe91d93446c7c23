"""Instructions per step under callgrind: a measure that load and clock drift do not move.

    OPENBLAS_NUM_THREADS=1 python benchmarks/instructions.py w1 --steps 2000
    OPENBLAS_NUM_THREADS=1 python benchmarks/instructions.py mlp mlp-numpy --steps 100 --by-object
    python benchmarks/instructions.py w1 --bytecodes          # bytecodes a step, per function (no valgrind)

Needs valgrind (`apt-get install -y valgrind`) except for ``--bytecodes``. Each workload runs in
two child processes under ``valgrind --tool=callgrind``, one step then 0 more and one step then N
more, with ``PYTHONHASHSEED=0``; the difference divided by N is one step, without the start-up.
``--by-object`` splits it by the shared object the instructions ran in (the interpreter, numpy,
libc, BLAS). ``--bytecodes`` counts the bytecodes one step runs, per Python function, with
``sys.settrace`` (``f_trace_opcodes``). Workloads: W1 (``((a*b + c).tanh()).sum().backward()`` on
(4, 4)), the MLP step of mlp_step.py (784-256-128-10, batch 128, SGD) and its hand-written numpy
step in seegrad's order (mlp_phases.py's), micrograd's MLP step on the scalar engine.
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def workload(name):
    """The step function of ``name``, set up and run once (imports, first allocations)."""
    sys.path[:0] = [ROOT, HERE]
    if name == "w1":
        import autograd as ag

        ag.manual_seed(0)
        a, b, c = (ag.randn(4, 4, requires_grad=True) for _ in range(3))

        def step():
            ((a * b + c).tanh()).sum().backward()
    elif name in ("mlp", "mlp-numpy"):
        import nn.functional as F
        from mlp_phases import LR, SIZES, BATCH, numpy_phases
        from mlp_step import mlp_setup

        model, opt, x, y, x_np, y_np, params = mlp_setup(SIZES, BATCH, LR)

        def step():
            if name == "mlp":
                opt.zero_grad()
                F.cross_entropy(model(x), y).backward()
                opt.step()
            else:
                numpy_phases(params, x_np, y_np)
    elif name == "scalar":
        from sklearn.datasets import make_moons

        import autograd as ag
        from scalar_vs_micrograd import make_mlp, train_step

        X, y = make_moons(n_samples=100, noise=0.1, random_state=1)
        X, y = X.tolist(), (y * 2 - 1).tolist()
        mlp = make_mlp(ag.Value, [2, 16, 16, 1])

        def step():
            train_step(mlp, X, y)
    else:
        raise SystemExit(f"instructions.py: unknown workload {name!r}; choose w1, mlp, mlp-numpy or scalar")
    step()
    return step


def child(name, steps):
    step = workload(name)
    for _ in range(steps):
        step()


def callgrind(name, steps, out):
    """Run the child under callgrind; the instructions it collected."""
    env = dict(os.environ, PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS=os.environ.get("OPENBLAS_NUM_THREADS", "1"))
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, __file__,
           "--child", name, str(steps)]
    log = subprocess.run(cmd, env=env, capture_output=True, text=True).stderr
    found = re.search(r"Collected : (\d+)", log)
    if not found:
        raise SystemExit(f"instructions.py: valgrind gave no count for {name}:\n{log[-2000:]}")
    return int(found.group(1))


def by_object(out):
    """Instructions per shared object, from callgrind_annotate's exclusive listing (code the
    interpreter inlined from its headers is listed without an object: counted as libpython)."""
    text = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=100", out],
                          capture_output=True, text=True).stdout
    counts = collections.Counter()
    for line in text.splitlines():
        found = re.match(r"\s*([\d,]+)\s+\([^)]*\)\s+(\S.*)", line)
        if not found or ":" not in found.group(2) or "PROGRAM TOTALS" in line:
            continue
        where = found.group(2)
        obj = re.search(r"\[([^\]]*)\]\s*$", where)
        key = obj.group(1).rsplit("/", 1)[-1] if obj else "libpython" if "/Python-" in where else "other"
        if key.startswith("libpython"):
            key = "libpython"
        counts[key] += int(found.group(1).replace(",", ""))
    return counts


def bytecodes(name):
    """Bytecodes one step runs, per function (after warm-up steps)."""
    step = workload(name)
    for _ in range(5):
        step()
    counts = collections.Counter()

    def tracer(frame, event, arg):
        frame.f_trace_opcodes = True
        if event == "opcode":
            counts[f"{frame.f_code.co_name} ({os.path.basename(frame.f_code.co_filename)})"] += 1
        return tracer

    sys.settrace(tracer)
    step()
    sys.settrace(None)
    print(f"{name}: {sum(counts.values()):,} bytecodes a step")
    for key, n in counts.most_common(25):
        print(f"  {n:7,}  {key}")


def main():
    if sys.argv[1:2] == ["--child"]:
        return child(sys.argv[2], int(sys.argv[3]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="+", choices=["w1", "mlp", "mlp-numpy", "scalar"])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--by-object", action="store_true")
    parser.add_argument("--bytecodes", action="store_true")
    args = parser.parse_args()
    for name in args.workloads:
        if args.bytecodes:
            bytecodes(name)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            base, full = os.path.join(tmp, "base"), os.path.join(tmp, "full")
            a, b = callgrind(name, 0, base), callgrind(name, args.steps, full)
            print(f"{name}: {(b - a) / args.steps:,.0f} instructions a step ({args.steps} steps)")
            if args.by_object:
                before, after = by_object(base), by_object(full)
                for obj in sorted(after, key=lambda o: before[o] - after[o])[:8]:
                    print(f"  {(after[obj] - before[obj]) / args.steps:12,.0f}  {obj}")


if __name__ == "__main__":
    main()
