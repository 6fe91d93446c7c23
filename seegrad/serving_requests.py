"""Request bodies to arrays for seegrad-serve: JSON or CSV into a batch of the model's dtype, checked.

    parse_request(body, content_type, input_shape, dtype)  ->  array (B, *input_shape), or BadRequest

Memory. The usual bodies (JSON ``{"instances": [[...], ...]}``, ``{"inputs": ...}`` or a bare list of
instances, each instance of the input shape or a flat row; CSV with one instance per row) are read
one instance at a time straight into the batch: there is no Python object per number, so a request
costs its body, the batch (4 bytes a number for float32) and one row at a time. A JSON body in any
other layout (other keys beside "instances", an empty or ragged batch, a string or a bool somewhere)
goes through ``json.loads``, which costs about four times the body; that is also how its error is
located.

What counts as a number. JSON: JSON's number grammar (``json.loads`` refuses strings, so ``"12"`` is
not a number). CSV: plain decimals in ASCII, ``[+-]digits[.digits][e[+-]digits]``, optionally in
double quotes; ``1_0``, non-ASCII digits (Arabic-Indic, fullwidth), ``0x10``, ``nan`` and ``inf`` are
refused, though Python's ``float()`` takes most of them. Every number must be finite and fit the
model's input type (and be whole for a model that takes ids).
"""
import array
import functools
import itertools
import json
import re

import numpy as np

CSV_CELL_LIMIT = 128 * 1024  # bytes in one CSV cell (the limit of Python's csv module)
_FLUSH = 1 << 16  # numbers parsed per check-and-store step


class BadRequest(ValueError):
    """A request the server refuses: ``status`` is the HTTP code, ``str(err)`` says why."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def expected_format(input_shape):
    shape = ", ".join(str(n) for n in input_shape)
    n = int(np.prod(input_shape)) if input_shape else 1
    return (f"JSON {{\"instances\": [[{n} numbers], ...]}} (each instance of shape ({shape}) or flat "
            f"with {n} numbers), or text/csv with one row of {n} numbers per instance")


def parse_request(body, content_type, input_shape, dtype=np.float32):
    """The request body (bytes or bytearray) as a batch of shape (B, *input_shape) and ``dtype``,
    or BadRequest saying why not."""
    mime = (content_type or "").split(";")[0].strip().lower()
    input_shape, dtype = tuple(input_shape), np.dtype(dtype)
    if mime in ("application/json", "application/x-json", "text/json"):
        return _parse_json(body, input_shape, dtype)
    if mime in ("text/csv", "application/csv"):
        return _parse_csv(body, input_shape, dtype)
    raise BadRequest(f"unsupported Content-Type {content_type or '(none)'!r}; send application/json "
                     "or text/csv", status=415)


# --------------------------------------------------------------------------- checked batches


class _Batch:
    """Numbers added row by row, checked (``check_values``) and stored in the model's dtype 64k at a
    time. ``capacity`` is an upper bound on the count (pages never written cost no memory)."""

    def __init__(self, capacity, input_shape, dtype):
        self.input_shape, self.dtype = input_shape, dtype
        self.out = np.empty(capacity, dtype)
        self.count = 0
        self.pending = array.array("d")

    def extend(self, numbers):
        self.pending.extend(numbers)
        if len(self.pending) >= _FLUSH:
            self.flush()

    def extend_array(self, values):
        self.pending.frombytes(np.ascontiguousarray(values, np.float64).tobytes())
        if len(self.pending) >= _FLUSH:
            self.flush()

    def flush(self):
        if not self.pending:
            return
        values = np.frombuffer(self.pending, np.float64)
        check_values(values, self.count, self.input_shape, self.dtype)
        self.out[self.count:self.count + len(values)] = values
        self.count += len(values)
        self.pending = array.array("d")

    def result(self):
        self.flush()
        if self.count == 0:
            raise BadRequest(empty_batch(self.input_shape))
        return self.out[:self.count].reshape((-1,) + self.input_shape)  # (B, *input_shape)


def check_values(values, start, input_shape, dtype):
    """Refuse NaN and infinity, fractions for a model that takes integers, and values beyond the range
    of ``dtype``; ``values`` (float64, flat) are the batch's numbers from flat index ``start`` on."""
    n = int(np.prod(input_shape)) if input_shape else 1

    def where(i):
        i += start
        position = [int(p) for p in np.unravel_index(i % n, input_shape)] if input_shape else []
        return f"instance {i // n} has {values[i - start]} at position {position}"

    finite = np.isfinite(values)
    if not finite.all():
        raise BadRequest(f"{where(int(np.argmin(finite)))}; only finite numbers are accepted "
                         "(no NaN or infinity)")
    if dtype.kind in "iu":
        fraction = values != np.round(values)
        if fraction.any():
            raise BadRequest(f"the model takes integers (ids), but {where(int(np.argmax(fraction)))}")
    limit = np.iinfo(dtype).max if dtype.kind in "iu" else np.finfo(dtype).max
    too_large = np.abs(values) > limit
    if too_large.any():
        raise BadRequest(f"{where(int(np.argmax(too_large)))}, too large for {dtype} (the model's input "
                         f"type, at most {float(limit):.4g})")


