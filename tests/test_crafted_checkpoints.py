"""nn.load on crafted files: every kind gives one CheckpointError naming the file, never another
exception, never a hang, never a huge allocation; and the files it should read still load.

Each ``KINDS`` entry writes one crafted file: damaged zips, entries that are not arrays, encrypted or
exotic compression, decompression bombs, .npy headers declaring absurd shapes or non-numeric dtypes,
metadata of the wrong version, shape or depth, malformed tags.
"""
import io
import json
import os
import struct
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

import autograd as ag
import nn

KINDS = {}


def kind(fn):
    KINDS[fn.__name__] = fn
    return fn


# ----------------------------------------------------------------- building blocks


def npy(arr):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(arr), allow_pickle=True)
    return buf.getvalue()


def npy_raw(header, data=b"", version=(1, 0)):
    """A .npy file with a hand-written header dict (as text) and raw data."""
    header = header.encode("latin1")
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + b" " * pad + b"\n"
    size = struct.pack("<H" if version == (1, 0) else "<I", len(header))
    return b"\x93NUMPY" + bytes(version) + size + header + data


def meta_bytes(tree=None, **fields):
    meta = {"format": "seegrad-npz", "version": 1, "tree": tree if tree is not None else {"w": {"$tensor": "t0"}}}
    meta.update(fields)
    return json.dumps(meta).encode()


def meta_npy(tree=None, **fields):
    return npy(np.frombuffer(meta_bytes(tree, **fields), dtype=np.uint8))


def write_zip(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members:
            zf.writestr(name, data)


def good(path, t0=None, tree=None, **fields):
    """A well-formed checkpoint, with the parts a kind replaces."""
    write_zip(path, [("__seegrad__.npy", meta_npy(tree, **fields)),
                     ("t0.npy", npy(np.arange(6, dtype=np.float32).reshape(2, 3)) if t0 is None else t0)])


def central_records(data):
    """(offset, name) of each central directory record of a zip's bytes."""
    out, at = [], data.find(b"PK\x01\x02")
    while at >= 0:
        n = struct.unpack_from("<H", data, at + 28)[0]
        out.append((at, data[at + 46:at + 46 + n].decode()))
        at = data.find(b"PK\x01\x02", at + 46 + n)
    return out


def patch_central(path, name, offset, fmt, value, local_offset=None):
    """Change one field of ``name``'s central directory record (and of its local header)."""
    data = bytearray(path.read_bytes())
    for at, member in central_records(bytes(data)):
        if member == name:
            struct.pack_into(fmt, data, at + offset, value)
            if local_offset is not None:
                local = struct.unpack_from("<I", data, at + 42)[0]
                struct.pack_into(fmt, data, local + local_offset, value)
    path.write_bytes(bytes(data))


# ----------------------------------------------------------------- not a zip, damaged zips


@kind
def empty_file(path):
    path.write_bytes(b"")


@kind
def text_file(path):
    path.write_text("weights: 1, 2, 3\n")


@kind
def only_the_zip_magic(path):
    path.write_bytes(b"PK\x03\x04")


@kind
def zip_magic_then_garbage(path):
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)


@kind
def empty_zip(path):
    write_zip(path, [])


@kind
def truncated_to_half(path):
    good(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@kind
def truncated_by_ten_bytes(path):
    good(path)
    path.write_bytes(path.read_bytes()[:-10])


@kind
def flipped_byte_in_array_data(path):
    good(path)
    data = bytearray(path.read_bytes())
    at = data.find(struct.pack("<f", 5.0))
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))


@kind
def flipped_byte_in_central_directory(path):
    good(path)
    data = bytearray(path.read_bytes())
    data[central_records(bytes(data))[0][0] + 12] ^= 0xFF  # the name length -> names disagree
    data[central_records(bytes(data))[0][0] + 29] ^= 0x7F
    path.write_bytes(bytes(data))


@kind
def plain_numpy_savez(path):
    with open(path, "wb") as f:
        np.savez(f, weight=np.ones(3))


@kind
def corrupted_deflate_stream(path):
    write_zip(path, [("__seegrad__.npy", meta_npy()), ("t0.npy", npy(np.random.default_rng(0).random(5000)))],
              zipfile.ZIP_DEFLATED)
    data = bytearray(path.read_bytes())
    for i in range(400, 460):
        data[i] ^= 0x55
    path.write_bytes(bytes(data))


