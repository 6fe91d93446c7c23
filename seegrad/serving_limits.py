"""What bounds each request of seegrad-serve: the limits, and the three places that enforce them.

    Limits(max_body_bytes=6 MiB, max_concurrent=32, header_timeout=10.0, body_timeout=30.0)

1. ``Guard`` (ASGI middleware, under any ASGI server): at most ``max_concurrent`` requests in flight
   at once (from the headers to the last byte of the answer); the next one gets 503 with
   ``Retry-After`` at once. GET /ping is never refused (it is what SageMaker's health check calls).
2. ``read_body`` (the app reads every body through it): 413 past ``max_body_bytes`` (on the declared
   Content-Length, and while streaming), 408 when the body has not all arrived ``body_timeout``
   seconds after the headers (then the connection is closed).
3. ``protocol`` (uvicorn's HTTP/1.1 protocol, h11, which seegrad-serve runs): closes a connection
   whose request headers are not complete ``header_timeout`` seconds after it opened or after the
   request's first byte (answering 408 if part of a request came); closes one still sending a
   body ``body_timeout`` seconds after its headers once its answer is out (an early 413 or 503);
   aborts one that has not read its answer for ``body_timeout`` seconds; answers malformed HTTP
   (or headers past h11's limit: 16 KiB still incomplete) with 400. Idle kept-alive connections
   close after 5 s (uvicorn's keep-alive timeout).

Every answer these send is JSON with ``error`` (what happened) and ``expected`` (the request format).
The model's own run time is not bounded: a thread running numpy cannot be stopped.
"""
import argparse
import asyncio
import ctypes
import dataclasses
import json
import os

from .serving_requests import BadRequest

MiB = 1024 * 1024
RETRY_AFTER_S = 1  # what a 503 tells the client to wait before trying again


@dataclasses.dataclass(frozen=True)
class Limits:
    """The bounds on each request (see the module docstring for who enforces which)."""
    max_body_bytes: int = 6 * MiB  # SageMaker's own payload limit for real-time endpoints
    max_concurrent: int = 32
    header_timeout: float = 10.0
    body_timeout: float = 30.0


def return_freed_memory():
    """Have glibc serve every allocation over 1 MiB (big request bodies, batches, answers) with its
    own mmap, so that it goes back to the OS once the request is done. By default glibc raises that
    threshold as big buffers are freed, and the server's RSS then creeps up to the peak of its
    biggest requests (measured, three rounds of 8 requests of 6 MiB at once: 44 to 77 MB left behind;
    about 20 MB with this). 1 MiB, not less: at 128 KiB small requests cost 25% more CPU. True if set."""
    try:
        return bool(ctypes.CDLL("libc.so.6").mallopt(-3, 1024 * 1024))  # -3: M_MMAP_THRESHOLD
    except (OSError, AttributeError):  # not glibc
        return False


def error_body(message, expected):
    return json.dumps({"error": message, "expected": expected}).encode()


# --------------------------------------------------------------------------- command-line flags

def _positive(kind, flag, env):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not value > 0 or value != value or value == float("inf"):
            raise argparse.ArgumentTypeError(f"{flag} (or ${env}) must be a positive "
                                             f"{'whole number' if kind is int else 'number'}, got {text!r}")
        return value
    return parse


def _default_max_body():
    if os.environ.get("SEEGRAD_MAX_BODY_BYTES"):
        return os.environ["SEEGRAD_MAX_BODY_BYTES"]
    sagemaker = os.environ.get("SAGEMAKER_MAX_PAYLOAD_IN_MB", "").strip()  # set by SageMaker batch transform
    if sagemaker.isdigit() and int(sagemaker) > 0:
        return str(int(sagemaker) * MiB)
    return str(Limits.max_body_bytes)


