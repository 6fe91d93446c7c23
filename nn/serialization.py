"""nn.save / nn.load: state dicts in a safe ``.npz`` file (no pickle, ever).

Layout of the file (a zip of ``.npy`` arrays, readable with ``np.load(allow_pickle=False)``):

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
"""
import json
import math
import os
import zipfile

import numpy as np

import autograd as ag
from autograd import Tensor
from autograd.files import atomic_write

_META = "__seegrad__"
_FORMAT, _VERSION = "seegrad-npz", 1


class CheckpointError(ValueError):
    """A file that nn.load cannot read: not a seegrad checkpoint, truncated or corrupted."""


def _encode(obj, arrays, path):
    if isinstance(obj, Tensor):
        key = f"t{len(arrays)}"
        arrays[key] = np.ascontiguousarray(obj.detach().numpy())
        return {"$tensor": key}
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            raise TypeError(f"nn.save: object arrays cannot be saved safely (at {path})")
        key = f"t{len(arrays)}"
        arrays[key] = np.ascontiguousarray(obj)
        return {"$ndarray": key}
    if isinstance(obj, np.generic):
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
    arrays[_META] = np.frombuffer(meta.encode("utf-8"), dtype=np.uint8)
    if hasattr(f, "write"):  # a file object: no atomicity to offer
        np.savez(f, **arrays)
        return
    with atomic_write(f) as out:
        np.savez(out, **arrays)


def _decode(node, arrays, name):
    if isinstance(node, list):
        return [_decode(v, arrays, name) for v in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        (tag, value), = node.items()
        if tag in ("$tensor", "$ndarray"):
            if value not in arrays:
                raise CheckpointError(f"nn.load: {name} is corrupted: the entry {value!r} it refers to is missing")
            arr = arrays[value]
            return ag.from_numpy(arr) if tag == "$tensor" else arr
        if tag == "$tuple":
            return tuple(_decode(v, arrays, name) for v in value)
        if tag == "$dict":
            return {_hashable(_decode(k, arrays, name)): _decode(v, arrays, name) for k, v in value}
        if tag == "$float":
            return float(value)
    return {k: _decode(v, arrays, name) for k, v in node.items()}


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key


def load(f, map_location=None, weights_only=True, **kwargs):
    """Load what ``save`` wrote. Never executes code from the file. Raises ``CheckpointError``
    (a ValueError) naming the file and the problem when it is truncated, corrupted or not ours."""
    name = repr(os.fspath(f)) if not hasattr(f, "read") else repr(getattr(f, "name", "<file object>"))
    if not hasattr(f, "read"):
        with open(f, "rb") as fh:
            magic = fh.read(4)
        if magic != b"PK\x03\x04":
            what = "empty" if not magic else "not a seegrad checkpoint (not an .npz/zip file)"
            raise CheckpointError(f"nn.load: {name} is {what}; nn.load reads files written by nn.save")
    try:
        with np.load(f, allow_pickle=False) as npz:
            if _META not in npz.files:
                raise CheckpointError(f"nn.load: {name} is not a seegrad checkpoint (no {_META} entry; "
                                      "it was not written by nn.save)")
            arrays = {k: npz[k] for k in npz.files}
    except CheckpointError:
        raise
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError, zipfile.LargeZipFile) as err:
        what = "truncated or corrupted" if isinstance(err, (zipfile.BadZipFile, EOFError)) else "unreadable"
        raise CheckpointError(f"nn.load: {name} is {what} and cannot be loaded ({type(err).__name__}: {err}). "
                              "It is not a complete file written by nn.save; re-save it or use a backup.") from None
    try:
        meta = json.loads(arrays.pop(_META).tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(f"nn.load: {name} is corrupted: its metadata is not valid JSON ({err})") from None
    if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
        raise CheckpointError(f"nn.load: {name} is not a seegrad checkpoint (format {meta.get('format')!r})"
                              if isinstance(meta, dict) else f"nn.load: {name} has malformed metadata")
    if meta.get("version", 0) > _VERSION:
        raise CheckpointError(f"nn.load: {name} was written by a newer version (format version "
                              f"{meta['version']} > {_VERSION}); upgrade seegrad to read it")
    return _decode(meta.get("tree"), arrays, name)