def empty_batch(input_shape):
    return f"empty batch: send at least one instance; expected {_shape_text(input_shape)}"


def _shape_text(input_shape):
    return "(batch, " + ", ".join(str(d) for d in input_shape) + ")"


# --------------------------------------------------------------------------- JSON

_WS = rb"[ \t\r\n]*"
_JSON_OPEN = re.compile(_WS + rb'(\{' + _WS + rb'"(?:instances|inputs)"' + _WS + b":" + _WS + rb")?(\[)" + _WS)
_OPENINGS = re.compile(rb"(?:\[" + _WS + rb")*")
_JSON_NUMBERS_ONLY = re.compile(rb"[0-9eE.+\-,\[\] \t\r\n]*")  # no strings, true/false/null, NaN...
_CHUNK = 1 << 16  # bytes of JSON text parsed at once


@functools.lru_cache(maxsize=8)
def _instance_end(depth):
    """A regex for where an instance nested ``depth`` lists deep ends and the next begins: ] x depth, comma."""
    return re.compile(rb"\]" + (_WS + rb"\]") * (depth - 1) + _WS + b",")


def _parse_json(body, input_shape, dtype):
    batch = _json_rows(body, input_shape, dtype)
    return batch if batch is not None else _parse_json_any(body, input_shape, dtype)


def _json_rows(body, input_shape, dtype):
    """The batch, parsed 64 KiB of instances at a time, if the body is a list of instances (bare or
    under "instances"/"inputs"), each of the input shape (or flat), holding numbers and nothing else;
    None for any other body.

    The list is cut after an instance's closing brackets; ``json.loads`` of each piece succeeds only
    if the cut was between two instances, so every number is read by the JSON parser itself."""
    opened = _JSON_OPEN.match(body)
    if opened is None or not input_shape:
        return None
    end = _closing_bracket(body, opened.group(1) is not None)  # the list is body[opened.start(2):end + 1]
    if end is None or end < opened.end() or _JSON_NUMBERS_ONLY.fullmatch(body, opened.end(), end) is None:
        return None
    n = int(np.prod(input_shape))
    batch = _Batch(body.count(b",") + 1, input_shape, dtype)
    depth = _OPENINGS.match(body, opened.end()).group().count(b"[")  # lists around the first number
    try:
        if depth == 0:  # one instance on its own: [1, 2, 3, 4]
            shape = _add_instances(batch, [json.loads(body[opened.start(2):end + 1])], input_shape, n, None)
            return batch.result() if shape else None
        if depth > len(input_shape):
            return None
        pos, shape = opened.end(), None
        while True:
            found = _instance_end(depth).search(body, min(pos + _CHUNK, end), end)
            stop = found.end() - 1 if found else end  # the comma after an instance, or the list's end
            instances = json.loads(b"[" + body[pos:stop] + b"]")
            shape = _add_instances(batch, instances, input_shape, n, shape) if instances else None
            if shape is None:
                return None
            if found is None:
                return batch.result()
            pos = stop + 1
    except BadRequest:  # a number that is not finite, too large...: said already
        raise
    except (ValueError, TypeError, OverflowError, RecursionError):  # not this form: json.loads says why
        return None