def add_arguments(parser):
    """The flags of the limits, each with an environment variable as its default."""
    d = Limits()
    parser.add_argument("--max-body-bytes", type=_positive(int, "--max-body-bytes", "SEEGRAD_MAX_BODY_BYTES"),
                        default=_default_max_body(),
                        help="larger request bodies get 413 (default $SEEGRAD_MAX_BODY_BYTES, else "
                             "$SAGEMAKER_MAX_PAYLOAD_IN_MB MiB, else 6 MiB, SageMaker's own limit)")
    parser.add_argument("--max-concurrent-requests", dest="max_concurrent",
                        type=_positive(int, "--max-concurrent-requests", "SEEGRAD_MAX_CONCURRENT_REQUESTS"),
                        default=os.environ.get("SEEGRAD_MAX_CONCURRENT_REQUESTS", str(d.max_concurrent)),
                        help=f"requests in flight at once; more get 503 with Retry-After (default "
                             f"$SEEGRAD_MAX_CONCURRENT_REQUESTS or {d.max_concurrent})")
    parser.add_argument("--header-timeout", type=_positive(float, "--header-timeout", "SEEGRAD_HEADER_TIMEOUT"),
                        default=os.environ.get("SEEGRAD_HEADER_TIMEOUT", str(d.header_timeout)),
                        help=f"seconds a client has to send a request's headers (default "
                             f"$SEEGRAD_HEADER_TIMEOUT or {d.header_timeout:g})")
    parser.add_argument("--body-timeout", type=_positive(float, "--body-timeout", "SEEGRAD_BODY_TIMEOUT"),
                        default=os.environ.get("SEEGRAD_BODY_TIMEOUT", str(d.body_timeout)),
                        help=f"seconds a client has to send a request's body after its headers; also how "
                             f"long an answer waits for a client that does not read it (default "
                             f"$SEEGRAD_BODY_TIMEOUT or {d.body_timeout:g})")


def from_args(args):
    return Limits(max_body_bytes=args.max_body_bytes, max_concurrent=args.max_concurrent,
                  header_timeout=args.header_timeout, body_timeout=args.body_timeout)


# --------------------------------------------------------------------------- the app's side


