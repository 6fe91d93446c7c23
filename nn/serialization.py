"""nn.save / nn.load: state dicts in a safe ``.npz`` file (no pickle, ever).

Layout of the file (a zip of ``.npy`` arrays, readable with ``host.load(allow_pickle=False)``):

    __seegrad__.npy   a uint8 array holding JSON: {"format": "seegrad-npz", "version": 1, "tree": ...}
    t0.npy, t1.npy..  one entry per tensor / array

``tree`` mirrors the saved object. Plain JSON values (str, int, float, bool, None, lists,
dicts with string keys) are stored as they are; everything else is a tagged object:
``{"$tensor": "t0"}``, ``{"$ndarray": "t1"}``, ``{"$tuple": [...]}``, ``{"$dict": [[key, value], ...]}``
(for dicts whose keys are not all strings, like an optimizer's state keyed by int),
``{"$float": "nan"}``. Loading only parses JSON and reads arrays: it never runs code.

The write is atomic (``autograd.files.atomic_write``): the data goes to a temporary file in the
same directory, which is then ``os.replace``d over the target, so a crash mid-save leaves the old
file intact.

Loading checks the whole file against that layout before it builds anything, and any file that
does not fit gives one ``CheckpointError`` naming the file (and the entry at fault):

    - only regular files are opened (a FIFO, a folder or a device is refused without blocking);
    - every zip entry is ``<name>.npy`` (letters, digits, ``_``), once, unencrypted, stored or
      deflated; the entries fit in the file without overlapping;
    - decompression is bounded: the sizes the zip directory declares must add up to at most
      ``max_bytes`` (default: ten times the file's size, and at least 64 MiB), and each entry is
      read up to its declared size and no further, so a 1 MB file cannot inflate to 1 GiB; pass
      ``max_bytes=`` to load a trusted, highly compressed file;
    - each array's header must declare a numeric dtype (bool, int, uint, float, complex: never
      object, datetime, string or structured dtypes) and a shape whose size is the entry's size;
    - the metadata is a JSON object of this format and version with a ``tree``, nested at most
      ``MAX_DEPTH`` levels, whose tags are well formed and refer to existing entries, once each.
"""
import json
import math
import os
import re
import stat
import zipfile
import zlib

from autograd.backend import by_input, host

import autograd as ag
from autograd import Tensor
from autograd.files import atomic_write

_META = "__seegrad__"
_FORMAT, _VERSION = "seegrad-npz", 1
MAX_DEPTH = 100  # how deeply the saved object may nest (a state dict nests 3 to 5 levels)
MIN_MAX_BYTES = 64 << 20  # the default max_bytes is max(MIN_MAX_BYTES, INFLATE_RATIO * file size)
INFLATE_RATIO = 10
_ENTRY = re.compile(r"([A-Za-z0-9_]{1,64})\.npy")
_KINDS = {"b": "bool", "i": "int", "u": "uint", "f": "float", "c": "complex"}
_CHUNK = 1 << 20


class CheckpointError(ValueError):
    """A file that nn.load cannot read: not a seegrad checkpoint, truncated, corrupted or over the limits."""