def _add_instances(batch, instances, input_shape, n, shape):
    """Add ``instances`` (parsed JSON) to ``batch`` if each has the shape of the first instance of the
    request, ``input_shape`` or (n,); returns that shape, or None if one does not fit."""
    if len(input_shape) == 1 or shape == (n,):  # flat rows: one list of n numbers each
        if not all(type(row) is list and len(row) == n for row in instances):
            return None
        batch.extend(itertools.chain.from_iterable(instances))  # TypeError on a list inside a row
        return (n,)
    for instance in instances:
        values = np.asarray(instance, dtype=np.float64)
        if values.shape not in (input_shape, (n,)) or (shape is not None and values.shape != shape):
            return None
        shape = values.shape
        batch.extend_array(values)
    return shape


def _closing_bracket(body, wrapped):
    """Index of the last "]" of the body (before its final "}" when ``wrapped``), or None."""
    i = len(body) - 1
    for want in (b"}", b"]") if wrapped else (b"]",):
        while i >= 0 and body[i] in b" \t\r\n":
            i -= 1
        if i < 0 or body[i] != want[0]:
            return None
        i -= 1
    return i + 1


def _parse_json_any(body, input_shape, dtype):
    """Any JSON body, through json.loads: Python objects for every number, but any layout, and the
    exact place of whatever is wrong."""
    try:
        payload = json.loads(body)
    except UnicodeDecodeError as err:
        raise BadRequest(f"the body is not UTF-8 text: {err}") from None
    except json.JSONDecodeError as err:
        raise BadRequest(f"malformed JSON: {err.msg} at line {err.lineno} column {err.colno}") from None
    except RecursionError:
        raise BadRequest("malformed JSON: nested too deeply") from None
    if isinstance(payload, dict):
        keys = [k for k in ("instances", "inputs") if k in payload]
        if not keys:
            raise BadRequest(f"the JSON object has keys {sorted(payload)[:10]} but needs \"instances\" "
                             "(or \"inputs\")")
        payload = payload[keys[0]]
    if not isinstance(payload, list):
        raise BadRequest(f"\"instances\" must be a list of instances, got a JSON {type(payload).__name__}")
    try:
        batch = np.asarray(payload)  # numbers only give an int or float array (fast path)
    except (ValueError, OverflowError):
        batch = None
    if batch is None or batch.dtype.kind not in "iuf" or any(w in body for w in (b"true", b"false")):
        bad = _first_non_number(payload)
        if bad is not None:
            where, value = bad
            raise BadRequest(f"instances{where} is {json.dumps(value)[:40]}, not a number")
    try:
        batch = np.asarray(payload, dtype=np.float64)
    except OverflowError:
        raise BadRequest(f"a number is too large for {dtype} (the model's input type)") from None
    except ValueError:
        lengths = sorted({len(row) if isinstance(row, list) else 1 for row in payload})
        raise BadRequest(f"instances have different shapes (lengths {lengths[:5]}); every instance "
                         "needs the same shape") from None
    return _check_batch(batch, input_shape, dtype)


def _first_non_number(value, where=""):
    """(path, value) of the first element that is not a JSON number (bools are not numbers)."""
    stack = [(value, where)]
    while stack:
        v, w = stack.pop()
        if isinstance(v, list):
            stack.extend((item, f"{w}[{i}]") for i, item in reversed(list(enumerate(v))))
        elif isinstance(v, bool) or not isinstance(v, (int, float)):
            return w, v
    return None