class Guard:
    """ASGI middleware: at most ``limits.max_concurrent`` requests in flight; 503 + Retry-After above."""

    def __init__(self, app, limits, expected):
        self.app, self.limits, self.expected = app, limits, expected
        self.in_flight = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] == "/ping":
            return await self.app(scope, receive, send)
        if self.in_flight >= self.limits.max_concurrent:
            body = error_body(f"the server is answering {self.in_flight} requests, its limit "
                              f"(--max-concurrent-requests {self.limits.max_concurrent}); retry in "
                              f"{RETRY_AFTER_S} s", self.expected)
            await send({"type": "http.response.start", "status": 503,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode()),
                                    (b"retry-after", str(RETRY_AFTER_S).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


async def read_body(request, limits):
    """The request body as a bytearray, or BadRequest: 413 past ``max_body_bytes``, 408 when it has
    not all arrived ``body_timeout`` seconds after the headers."""
    limit = limits.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BadRequest(f"request body of {int(declared)} bytes is over the limit of {limit} bytes; "
                         "send fewer instances per request", status=413)
    body = bytearray()  # grows in place (no list of chunks joined at the end)

    async def read():
        async for chunk in request.stream():
            if len(body) + len(chunk) > limit:
                raise BadRequest(f"request body is over the limit of {limit} bytes; send fewer instances "
                                 "per request", status=413)
            body.extend(chunk)

    try:
        await asyncio.wait_for(read(), limits.body_timeout)
    except asyncio.TimeoutError:
        raise BadRequest(f"the request body did not arrive within {limits.body_timeout:g} s of its headers "
                         f"({len(body)} bytes came"
                         + (f" of {declared} declared" if declared else "") + ")", status=408) from None
    return body


# --------------------------------------------------------------------------- the connection's side


LINGER_SECONDS = 2.0  # how long a connection answered with an error still reads (and drops) what comes


def protocol(limits, expected):
    """uvicorn's h11 protocol class with the header, body and send deadlines of ``limits``."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class BoundedH11Protocol(H11Protocol):
        """One deadline at a time: the headers', then the body's; a separate one while a write waits."""

        def connection_made(self, transport):
            super().connection_made(transport)
            self._deadline = self._phase = self._write_deadline = None
            self._arm("headers")

        _lingering = False  # an answer that ends the connection was sent: the rest is read and dropped

        def data_received(self, data):
            if self._lingering:
                return  # the rest of a request already answered (see _linger)
            super().data_received(data)
            self._follow()

        def eof_received(self):
            if self._lingering:
                self.transport.close()  # the client has stopped sending: nothing is lost now
            return super().eof_received()

        def on_response_complete(self):
            super().on_response_complete()
            self._follow()

        def connection_lost(self, exc):
            self._arm(None)
            self._stop_write_deadline()
            super().connection_lost(exc)

        def _follow(self):
            """The deadline that fits the request's state: headers still coming, body coming, or none."""
            if self.transport.is_closing():
                return
            state = self.conn.their_state
            if state is h11.IDLE:  # waiting for a request: headers' deadline once part of one is here
                if self._phase != "headers" and self.conn.trailing_data[0]:
                    self._arm("headers")
                elif self._phase != "headers":
                    self._arm(None)  # nothing yet: uvicorn's keep-alive timeout closes an idle connection
            elif state is h11.SEND_BODY:
                if self._phase != "body":
                    self._arm("body")
            else:
                self._arm(None)

        def _arm(self, phase, delay=None):
            if self._deadline is not None:
                self._deadline.cancel()
            self._phase, self._deadline = phase, None
            if phase is not None:
                delay = delay or (limits.header_timeout if phase == "headers" else limits.body_timeout)
                self._deadline = self.loop.call_later(delay, self._late)

        def _late(self):
            self._deadline = None
            if self.transport.is_closing():
                return
            if self._phase == "headers":
                if self.conn.trailing_data[0]:  # part of a request came: say why it is cut off
                    self._answer_and_close(408, "Request Timeout", "the request headers did not arrive "
                                           f"within {limits.header_timeout:g} s")
                else:
                    self.transport.close()
            elif self.cycle is None or self.cycle.response_started:
                self.transport.close()  # answered early (413, 503...) and the body still trickles in
            else:
                self._arm("body", 1.0)  # the app is reading the body: it answers 408 itself

        def _answer_and_close(self, status, reason, message):
            body = error_body(message, expected)
            head = (f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
                    f"content-length: {len(body)}\r\nconnection: close\r\n\r\n")
            self.transport.write(head.encode() + body)
            self._linger()

        def _linger(self):
            """Close without losing the answer. Closing a socket with unread input resets the
            connection, and a client still sending (a 1 MB header) may then lose the answer before it
            reads it. So the answer is followed by the end of our side (FIN), what still arrives is
            dropped, and the socket closes when the client ends its side, or after LINGER_SECONDS (a
            lingering close, as Apache and nginx do)."""
            self._arm(None)
            self._lingering = True
            if self.transport.can_write_eof():
                self.transport.write_eof()
            self.loop.call_later(LINGER_SECONDS, self.transport.close)

        def send_400_response(self, msg):  # malformed HTTP: JSON like every other answer
            self._answer_and_close(400, "Bad Request", f"invalid HTTP request ({msg.rstrip('.')}), or "
                                   "headers over h11's limit (about 16 KiB)")

        def pause_writing(self):  # the client is not reading its answer
            super().pause_writing()
            self._stop_write_deadline()
            self._write_deadline = self.loop.call_later(limits.body_timeout, self.transport.abort)

        def resume_writing(self):
            super().resume_writing()
            self._stop_write_deadline()

        def _stop_write_deadline(self):
            if self._write_deadline is not None:
                self._write_deadline.cancel()
                self._write_deadline = None

    return BoundedH11Protocol