# ----------------------------------------------------------------- entries that are not arrays


@kind
def entry_that_is_not_npy(path):
    write_zip(path, [("__seegrad__.npy", meta_npy()), ("t0", b"\x00" * 24)])


@kind
def entry_with_path_traversal(path):
    write_zip(path, [("__seegrad__.npy", meta_npy()), ("../t0.npy", npy(np.ones(3)))])


@kind
def entry_with_absolute_path(path):
    write_zip(path, [("__seegrad__.npy", meta_npy()), ("/etc/t0.npy", npy(np.ones(3)))])


@kind
def entry_in_a_subfolder(path):
    write_zip(path, [("__seegrad__.npy", meta_npy()), ("sub/t0.npy", npy(np.ones(3)))])


@kind
def folder_entry(path):
    write_zip(path, [("__seegrad__.npy", meta_npy()), ("t0.npy/", b"")])


@kind
def duplicate_entries(path):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns "Duplicate name"
        write_zip(path, [("__seegrad__.npy", meta_npy()), ("t0.npy", npy(np.ones(3))), ("t0.npy", npy(np.zeros(3)))])


@kind
def encrypted_entry(path):
    good(path)
    patch_central(path, "t0.npy", 8, "<H", 0x1, local_offset=6)


@kind
def bzip2_entry(path):
    write_zip(path, [("__seegrad__.npy", meta_npy()), ("t0.npy", npy(np.ones(3)))], zipfile.ZIP_BZIP2)


@kind
def lzma_entry(path):
    write_zip(path, [("__seegrad__.npy", meta_npy()), ("t0.npy", npy(np.ones(3)))], zipfile.ZIP_LZMA)


@kind
def unknown_compression_method(path):
    good(path)
    patch_central(path, "t0.npy", 10, "<H", 99, local_offset=8)


@kind
def stored_entry_declaring_4_gib(path):
    good(path)
    patch_central(path, "t0.npy", 20, "<I", 0xFFFFFFF0)
    patch_central(path, "t0.npy", 24, "<I", 0xFFFFFFF0)


@kind
def stored_entry_with_two_sizes(path):
    good(path)
    patch_central(path, "t0.npy", 24, "<I", 10_000)


@kind
def deflate_bomb_100_mib_of_zeros(path):
    """A file of about 100 KB whose entry inflates to 100 MiB: over the default limit (64 MiB)."""
    header = npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (26214400,), }")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("__seegrad__.npy", meta_npy())
        with zf.open("t0.npy", "w", force_zip64=True) as w:
            w.write(header)
            zeros = b"\x00" * (1 << 20)
            for _ in range(100):
                w.write(zeros)