def _check_batch(batch, input_shape, dtype):
    """A float64 array of any shape as the batch (B, *input_shape) of ``dtype``, or BadRequest."""
    n = int(np.prod(input_shape)) if input_shape else 1
    if batch.size == 0 or batch.ndim == 0:
        raise BadRequest(empty_batch(input_shape))
    if batch.shape[1:] == input_shape:
        pass
    elif batch.shape == input_shape and batch.ndim >= 1:
        batch = batch[None]  # one instance sent on its own
    elif batch.ndim == 2 and batch.shape[1] == n:
        batch = batch.reshape((batch.shape[0],) + input_shape)  # flat rows (flattened images)
    elif batch.ndim == 1 and len(input_shape) == 1:
        raise BadRequest(f"each instance needs {n} numbers, got {batch.shape[0]} (a flat list); "
                         f"expected {_shape_text(input_shape)}")
    else:
        got = batch.shape[1] if batch.ndim == 2 else None
        detail = f"instances have {got} numbers, expected {n}" if got is not None else \
            f"got shape {batch.shape}"
        raise BadRequest(f"wrong input shape: {detail}; expected {_shape_text(input_shape)}")
    check_values(batch.reshape(-1), 0, input_shape, dtype)
    return batch.astype(dtype)


# --------------------------------------------------------------------------- CSV

_CSV_NUMBER = rb"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_CSV_CELL = re.compile(rb'[ \t]*(?:' + _CSV_NUMBER + rb'|"[ \t]*' + _CSV_NUMBER + rb'[ \t]*")[ \t]*')
_CSV_CHARS = re.compile(rb"[0-9eE.+\-, \t]*")  # what plain decimal cells are made of (quotes aside)


def _parse_csv(body, input_shape, dtype):
    """One instance per row, ``n`` plain decimals each; blank rows are skipped, a UTF-8 BOM too.

    A cell made of digits, signs, ".", "e", spaces and nothing else is a plain decimal exactly when
    ``float()`` reads it, so ``float()`` parses the cells once ``_CSV_CHARS`` has vetted the row
    (``_CSV_CELL`` checks quoted cells one by one)."""
    n = int(np.prod(input_shape)) if input_shape else 1
    batch = _Batch(body.count(b",") + body.count(b"\n") + 1, input_shape, dtype)
    for r, line in _lines(body):
        if not line or line.isspace():
            continue  # a blank row
        if len(line) > CSV_CELL_LIMIT:
            _check_cell_sizes(line, r)
        if b'"' in line:
            if not all(_CSV_CELL.fullmatch(cell) for cell in line.split(b",")):
                raise BadRequest(_csv_error(line, r, n))
            line = line.replace(b'"', b"")
        cells = line.split(b",")
        if len(cells) != n or _CSV_CHARS.fullmatch(line) is None:
            raise BadRequest(_csv_error(line, r, n))
        try:
            batch.extend(map(float, cells))
        except ValueError:
            raise BadRequest(_csv_error(line, r, n)) from None
    return batch.result()


def _lines(body):
    """(row number from 1, line without its line break) for each line of ``body``, one at a time."""
    start = 3 if body[:3] == b"\xef\xbb\xbf" else 0  # the UTF-8 byte order mark
    r = 0
    while start < len(body):
        stop = body.find(b"\n", start)
        stop = len(body) if stop < 0 else stop
        r += 1
        end = stop - 1 if stop > start and body[stop - 1] == 13 else stop  # \r\n
        yield r, body[start:end]
        start = stop + 1


def _check_cell_sizes(line, r):
    for c, cell in enumerate(line.split(b","), start=1):
        if len(cell) > CSV_CELL_LIMIT:
            raise BadRequest(f"CSV row {r}, column {c} is {len(cell)} bytes long, over the limit of "
                             f"{CSV_CELL_LIMIT} bytes per cell")


def _csv_error(line, r, n):
    """Why CSV row ``r`` is not ``n`` plain decimal numbers."""
    cells = line.split(b",")
    for c, cell in enumerate(cells, start=1):
        if _CSV_CELL.fullmatch(cell) is None:
            text = cell.strip().decode("utf-8", "replace")
            where = f"CSV row {r}, column {c}: {text[:40]!r}"
            if text.strip('"').lower().lstrip("+-") in ("nan", "inf", "infinity"):
                return f"{where} is not finite; only finite numbers are accepted (no NaN or infinity)"
            if r == 1 and re.search("[A-Za-z]", text):
                return f"{where} is not a number (remove the header row)"
            return (f"{where} is not a number; cells are plain decimal numbers in ASCII digits, like -1.5 "
                    "or 2e-3 (no digit separators, no other scripts' digits)")
    return f"CSV row {r} has {len(cells)} values, expected {n} (one instance per row)"
