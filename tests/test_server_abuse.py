"""seegrad-serve under abuse, on 127.0.0.1 only: slow clients, floods, bad bodies, bad models, big bodies.

A real server (``python -m seegrad.serving``) with short limits: headers within 1 s, bodies within
3 s, 4 requests at once. Every test is bounded in time; the clients are plain sockets (asyncio), so
what is measured is what the server does, not what an HTTP library retries.
"""
import asyncio
import functools
import json
import os
import socket
import subprocess
import sys
import time
import tracemalloc

import numpy as np
import pytest

import autograd as ag
import nn
from seegrad import serving
from server_helpers import ROOT, free_port, server_env, stop_server, wait_for_ping

pytest.importorskip("starlette")  # the server's extra (serve); without it there is nothing to abuse
pytest.importorskip("uvicorn")

HEADER_TIMEOUT, BODY_TIMEOUT, CAP = 1.0, 3.0, 4
SLACK = 2.5  # seconds a busy 2-core machine may add before a deadline's close is seen
MiB = 1024 * 1024


def linear_4_2():
    """The served model (--model-def test_server_abuse:linear_4_2): y = x @ W.T, W all ones."""
    return nn.Linear(4, 2, bias=False)


def start_server(model, *flags):
    """(process, port) of a server on a free port of 127.0.0.1, once /ping answers."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "seegrad.serving", "--model", str(model),
                             "--model-def", "test_server_abuse:linear_4_2", "--host", "127.0.0.1",
                             "--port", str(port), "--no-access-log", "--log-level", "error", *flags],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=server_env(), cwd=ROOT)
    try:
        wait_for_ping(f"http://127.0.0.1:{port}", proc)
    except Exception:
        stop_server(proc)
        raise
    return proc, port


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    path = tmp_path_factory.mktemp("abuse") / "ones.npz"
    model = linear_4_2()
    with ag.no_grad():
        model.weight.fill_(1.0)
    nn.save(model.state_dict(), path)
    return path


@pytest.fixture(scope="module")
def server(weights):
    proc, port = start_server(weights, "--header-timeout", str(HEADER_TIMEOUT), "--body-timeout",
                              str(BODY_TIMEOUT), "--max-concurrent-requests", str(CAP))
    yield port
    stop_server(proc)


# --------------------------------------------------------------------------- raw HTTP clients


def request_bytes(body, content_type="application/json", path="/invocations", extra=""):
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n{extra}\r\n")
    return head.encode() + body


def parse_answer(raw):
    """(status, headers dict, body) of one raw HTTP/1.1 answer."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    headers = {k.lower(): v for k, v in headers.items()}
    return int(lines[0].split()[1]), headers, body[:int(headers.get("content-length", len(body)))]