@kind
def deflate_entry_hiding_20_mib_behind_a_small_declared_size(path):
    """The directory says 152 bytes (a valid header and 3 floats); the stream holds 20 MiB: reading stops
    at the declared size, and the checksum (of the whole stream) fails."""
    header = npy_raw("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("__seegrad__.npy", meta_npy())
        zf.writestr("t0.npy", header + b"\x00" * (20 << 20))
    patch_central(path, "t0.npy", 24, "<I", len(header) + 24, local_offset=22)


@kind
def entry_declaring_more_than_it_inflates_to(path):
    write_zip(path, [("__seegrad__.npy", meta_npy()), ("t0.npy", npy(np.ones(3)))], zipfile.ZIP_DEFLATED)
    patch_central(path, "t0.npy", 24, "<I", 5000)


# ----------------------------------------------------------------- .npy headers


@kind
def object_array_holding_a_pickle(path):
    arr = np.empty(1, dtype=object)
    arr[0] = {"evil": True}
    good(path, t0=npy(arr))


@kind
def datetime64_array(path):
    good(path, t0=npy(np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[D]")))


@kind
def timedelta64_array(path):
    good(path, t0=npy(np.array([1, 2], dtype="timedelta64[s]")))


@kind
def void_array(path):
    good(path, t0=npy(np.zeros(2, dtype="V8")))


@kind
def structured_array(path):
    good(path, t0=npy(np.zeros(2, dtype=[("a", "<f4"), ("b", "<i8")])))


@kind
def subarray_dtype(path):
    good(path, t0=npy_raw("{'descr': [('', '<f4', (2,))], 'fortran_order': False, 'shape': (3,), }", b"\0" * 24))


@kind
def unicode_string_array(path):
    good(path, t0=npy(np.array(["abc", "de"])))


@kind
def bytes_string_array(path):
    good(path, t0=npy(np.array([b"abc", b"de"])))


@kind
def shape_whose_size_overflows_int64(path):
    good(path, t0=npy_raw("{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }",
                          b"\0" * 16))


def with_header(header):
    return lambda path: good(path, t0=npy_raw(header, b"\0" * 16))  # 16 bytes of data


for _name, _header in {
    "shape_declaring_7_tib": "{'descr': '<f4', 'fortran_order': False, 'shape': (1924145348608,), }",
    "shape_as_an_expression": "{'descr': '<f4', 'fortran_order': False, 'shape': (1 << 41,), }",
    "negative_shape": "{'descr': '<f4', 'fortran_order': False, 'shape': (-4,), }",
    "nan_in_shape": "{'descr': '<f4', 'fortran_order': False, 'shape': (nan,), }",
    "float_in_shape": "{'descr': '<f4', 'fortran_order': False, 'shape': (4.0,), }",
    "shape_that_is_not_a_tuple": "{'descr': '<f4', 'fortran_order': False, 'shape': 4, }",
    "fortran_order_not_a_bool": "{'descr': '<f4', 'fortran_order': 'yes', 'shape': (4,), }",
    "header_that_is_code": "__import__('os').system('echo pwned')",
    "header_missing_keys": "{'descr': '<f4'}",
    "header_with_unknown_dtype": "{'descr': 'x9', 'fortran_order': False, 'shape': (4,), }",
}.items():
    KINDS[_name] = with_header(_header)


@kind
def not_npy_magic(path):
    good(path, t0=b"\x93NUMPZ\x01\x00" + b"\0" * 100)


@kind
def npy_format_version_9(path):
    good(path, t0=npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", b"\0" * 16, version=(9, 0)))


@kind
def npy_header_over_the_numpy_limit(path):
    good(path, t0=npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }" + " " * 20000, b"\0" * 16,
                          version=(2, 0)))


@kind
def data_shorter_than_the_shape(path):
    good(path, t0=npy(np.ones(6, dtype=np.float32))[:-8])


@kind
def data_longer_than_the_shape(path):
    good(path, t0=npy(np.ones(6, dtype=np.float32)) + b"\0" * 8)


@kind
def bool_array_holding_a_2(path):
    good(path, t0=npy_raw("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", b"\x01\x02\x00"))


# ----------------------------------------------------------------- metadata


def with_meta(raw):
    return lambda path: write_zip(path, [("__seegrad__.npy", npy(np.frombuffer(raw, dtype=np.uint8))),
                                         ("t0.npy", npy(np.ones(3)))])


for _name, _raw in {
    "metadata_not_json": b"{not json",
    "metadata_not_utf8": b'{"format": "seegrad-npz\xff\xfe"}',
    "metadata_empty": b"",
    "metadata_json_list": b"[1, 2, 3]",
    "metadata_json_string": b'"seegrad-npz"',
    "metadata_without_format": b'{"version": 1, "tree": 1}',
    "metadata_of_another_format": b'{"format": "torch-zip", "version": 1, "tree": 1}',
    "version_as_a_string": b'{"format": "seegrad-npz", "version": "2", "tree": 1}',
    "version_null": b'{"format": "seegrad-npz", "version": null, "tree": 1}',
    "version_missing": b'{"format": "seegrad-npz", "tree": 1}',
    "version_zero": b'{"format": "seegrad-npz", "version": 0, "tree": 1}',
    "version_true": b'{"format": "seegrad-npz", "version": true, "tree": 1}',
    "version_fractional": b'{"format": "seegrad-npz", "version": 1.5, "tree": 1}',
    "version_from_the_future": b'{"format": "seegrad-npz", "version": 99, "tree": 1}',
    "metadata_without_a_tree": b'{"format": "seegrad-npz", "version": 1}',
    "json_nested_100000_deep": b'{"format": "seegrad-npz", "version": 1, "tree": ' + b"[" * 100000 + b"]" * 100000
                               + b"}",
    "tree_nested_500_deep": b'{"format": "seegrad-npz", "version": 1, "tree": ' + b"[" * 500 + b"]" * 500 + b"}",
    "number_with_5000_digits": b'{"format": "seegrad-npz", "version": 1, "tree": ' + b"7" * 5000 + b"}",
}.items():
    KINDS[_name] = with_meta(_raw)


@kind
def metadata_as_float_array(path):
    write_zip(path, [("__seegrad__.npy", npy(np.frombuffer(meta_bytes(), dtype=np.uint8).astype(np.float32))),
                     ("t0.npy", npy(np.ones(3)))])


@kind
def metadata_as_2d_array(path):
    raw = meta_bytes()
    raw += b" " * (-len(raw) % 2)
    write_zip(path, [("__seegrad__.npy", npy(np.frombuffer(raw, dtype=np.uint8).reshape(2, -1))),
                     ("t0.npy", npy(np.ones(3)))])


@kind
def metadata_entry_missing(path):
    write_zip(path, [("t0.npy", npy(np.ones(3)))])


def with_tree(tree):
    return lambda path: good(path, tree=tree)


for _name, _tree in {
    "tag_refers_to_a_missing_entry": {"w": {"$tensor": "t9"}},
    "tag_refers_to_the_metadata": {"w": {"$tensor": "__seegrad__"}},
    "tag_entry_not_a_string": {"w": {"$tensor": 0}},
    "tag_entry_a_list": {"w": {"$ndarray": ["t0"]}},
    "one_entry_referred_to_twice": {"w": {"$tensor": "t0"}, "v": {"$tensor": "t0"}},
    "tuple_tag_not_a_list": {"w": {"$tuple": "abc"}},
    "dict_tag_not_pairs": {"w": {"$dict": [[1, 2, 3]]}},
    "dict_tag_not_a_list": {"w": {"$dict": {"a": 1}}},
    "dict_key_unhashable": {"w": {"$dict": [[{"a": 1}, 2]]}},
    "dict_key_twice": {"w": {"$dict": [[1, "a"], [1, "b"]]}},
    "float_tag_not_special": {"w": {"$float": "1.5"}},
    "float_tag_not_a_string": {"w": {"$float": 1.5}},
    "unknown_tag": {"w": {"$pickle": "gASV"}},
    "tag_with_other_keys": {"w": {"$tensor": "t0", "shape": [2, 3]}},
}.items():
    KINDS[_name] = with_tree(_tree)


# ----------------------------------------------------------------- the tests


def test_there_are_at_least_50_kinds():
    assert len(KINDS) >= 50, len(KINDS)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_crafted_file_gives_one_checkpoint_error_naming_the_file(name, tmp_path):
    path = tmp_path / f"{name}.npz"
    KINDS[name](path)
    t0 = time.perf_counter()
    with pytest.raises(nn.CheckpointError) as err:
        nn.load(path)
    assert type(err.value) is nn.CheckpointError
    assert f"{name}.npz" in str(err.value)
    assert time.perf_counter() - t0 < 5  # no inflating, no huge allocation
    with open(path, "rb") as fh:  # the same from an open file object
        with pytest.raises(nn.CheckpointError, match=f"{name}.npz"):
            nn.load(fh)


def test_pickle_is_never_called(tmp_path, monkeypatch):
    import pickle
    calls = []
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: calls.append(a))
    monkeypatch.setattr(pickle, "load", lambda *a, **k: calls.append(a))
    for name in ("object_array_holding_a_pickle", "header_that_is_code"):
        KINDS[name](tmp_path / "x.npz")
        with pytest.raises(nn.CheckpointError):
            nn.load(tmp_path / "x.npz")
    assert calls == []


def test_what_the_messages_say(tmp_path):
    """A few messages, read as a user would: what is wrong, and what to do."""
    cases = {
        "deflate_bomb_100_mib_of_zeros": r"would decompress to 104,857,\d\d\d bytes, over the limit of 67,108,864 "
                                         r"bytes.*nn.load\(path, max_bytes=10485",
        "shape_declaring_7_tib": r"declares a float32 array of shape \(1924145348608,\) "
                                 r"\(7,696,581,394,432 bytes\) but holds 16",
        "datetime64_array": r"entry 't0.npy' of dtype '<M8\[D\]'; only numbers are loaded",
        "version_as_a_string": r"format version '2'",
        "metadata_without_a_tree": r"no 'tree'",
        "entry_with_path_traversal": r"entry '../t0.npy' is not an array",
        "encrypted_entry": r"entry 't0.npy' is encrypted",
        "unknown_compression_method": r"compression method 99",
        "json_nested_100000_deep": r"nests too deeply",
        "tree_nested_500_deep": r"more than 100 levels",
    }
    for name, pattern in cases.items():
        KINDS[name](tmp_path / f"{name}.npz")
        with pytest.raises(nn.CheckpointError, match=pattern):
            nn.load(tmp_path / f"{name}.npz")


def test_fifo_folder_and_device_are_refused_without_blocking(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    os.mkfifo(tmp_path / "pipe.npz")
    (tmp_path / "folder.npz").mkdir()
    code = ("import sys, nn\n"
            "for path in sys.argv[1:]:\n"
            "    try:\n"
            "        nn.load(path)\n"
            "    except nn.CheckpointError as err:\n"
            "        print(err)\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "pipe.npz"), str(tmp_path / "folder.npz"),
                          os.devnull], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 3
    assert "pipe.npz' is a FIFO (named pipe), not a regular file" in lines[0]
    assert "folder.npz' is a folder, not a regular file" in lines[1]
    assert f"{os.devnull}' is a character device" in lines[2]


def test_missing_file_is_still_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "missing.npz")


# ----------------------------------------------------------------- what must still load


def test_compressed_checkpoint_loads_and_max_bytes_overrides_the_limit(tmp_path):
    """np.savez_compressed files load; a trusted file over the limit loads with max_bytes."""
    path = tmp_path / "zeros.npz"
    meta = np.frombuffer(meta_bytes({"w": {"$tensor": "t0"}}), dtype=np.uint8)
    with open(path, "wb") as f:
        np.savez_compressed(f, __seegrad__=meta, t0=np.zeros((1024, 1024, 20), dtype=np.float32))  # 80 MiB
    assert path.stat().st_size < 1 << 20
    with pytest.raises(nn.CheckpointError, match="zeros.npz' would decompress to 83,886,"):
        nn.load(path)
    w = nn.load(path, max_bytes=100 << 20)["w"]
    assert w.shape == (1024, 1024, 20) and not w.numpy().any()
    with pytest.raises(nn.CheckpointError, match="over the limit of 1,000 bytes"):
        nn.save({"w": ag.ones(1000)}, tmp_path / "small.npz") or nn.load(tmp_path / "small.npz", max_bytes=1000)
    with pytest.raises(ValueError, match="max_bytes must be a number of bytes"):
        nn.load(tmp_path / "small.npz", max_bytes="1GB")


def test_a_large_uncompressed_checkpoint_needs_no_max_bytes(tmp_path):
    """Files nn.save writes are stored, not compressed: their arrays are the file's own size."""
    nn.save({"w": ag.zeros(5, 1 << 22)}, tmp_path / "big.npz")  # 80 MiB, over 64 MiB
    assert nn.load(tmp_path / "big.npz")["w"].shape == (5, 1 << 22)


def test_fortran_order_big_endian_and_every_numeric_dtype_load(tmp_path):
    arrays = {"f": np.asfortranarray(np.arange(6.0).reshape(2, 3)), "be": np.arange(4, dtype=">i4"),
              "b": np.array([True, False]), "u8": np.arange(3, dtype=np.uint8), "c": np.array([1 + 2j]),
              "h": np.ones(2, dtype=np.float16), "z": np.zeros((0, 3))}
    tree = {k: {"$ndarray": k} for k in arrays}
    with open(tmp_path / "mixed.npz", "wb") as f:
        np.savez(f, __seegrad__=np.frombuffer(meta_bytes(tree), dtype=np.uint8), **arrays)
    back = nn.load(tmp_path / "mixed.npz")
    for k, arr in arrays.items():
        np.testing.assert_array_equal(back[k], arr)
        assert back[k].dtype == arr.dtype.newbyteorder("=") and back[k].dtype.isnative
