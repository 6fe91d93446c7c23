"""Load test for seegrad.serving: a real server on 127.0.0.1, concurrent clients, bad requests mixed in.

    python benchmarks/load_test.py                       # ONNX backend, 2000 requests, 16 at a time
    python benchmarks/load_test.py --backend seegrad --requests 1000 --concurrency 8
    python benchmarks/load_test.py --backend both --duration 30

What it does: builds an MLP (40 -> 256 -> 256 -> 10, the size of an MNIST-1D model), saves its
weights with nn.save and exports it with seegrad.export.export_onnx, starts ``python -m seegrad.serving`` on a free
port of 127.0.0.1 (loopback only), then sends ``--requests`` POST /invocations from
``--concurrency`` asyncio workers (httpx), stopping early at ``--duration`` seconds. One request in
``--bad-every`` is bad (malformed JSON, wrong feature count, a NaN, an empty batch, a string, an
oversized body, CSV cells like ``1_0`` or Arabic-Indic digits, inputs of 3e38 that overflow the
model); each must get its 4xx (500 for the overflow), as JSON with ``error`` and ``expected``.
Every good answer is compared with the framework's own output for that batch. Reports throughput
and p50/p99 latency, and the same batches run in-process by the same backend (no HTTP) as the
reference. Exits 1 if any request was lost or answered wrongly.
"""
import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import autograd as ag  # noqa: E402
import nn  # noqa: E402
import seegrad  # noqa: E402
from seegrad import serving  # noqa: E402
from seegrad.export import export_onnx  # noqa: E402

IN_FEATURES, HIDDEN, CLASSES = 40, (256, 256), 10
MAX_BODY = 256 * 1024


def build_model():
    """The model definition the seegrad backend imports (--model-def load_test:build_model)."""
    return seegrad.models.mlp(IN_FEATURES, HIDDEN, CLASSES)