def _encode(obj, arrays, path):
    if isinstance(obj, Tensor):
        key = f"t{len(arrays)}"
        arrays[key] = host.asarray(obj.detach().cpu().numpy(), order="C")  # (on the host; ascontiguousarray makes 0-d 1-d)
        return {"$tensor": key}
    if isinstance(obj, host.ndarray):
        if obj.dtype == object:
            raise TypeError(f"nn.save: object arrays cannot be saved safely (at {path})")
        if obj.dtype.kind not in _KINDS or obj.dtype.fields is not None:
            raise TypeError(f"nn.save: an array of dtype {obj.dtype} cannot be saved (at {path}); only arrays of "
                            f"numbers ({', '.join(_KINDS.values())}), which is what nn.load reads back")
        key = f"t{len(arrays)}"
        arrays[key] = by_input.asarray(obj, order="C")
        return {"$ndarray": key}
    if isinstance(obj, host.generic):
        obj = obj.item()
    if isinstance(obj, bool) or obj is None or isinstance(obj, (int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else {"$float": repr(obj)}
    if isinstance(obj, tuple):
        return {"$tuple": [_encode(v, arrays, f"{path}[{i}]") for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [_encode(v, arrays, f"{path}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in obj):
            return {k: _encode(v, arrays, f"{path}[{k!r}]") for k, v in obj.items()}
        return {"$dict": [[_encode(k, arrays, path + ".key"), _encode(v, arrays, f"{path}[{k!r}]")]
                          for k, v in obj.items()]}
    hint = " (save its state_dict() instead)" if hasattr(obj, "state_dict") else ""
    raise TypeError(f"nn.save: cannot save a {type(obj).__name__} at {path}{hint}; only tensors, numpy arrays, "
                    "numbers, strings, None and nested dicts/lists/tuples of them can be saved")


def save(obj, f):
    """Save a state dict (or any nesting of dicts/lists/tuples of tensors and numbers) to ``f``."""
    arrays = {}
    tree = _encode(obj, arrays, "obj")
    meta = json.dumps({"format": _FORMAT, "version": _VERSION, "tree": tree}, allow_nan=False)
    arrays[_META] = by_input.frombuffer(meta.encode("utf-8"), dtype=host.uint8)
    if hasattr(f, "write"):  # a file object: no atomicity to offer
        by_input.savez(f, **arrays)
        return
    with atomic_write(f) as out:
        by_input.savez(out, **arrays)


def load(f, map_location=None, weights_only=True, max_bytes=None, **kwargs):
    """Load what ``save`` wrote. Never executes code from the file.

    ``max_bytes``: the most bytes the file's arrays may take once decompressed (default: ten times
    the file's size, at least 64 MiB; files ``save`` writes are not compressed, so they always fit).
    Raises ``CheckpointError`` (a ValueError) naming the file and the problem when it is not a
    regular file, truncated, corrupted, over the limit or not ours; FileNotFoundError when it is missing.
    Tensors load onto the CPU; ``map_location`` puts them on a device instead, as in PyTorch: a device
    or its name, a dict {"cpu": device} (the saved location is always "cpu") or a function
    ``(tensor, "cpu") -> tensor`` (or ``model.load_state_dict`` copies them to the model's device).
    ``weights_only`` is accepted for PyTorch compatibility (only data is ever loaded)."""
    name = repr(getattr(f, "name", "<file object>")) if hasattr(f, "read") else repr(os.fspath(f))
    if hasattr(f, "read"):
        return _placed(_load_from(f, _remaining_size(f, name), name, max_bytes), map_location)
    fh, size = _open_regular(f, name)
    with fh:
        return _placed(_load_from(fh, size, name, max_bytes), map_location)


def _placed(obj, map_location):
    """The loaded tree with its tensors where ``map_location`` puts them, as in PyTorch: None (the
    host), a device or its name, a dict {saved location: device} or a function (tensor, saved
    location) -> tensor. Every tensor was saved from the host, so its saved location is "cpu"."""
    if map_location is None:
        return obj
    if isinstance(map_location, dict):
        return _placed(obj, map_location.get("cpu"))  # (no entry for "cpu": the tensors stay on the host)
    if isinstance(obj, Tensor):
        return map_location(obj, "cpu") if callable(map_location) else obj.to(map_location)
    if isinstance(obj, dict):
        return type(obj)((k, _placed(v, map_location)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)) and not hasattr(obj, "_fields"):
        return type(obj)(_placed(v, map_location) for v in obj)
    return obj


def _fail(name, problem):
    return CheckpointError(f"nn.load: {name} {problem}")


def _open_regular(path, name):
    """Open ``path`` for reading if it is a regular file (without blocking on a FIFO); (file, size)."""
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))

    def check(mode):
        if not stat.S_ISREG(mode):
            what = next((kind for test, kind in kinds if test(mode)), "not a regular file")
            raise _fail(name, f"is {what}, not a regular file; nn.load reads files written by nn.save")

    check(os.stat(path).st_mode)  # FileNotFoundError passes through
    # O_NONBLOCK: should the path become a FIFO between stat and open, open returns at once
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        check(st.st_mode)
        return os.fdopen(fd, "rb"), st.st_size
    except BaseException:
        os.close(fd)
        raise


def _remaining_size(fh, name):
    try:
        here = fh.tell()
        size = fh.seek(0, os.SEEK_END) - here
        fh.seek(here)
    except (OSError, ValueError, AttributeError) as err:
        raise _fail(name, f"is not a seekable file ({err}); pass a path or a file opened with open(path, 'rb')") \
            from None
    return size


def _load_from(fh, size, name, max_bytes):
    """Steps: a) the zip magic; b) the zip directory against the limits; c) the metadata;
    d) the tree, reading each array it refers to as it goes."""
    limit = _limit(max_bytes, size)
    start = fh.tell()
    magic = fh.read(4)
    if magic != b"PK\x03\x04":
        what = "empty" if not magic else "not a seegrad checkpoint (not an .npz/zip file)"
        raise _fail(name, f"is {what}; nn.load reads files written by nn.save")
    fh.seek(start)
    try:
        with zipfile.ZipFile(fh) as zf:
            entries = _check_entries(zf, size, limit, name)
            meta = _read_meta(zf, entries, name)
            return _decode(meta["tree"], _Arrays(zf, entries, name), name, 0)
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError, OverflowError) as err:
        # what the checks above do not name: a damaged zip structure or damaged compressed data
        what = "truncated or corrupted" if isinstance(err, (zipfile.BadZipFile, EOFError, zlib.error)) \
            else "unreadable"
        raise _fail(name, f"is {what} and cannot be loaded ({type(err).__name__}: {err}). It is not a complete "
                          "file written by nn.save; re-save it or use a backup.") from None


def _limit(max_bytes, size):
    if max_bytes is None:
        return max(MIN_MAX_BYTES, INFLATE_RATIO * size)
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, (int, float)) or not max_bytes >= 0:
        raise ValueError(f"nn.load: max_bytes must be a number of bytes >= 0 (or None), got {max_bytes!r}")
    return max_bytes


def _check_entries(zf, size, limit, name):
    """The zip directory's entries by array name, once each checked against the layout and the limits."""
    entries, stored, inflated = {}, 0, 0
    for info in zf.infolist():
        entry = repr(info.filename)
        match = _ENTRY.fullmatch(info.filename)
        if match is None:
            raise _fail(name, f"is not a seegrad checkpoint: its entry {entry} is not an array "
                              "(<name>.npy, with letters, digits and _ only)")
        if match.group(1) in entries:
            raise _fail(name, f"is corrupted: the entry {entry} appears twice")
        if info.flag_bits & 0x1:
            raise _fail(name, f"is not a seegrad checkpoint: its entry {entry} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _fail(name, f"is not a seegrad checkpoint: its entry {entry} uses compression method "
                              f"{info.compress_type} (only stored or deflated entries are read)")
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise _fail(name, f"is corrupted: the stored entry {entry} declares {info.file_size} bytes "
                              f"but occupies {info.compress_size}")
        entries[match.group(1)] = info
        stored += info.compress_size
        inflated += info.file_size
    if stored > size:
        raise _fail(name, f"is corrupted: its entries declare {stored} bytes of data, more than the file's "
                          f"{size} bytes (entries overlap or the file is truncated)")
    if inflated > limit:
        raise _fail(name, f"would decompress to {inflated:,} bytes, over the limit of {int(limit):,} bytes "
                          "(max_bytes; by default 10 times the file's size, at least 64 MiB). If you trust "
                          f"this file, load it with nn.load(path, max_bytes={inflated})")
    return entries


def _read_meta(zf, entries, name):
    if _META not in entries:
        raise _fail(name, f"is not a seegrad checkpoint (no {_META} entry; it was not written by nn.save)")
    raw = _read_array(zf, entries[_META], name)
    if raw.dtype != host.uint8 or raw.ndim != 1:
        raise _fail(name, f"has malformed metadata: the {_META} entry is a {raw.dtype} array of shape "
                          f"{raw.shape}, not bytes (uint8, 1-D)")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:  # ValueError: bad JSON, a 5000-digit number
        raise _fail(name, f"is corrupted: its metadata is not valid JSON ({err})") from None
    except RecursionError:
        raise _fail(name, "has malformed metadata: its JSON nests too deeply to read") from None
    if not isinstance(meta, dict):
        raise _fail(name, f"has malformed metadata: a JSON {type(meta).__name__}, not an object")
    if meta.get("format") != _FORMAT:
        raise _fail(name, f"is not a seegrad checkpoint (format {meta.get('format')!r})")
    version = meta.get("version")
    if type(version) is not int or version < 1:
        raise _fail(name, f"has malformed metadata: format version {version!r} (a whole number >= 1 expected)")
    if version > _VERSION:
        raise _fail(name, f"was written by a newer version (format version {version} > {_VERSION}); "
                          "upgrade seegrad to read it")
    if "tree" not in meta:
        raise _fail(name, "has malformed metadata: no 'tree' (the saved object)")
    return meta


def _read_array(zf, info, name):
    """One ``.npy`` entry as an array: its header checked against the entry's size before any data is
    read, then read up to that size and no further."""
    entry = repr(info.filename)
    with zf.open(info) as fp:
        try:
            version = host.lib.format.read_magic(fp)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f".npy format version {version}, which nn.load does not read")
            read_header = host.lib.format.read_array_header_1_0 if version == (1, 0) else \
                host.lib.format.read_array_header_2_0
            shape, fortran, dtype = read_header(fp)
        except (ValueError, TypeError, SyntaxError) as err:
            raise _fail(name, f"is corrupted: the entry {entry} has no valid .npy header ({err})") from None
        if dtype.kind not in _KINDS or dtype.fields is not None or dtype.subdtype is not None:
            raise _fail(name, f"has an entry {entry} of dtype {dtype.str!r}; only numbers are loaded "
                              f"({', '.join(_KINDS.values())})")
        if any(n < 0 for n in shape):
            raise _fail(name, f"is corrupted: the entry {entry} declares the shape {shape}")
        nbytes = math.prod(shape) * dtype.itemsize
        if fp.tell() + nbytes != info.file_size:
            raise _fail(name, f"is corrupted: the entry {entry} declares a {dtype} array of shape {shape} "
                              f"({nbytes:,} bytes) but holds {info.file_size - fp.tell():,} bytes")
        arr = by_input.empty(math.prod(shape), dtype)
        buf, done = memoryview(arr.view(host.uint8)), 0
        while done < nbytes:
            n = fp.readinto(buf[done:done + _CHUNK])
            if not n:
                raise _fail(name, f"is truncated: the entry {entry} ends after {done:,} of {nbytes:,} bytes")
            done += n
        if fp.read(1):  # also where zipfile checks the entry's CRC
            raise _fail(name, f"is corrupted: the entry {entry} holds more than its declared size")
    if dtype.kind == "b" and arr.view(host.uint8).max(initial=0) > 1:
        raise _fail(name, f"is corrupted: the bool entry {entry} holds bytes other than 0 and 1")
    arr = arr.reshape(shape, order="F" if fortran else "C")
    return arr if dtype.isnative else arr.astype(dtype.newbyteorder("="))


class _Arrays:
    """The file's arrays, each read when the tree first refers to it; a second reference is refused."""

    def __init__(self, zf, entries, name):
        self.zf, self.entries, self.name, self.taken = zf, entries, name, set()

    def take(self, key):
        if key == _META or key not in self.entries:
            raise _fail(self.name, f"is corrupted: the entry {key!r} it refers to is missing")
        if key in self.taken:
            raise _fail(self.name, f"is corrupted: the entry {key!r} is referred to twice")
        self.taken.add(key)
        return _read_array(self.zf, self.entries[key], self.name)


def _decode(node, arrays, name, depth):
    """The object a ``tree`` node stands for (the inverse of ``_encode``)."""
    if depth > MAX_DEPTH:
        raise _fail(name, f"has malformed metadata: the saved object nests more than {MAX_DEPTH} levels deep")
    if isinstance(node, list):
        return [_decode(v, arrays, name, depth + 1) for v in node]
    if not isinstance(node, dict):
        return node
    if not any(k.startswith("$") for k in node):
        return {k: _decode(v, arrays, name, depth + 1) for k, v in node.items()}

    def malformed(expected):
        return _fail(name, f"has malformed metadata: {json.dumps(node)[:80]} ({expected})")

    if len(node) != 1:
        raise malformed("a tag is alone in its object")
    (tag, value), = node.items()

    if tag in ("$tensor", "$ndarray"):
        if not isinstance(value, str):
            raise malformed(f"{tag} names an entry with a string")
        arr = arrays.take(value)
        return ag.from_numpy(arr) if tag == "$tensor" else arr
    if tag == "$tuple":
        if not isinstance(value, list):
            raise malformed("$tuple holds a list")
        return tuple(_decode(v, arrays, name, depth + 1) for v in value)
    if tag == "$dict":
        if not isinstance(value, list) or not all(isinstance(kv, list) and len(kv) == 2 for kv in value):
            raise malformed("$dict holds a list of [key, value] pairs")
        out = {}
        for k, v in value:
            key = _hashable(_decode(k, arrays, name, depth + 1))
            try:
                hash(key)
            except TypeError:
                raise malformed(f"a $dict key must be a number, string, None or tuple, not {type(key).__name__}") \
                    from None
            if key in out:
                raise malformed(f"the $dict key {key!r} appears twice")
            out[key] = _decode(v, arrays, name, depth + 1)
        return out
    if tag == "$float":
        if value not in ("nan", "inf", "-inf"):
            raise malformed("$float is 'nan', 'inf' or '-inf'")
        return float(value)
    raise malformed("a tag is one of $tensor, $ndarray, $tuple, $dict, $float")


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key
