"""Read a TensorFlow checkpoint (``.index`` + ``.data-00000-of-00001``) without TensorFlow.

The index is an SSTable (LevelDB table format, uncompressed blocks) mapping
variable names to ``BundleEntryProto`` messages (dtype, shape, offset, size);
the data file holds the raw little-endian tensors.  This is all vj needs to
load musicnn's weights from the installed package at run time.
"""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

_DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 9: np.int64, 19: np.float16}


class CheckpointError(ValueError):
    pass


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, i
        shift += 7


def _block_entries(buf: bytes):
    """Key/value pairs of one SSTable block (prefix-compressed keys)."""
    n_restarts = struct.unpack_from("<I", buf, len(buf) - 4)[0]
    end = len(buf) - 4 - 4 * n_restarts
    i, key = 0, b""
    while i < end:
        shared, i = _varint(buf, i)
        unshared, i = _varint(buf, i)
        vlen, i = _varint(buf, i)
        key = key[:shared] + buf[i:i + unshared]
        i += unshared
        yield key, buf[i:i + vlen]
        i += vlen


def _read_block(data: bytes, offset: int, size: int) -> bytes:
    if data[offset + size] != 0:
        raise CheckpointError("compressed SSTable blocks are not supported")
    return data[offset:offset + size]


def _fields(msg: bytes):
    """(field number, wire type, value) of a protobuf message."""
    i = 0
    while i < len(msg):
        tag, i = _varint(msg, i)
        field, wire = tag >> 3, tag & 7
        if wire == 0:
            v, i = _varint(msg, i)
        elif wire == 2:
            n, i = _varint(msg, i)
            v, i = msg[i:i + n], i + n
        elif wire == 5:
            v, i = msg[i:i + 4], i + 4
        elif wire == 1:
            v, i = msg[i:i + 8], i + 8
        else:
            raise CheckpointError(f"unsupported protobuf wire type {wire}")
        yield field, wire, v


def _entry(msg: bytes) -> tuple[int, tuple[int, ...], int, int]:
    dtype, shape, offset, size = 0, [], 0, 0
    for f, _, v in _fields(msg):
        if f == 1:
            dtype = v
        elif f == 2:  # TensorShapeProto: repeated Dim (field 2) { size (field 1) }
            for f2, _, dim in _fields(v):
                if f2 == 2:
                    shape.append(next((x for f3, _, x in _fields(dim) if f3 == 1), 0))
        elif f == 4:
            offset = v
        elif f == 5:
            size = v
    return dtype, tuple(shape), offset, size


def read_checkpoint(prefix: str | Path) -> dict[str, np.ndarray]:
    """All tensors of a checkpoint given its prefix (the path without ``.index``)."""
    prefix = str(prefix)
    index = Path(prefix + ".index").read_bytes()
    data = Path(prefix + ".data-00000-of-00001").read_bytes()
    if len(index) < 48 or index[-8:] != bytes.fromhex("57fb808b247547db"):
        raise CheckpointError(f"{prefix}.index: not a TensorFlow checkpoint index")
    footer = index[-48:]
    _, i = _varint(footer, 0)
    _, i = _varint(footer, i)           # metaindex handle (unused)
    idx_off, i = _varint(footer, i)
    idx_size, i = _varint(footer, i)
    out: dict[str, np.ndarray] = {}
    for _, handle in _block_entries(_read_block(index, idx_off, idx_size)):
        off, j = _varint(handle, 0)
        size, _ = _varint(handle, j)
        for key, value in _block_entries(_read_block(index, off, size)):
            if not key:
                continue  # the bundle header
            dtype, shape, offset, nbytes = _entry(value)
            if dtype not in _DTYPES:
                continue
            arr = np.frombuffer(data, dtype=_DTYPES[dtype], count=nbytes // np.dtype(
                _DTYPES[dtype]).itemsize, offset=offset)
            out[key.decode()] = arr.reshape(shape).copy()
    return out