async def exchange(port, data, timeout=20.0):
    """Send ``data``, read the answer and return (status, headers, JSON body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        raw = await asyncio.wait_for(_read_answer(reader), timeout)
    finally:
        writer.close()
    status, headers, body = parse_answer(raw)
    return status, headers, json.loads(body)


async def _read_answer(reader):
    raw = await reader.readuntil(b"\r\n\r\n")
    length = int(parse_answer(raw)[1].get("content-length", 0))
    return raw + await reader.readexactly(length)


async def trickle(port, first, drip=b"x", every=0.2, limit=20.0):
    """Send ``first``, then one ``drip`` every ``every`` s until the server closes the connection.
    Returns (seconds until closed, what the server sent)."""
    t0 = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)

    async def drip_loop():
        writer.write(first)
        while True:
            await asyncio.sleep(every)
            writer.write(drip)
            await writer.drain()

    dripping = asyncio.ensure_future(drip_loop())
    received = b""
    try:
        while time.monotonic() - t0 < limit:
            chunk = await asyncio.wait_for(reader.read(65536), limit)
            if not chunk:
                break
            received += chunk
    except (ConnectionError, asyncio.TimeoutError):
        pass
    finally:
        dripping.cancel()
        writer.close()
    return time.monotonic() - t0, received


async def normal_requests(port, seconds, every=0.1):
    """Good requests one after another for ``seconds``: their statuses."""
    statuses, t0 = [], time.monotonic()
    body = json.dumps({"instances": [[1, 2, 3, 4]]}).encode()
    while time.monotonic() - t0 < seconds:
        status, _, answer = await exchange(port, request_bytes(body))
        statuses.append(status)
        assert status != 200 or answer["outputs"] == [[10.0, 10.0]]
        await asyncio.sleep(every)
    return statuses


# --------------------------------------------------------------------------- slow clients


@pytest.mark.slow
def test_slow_header_clients_are_closed_while_others_are_answered(server):
    async def main():
        partial = b"POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
        slow = [trickle(server, partial) for _ in range(40)]  # a header byte every 0.2 s, forever
        idle = [trickle(server, b"", drip=b"", every=0.5) for _ in range(10)]  # connect, send nothing
        return await asyncio.gather(asyncio.gather(*slow), asyncio.gather(*idle),
                                    normal_requests(server, HEADER_TIMEOUT + 1.0))

    slow, idle, statuses = asyncio.run(main())
    assert statuses and set(statuses) == {200}, statuses
    for seconds, received in slow:
        assert seconds < HEADER_TIMEOUT + SLACK, f"a slow-header client was held {seconds:.1f} s"
        status, headers, body = parse_answer(received)
        assert status == 408 and headers["connection"] == "close"
        assert "headers did not arrive within 1 s" in json.loads(body)["error"]
        assert "expected" in json.loads(body)
    for seconds, received in idle:
        assert seconds < HEADER_TIMEOUT + SLACK and received == b""


@pytest.mark.slow
def test_slow_body_clients_get_408_and_are_closed_while_others_are_answered(server):
    async def main():
        head = request_bytes(b"x" * 1000)[:-1000] + b'{"instances": [[1, 2'
        slow = [trickle(server, head, drip=b" ", every=0.3) for _ in range(CAP - 1)]
        return await asyncio.gather(asyncio.gather(*slow), normal_requests(server, BODY_TIMEOUT + 0.5))

    slow, statuses = asyncio.run(main())
    assert statuses and set(statuses) == {200}, statuses
    for seconds, received in slow:
        assert seconds < BODY_TIMEOUT + SLACK, f"a slow-body client was held {seconds:.1f} s"
        status, headers, body = parse_answer(received)
        assert status == 408 and headers["connection"] == "close"
        answer = json.loads(body)
        assert "did not arrive within 3 s" in answer["error"] and "4 numbers" in answer["expected"]


@pytest.mark.slow
def test_requests_over_the_cap_get_503_with_retry_after_and_the_rest_succeed(server):
    body = json.dumps({"instances": [[1, 2, 3, 4]]}).encode()

    async def main():
        held = []
        for _ in range(CAP):  # CAP requests in flight: headers sent, body not yet
            reader, writer = await asyncio.open_connection("127.0.0.1", server)
            writer.write(request_bytes(body)[:-5])
            await writer.drain()
            held.append((reader, writer))
        await asyncio.sleep(0.5)
        over = await asyncio.gather(*(exchange(server, request_bytes(body)) for _ in range(3)))
        for reader, writer in held:  # now the held ones finish their bodies
            writer.write(body[-5:])
        answers = [parse_answer(await asyncio.wait_for(_read_answer(r), 20)) for r, _ in held]
        for _, writer in held:
            writer.close()
        after = await exchange(server, request_bytes(body))
        return over, answers, after

    over, answers, after = asyncio.run(main())
    for status, headers, answer in over:
        assert status == 503 and headers["retry-after"] == "1"
        assert "--max-concurrent-requests 4" in answer["error"] and "expected" in answer
    for status, _, raw in answers:
        assert status == 200 and json.loads(raw)["outputs"] == [[10.0, 10.0]]
    assert after[0] == 200


@pytest.mark.slow
def test_a_client_that_does_not_read_its_answer_is_cut_off(server):
    """An answer of ~7 MB that the client never reads (its receive buffer fixed at 4 KB, so the
    kernel cannot take it all): the connection is aborted once the server's write has waited
    BODY_TIMEOUT, so only part of the answer ever leaves the server."""
    body = json.dumps({"instances": [[1, 2, 3, 4]] * 300_000}).encode()

    async def main():
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting: no autotuning
        sock.connect(("127.0.0.1", server))
        reader, writer = await asyncio.open_connection(sock=sock)
        writer.write(request_bytes(body))
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)  # the answer has begun
        await asyncio.sleep(BODY_TIMEOUT + SLACK)  # read nothing more meanwhile
        received = 0
        try:
            while chunk := await asyncio.wait_for(reader.read(1 << 20), 10):
                received += len(chunk)
        except ConnectionError:
            pass
        writer.close()
        return parse_answer(head)[:2], received

    (status, headers), received = asyncio.run(main())
    assert status == 200 and received < int(headers["content-length"]), (received, headers)


# --------------------------------------------------------------------------- bad bodies, bad models

BAD = [
    ("declared oversized", request_bytes(b"0" * (6 * MiB + 1)), 413, "over the limit of 6291456 bytes"),
    ("chunked oversized", b"POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n" + (b"10000\r\n" + b"0" * 0x10000 + b"\r\n") * 100 + b"0\r\n\r\n",
     413, "request body is over the limit of 6291456 bytes"),
    ("malformed JSON", request_bytes(b'{"instances": [[1, 2'), 400, "malformed JSON"),
    ("string number", request_bytes(b'{"instances": [["1", 2, 3, 4]]}'), 400, 'is "1", not a number'),
    ("csv underscore", request_bytes(b"1_0,2,3,4\n", "text/csv"), 400, "'1_0' is not a number"),
    ("csv arabic-indic", request_bytes("١,2,3,4\n".encode(), "text/csv"), 400, "is not a number"),
    ("csv fullwidth", request_bytes("１,2,3,4\n".encode(), "text/csv"), 400, "is not a number"),
    ("csv 200 KB cell", request_bytes(b"1,2,3," + b"5" * 200_000 + b"\n", "text/csv"), 400,
     "over the limit of 131072 bytes per cell"),
    ("overflowing input", request_bytes(b'{"instances": [[3e38, 3e38, 3e38, 3e38]]}'), 500,
     "output is not finite"),
    ("not HTTP", b"HELLO\r\n\r\n", 400, "invalid HTTP request"),
    ("1 MB header", request_bytes(b"[1,2,3,4]", extra="X-Big: " + "a" * 1_000_000 + "\r\n"), 400,
     "invalid HTTP request"),
    ("wrong path", request_bytes(b"[1,2,3,4]", path="/nope"), 404, "POST /nope"),
]


@pytest.mark.slow
@pytest.mark.parametrize("name, data, status, message", BAD, ids=[b[0] for b in BAD])
def test_bad_requests_get_json_errors_from_the_real_server(server, name, data, status, message):
    got, _, answer = asyncio.run(exchange(server, data))
    assert got == status and message in answer["error"], answer
    assert "4 numbers" in answer["expected"]
    assert asyncio.run(exchange(server, request_bytes(b"[[1, 2, 3, 4]]")))[0] == 200


def test_a_model_with_nan_weights_is_refused_at_start(tmp_path):
    model = linear_4_2()
    with ag.no_grad():
        model.weight.fill_(float("nan"))
    nn.save(model.state_dict(), tmp_path / "nan.npz")
    proc = subprocess.run([sys.executable, "-m", "seegrad.serving", "--model", str(tmp_path / "nan.npz"),
                           "--model-def", "test_server_abuse:linear_4_2", "--port", "1"],
                          capture_output=True, text=True, timeout=60, env=server_env(), cwd=ROOT)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "nan.npz" in lines[0] and "'weight' holds 8 of 8 values that are not finite" \
        in lines[0], proc.stderr


# --------------------------------------------------------------------------- memory


@functools.lru_cache(maxsize=1)
def big_bodies(target=6 * MiB):
    """A JSON and a CSV body just under ``target`` bytes: rows of 40 float32 numbers (200 rows over
    and over: building the text is not what is measured)."""
    rows = [[f"{v:.7g}" for v in row] for row in np.random.default_rng(0).standard_normal((200, 40))]
    json_rows = ", ".join("[" + ", ".join(row) + "]" for row in rows).encode()
    text = b'{"instances": [' + b", ".join([json_rows] * (target // len(json_rows) + 1))
    as_json = text[:text.rfind(b"], [", 0, target - 4) + 1] + b"]}"
    csv_rows = "".join(",".join(row) + "\n" for row in rows).encode() * (target // 40000)
    return as_json, csv_rows[:csv_rows.rfind(b"\n", 0, target) + 1]


@pytest.mark.slow
def test_parsing_a_big_body_costs_less_than_its_size():
    """The parser's peak (tracemalloc) beyond the body itself: 0.6x the body measured (json.loads
    and a list per row took 4.6x); the batch it returns is 0.36x (float32)."""
    for body, content_type in zip(big_bodies(), ("application/json", "text/csv")):
        tracemalloc.start()
        try:
            batch = serving.parse_request(body, content_type, (40,))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert batch.shape[1] == 40 and batch.dtype == np.float32
        assert peak < 0.8 * len(body), f"{content_type}: parsing took {peak / MiB:.1f} MiB for " \
                                         f"{len(body) / MiB:.1f} MiB"


def _rss_peak_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(f.read().split("VmHWM:")[1].split()[0]) / 1024


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads the server's peak RSS from /proc")
def test_eight_big_requests_at_once_cost_under_twice_their_size(tmp_path):
    """RSS of the server (peak, /proc VmHWM) while 8 requests of 6 MiB are answered at once: about
    9 MB a request measured (1.5x the body); it was 31 MB."""
    model = nn.Linear(40, 1)
    nn.save(model.state_dict(), tmp_path / "lin.npz")
    (tmp_path / "lin40.py").write_text("import nn\n\ndef build():\n    return nn.Linear(40, 1)\n")
    port = free_port()
    env = server_env()
    env["PYTHONPATH"] += os.pathsep + str(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "seegrad.serving", "--model", str(tmp_path / "lin.npz"),
                             "--model-def", "lin40:build", "--port", str(port), "--no-access-log",
                             "--log-level", "error", "--max-concurrent-requests", "8"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        wait_for_ping(f"http://127.0.0.1:{port}", proc)
        body = big_bodies()[0]
        small = request_bytes(json.dumps({"instances": [[0.5] * 40]}).encode())
        assert asyncio.run(exchange(port, small))[0] == 200
        before = _rss_peak_mib(proc.pid)

        async def eight():
            return await asyncio.gather(*(exchange(port, request_bytes(body), timeout=120) for _ in range(8)))

        assert [status for status, _, _ in asyncio.run(eight())] == [200] * 8
        per_request = (_rss_peak_mib(proc.pid) - before) / 8
    finally:
        stop_server(proc)
    assert per_request < 2 * len(body) / MiB, f"{per_request:.1f} MiB per request of {len(body) / MiB:.1f} MiB"