def bad_requests():
    """(name, body, content type, expected status) for each kind of bad request."""
    row = ",".join(["0.5"] * IN_FEATURES)
    return [
        ("malformed", b'{"instances": [[1, 2', "application/json", 400),
        ("wrong features", json.dumps({"instances": [[0.1] * (IN_FEATURES - 1)]}).encode(), "application/json", 400),
        ("nan", ('{"instances": [[' + ", ".join(["NaN"] + ["0"] * (IN_FEATURES - 1)) + "]]}").encode(),
         "application/json", 400),
        ("empty", b'{"instances": []}', "application/json", 400),
        ("string", json.dumps({"instances": [["a"] * IN_FEATURES]}).encode(), "application/json", 400),
        ("csv header", ("h" + row[3:] + "\n" + row + "\n").encode(), "text/csv", 400),
        ("oversized", json.dumps({"instances": [[0.123456789] * IN_FEATURES] * 800}).encode(),
         "application/json", 413),
        ("csv 1_0", ("1_0" + row[3:] + "\n").encode(), "text/csv", 400),
        ("csv arabic-indic", ("\u0661" + row[3:] + "\n").encode(), "text/csv", 400),
        ("overflow", json.dumps({"instances": [[3e38] * IN_FEATURES]}).encode(), "application/json", 500),
    ]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(args_model, port):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([ROOT, os.path.dirname(os.path.abspath(__file__)), env.get("PYTHONPATH", "")])
    cmd = [sys.executable, "-m", "seegrad.serving", *args_model, "--host", "127.0.0.1", "--port", str(port),
           "--max-body-bytes", str(MAX_BODY), "--no-access-log", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {proc.stderr.read()}")
        try:
            with urllib.request.urlopen(url + "/ping", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise TimeoutError("the server did not answer /ping within 60 s")


def cpu_seconds(pid):
    """User + system CPU time of a process (Linux /proc; None elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def stop_server(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


async def run_load(url, jobs, concurrency, duration, timeout):
    import httpx

    results = [None] * len(jobs)
    next_job = iter(range(len(jobs)))
    t_stop = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(client):
        for i in next_job:
            if time.perf_counter() > t_stop:
                return
            kind, body, ctype, want = jobs[i]
            t0 = time.perf_counter()
            try:
                r = await client.post(url + "/invocations", content=body, headers={"Content-Type": ctype})
                results[i] = (kind, r.status_code, r.content, time.perf_counter() - t0)
            except Exception as err:  # a lost request: counted, never hidden
                results[i] = (kind, None, repr(err).encode(), time.perf_counter() - t0)

    async with httpx.AsyncClient(timeout=timeout, limits=limits) as client:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    return results, elapsed


def check(jobs, expected, results, atol):
    """Count lost and wrong answers; return latencies of the good requests."""
    lost, wrong, good_lat, bad_lat, rows = [], [], [], [], 0
    for i, res in enumerate(results):
        if res is None:
            continue  # not sent: the time bound stopped the run first
        kind, status, content, latency = res
        want = jobs[i][3]
        if status is None:
            lost.append((i, kind, content[:200]))
            continue
        if kind != "good":
            answer = json.loads(content)
            ok = status == want and "error" in answer and "expected" in answer
            (bad_lat if ok else wrong).append(latency if ok else (i, kind, status, content[:200]))
            continue
        if status != 200:
            wrong.append((i, kind, status, content[:200]))
            continue
        got = np.asarray(json.loads(content)["outputs"], np.float32)
        if got.shape != expected[i].shape or not np.allclose(got, expected[i], rtol=1e-5, atol=atol):
            wrong.append((i, kind, status, "outputs differ from the framework's"))
            continue
        good_lat.append(latency)
        rows += len(expected[i])
    return lost, wrong, np.asarray(good_lat), np.asarray(bad_lat), rows


def one_backend(backend, folder, args, rng):
    model_args = ["--model", os.path.join(folder, "model.onnx")] if backend == "onnx" else \
        ["--model", os.path.join(folder, "model.npz"), "--model-def", "load_test:build_model"]
    model = build_model()
    model.load_state_dict(nn.load(os.path.join(folder, "model.npz")))
    model.eval()
    bad = bad_requests()
    jobs, expected = [], []
    for i in range(args.requests):
        if args.bad_every and i % args.bad_every == args.bad_every - 1:
            kind, body, ctype, want = bad[(i // args.bad_every) % len(bad)]
            jobs.append((kind, body, ctype, want))
            expected.append(None)
            continue
        x = rng.standard_normal((int(rng.integers(1, args.max_batch + 1)), IN_FEATURES)).astype(np.float32)
        with ag.no_grad():
            expected.append(model(ag.from_numpy(x)).numpy())
        jobs.append(("good", json.dumps({"instances": x.tolist()}).encode(), "application/json", 200))
    batches = [np.asarray(json.loads(b)["instances"], np.float32) for k, b, _, _ in jobs if k == "good"]

    # the reference: the same batches through the same backend in this process, no HTTP
    predictor = serving.load_predictor(model_args[1],
                                       model_def=None if backend == "onnx" else "load_test:build_model")
    t0 = time.perf_counter()
    for x in batches:
        predictor.predict(x)
    in_process = time.perf_counter() - t0

    proc, url = start_server(model_args, free_port())
    try:
        cpu_before = cpu_seconds(proc.pid)
        results, elapsed = asyncio.run(run_load(url, jobs, args.concurrency, args.duration, args.timeout))
        cpu_after = cpu_seconds(proc.pid)
        still_up = urllib.request.urlopen(url + "/ping", timeout=5).status == 200
    finally:
        stop_server(proc)
    atol = 1e-5 if backend == "onnx" else 0.0
    lost, wrong, good_lat, bad_lat, rows = check(jobs, expected, results, atol)
    sent = sum(r is not None for r in results)
    print(f"\n[{backend}] {sent} requests sent in {elapsed:.2f}s with {args.concurrency} concurrent clients "
          f"({len(good_lat)} good answered correctly, {len(bad_lat)} bad refused with the right 4xx)")
    if len(good_lat):
        print(f"  throughput: {sent / elapsed:.0f} requests/s, {rows / elapsed:.0f} rows/s")
        print(f"  latency of good requests: p50 {1e3 * np.percentile(good_lat, 50):.1f} ms, "
              f"p99 {1e3 * np.percentile(good_lat, 99):.1f} ms, max {1e3 * good_lat.max():.1f} ms")
        if cpu_before is not None and cpu_after is not None:
            print(f"  server CPU time per request: {1e3 * (cpu_after - cpu_before) / max(sent, 1):.2f} ms "
                  f"(at most {max(sent, 1) / max(cpu_after - cpu_before, 1e-9):.0f} requests/s per core)")
        print(f"  in-process reference ({backend}, same {len(batches)} batches, no HTTP, one thread): "
              f"{1e3 * in_process / len(batches):.2f} ms per batch; "
              f"served/in-process time per request: {elapsed / max(sent, 1) / (in_process / len(batches)):.1f}x")
    print(f"  lost: {len(lost)}, wrong: {len(wrong)}, server still answering /ping: {still_up}")
    for item in (lost + wrong)[:5]:
        print("   ", item)
    return not lost and not wrong and still_up and sent > 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--backend", choices=["onnx", "seegrad", "both"], default="onnx")
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--duration", type=float, default=60.0, help="stop sending after this many seconds")
    p.add_argument("--max-batch", type=int, default=32, help="good requests carry 1..max-batch rows")
    p.add_argument("--bad-every", type=int, default=10, help="one request in N is bad (0: none)")
    p.add_argument("--timeout", type=float, default=30.0, help="per-request timeout in seconds")
    args = p.parse_args(argv)
    capped = serving.limit_blas_threads(1)  # as the server does by default (--blas-threads 1)
    print(f"BLAS threads capped at 1 (threadpoolctl): {capped}; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}")
    ag.manual_seed(0)
    rng = np.random.default_rng(0)
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        model = build_model()
        nn.save(model.state_dict(), os.path.join(folder, "model.npz"))
        export_onnx(model, ag.randn(2, IN_FEATURES), os.path.join(folder, "model.onnx"))
        for backend in (["onnx", "seegrad"] if args.backend == "both" else [args.backend]):
            ok = one_backend(backend, folder, args, rng) and ok
    print("\nOK: no request lost or answered wrongly" if ok else "\nFAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
