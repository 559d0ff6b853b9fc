"""Decoding response bodies without trusting them.

mitmproxy would decompress a body in full; a 1 MB gzip or brotli "bomb" can
expand to gigabytes.  `decoded_prefix()` decodes at most `limit` bytes of a
gzip, deflate, br or zstd body and reports whether it was cut, so the filter
classifies what it can and never exhausts memory.
"""

from __future__ import annotations

import zlib

import brotli
import zstandard

_BROTLI_STEP = 64  # brotli can turn 16 input bytes into 8 MiB: feed it little at a time


class UndecodableBody(ValueError):
    pass


def _zlib_prefix(raw: bytes, wbits: int, limit: int) -> tuple[bytes, bool]:
    d = zlib.decompressobj(wbits)
    out = d.decompress(raw, limit + 1)
    return out[:limit], len(out) > limit


def _brotli_prefix(raw: bytes, limit: int) -> tuple[bytes, bool]:
    d = brotli.Decompressor()
    out = bytearray()
    for i in range(0, len(raw), _BROTLI_STEP):
        out += d.process(raw[i : i + _BROTLI_STEP])
        if len(out) > limit:
            return bytes(out[:limit]), True
    return bytes(out), False


def _zstd_prefix(raw: bytes, limit: int) -> tuple[bytes, bool]:
    reader = zstandard.ZstdDecompressor().stream_reader(raw)
    out = reader.read(limit + 1)
    return out[:limit], len(out) > limit


def decoded_prefix(raw: bytes, content_encoding: str | None, limit: int) -> tuple[bytes, bool]:
    """(at most `limit` decoded bytes, whether the body was longer)."""
    enc = (content_encoding or "identity").strip().lower()
    try:
        if enc in ("", "identity", "none"):
            return raw[:limit], len(raw) > limit
        if enc in ("gzip", "x-gzip"):
            return _zlib_prefix(raw, 16 + zlib.MAX_WBITS, limit)
        if enc == "deflate":
            try:
                return _zlib_prefix(raw, zlib.MAX_WBITS, limit)
            except zlib.error:  # some servers send raw deflate without the zlib header
                return _zlib_prefix(raw, -zlib.MAX_WBITS, limit)
        if enc == "br":
            return _brotli_prefix(raw, limit)
        if enc == "zstd":
            return _zstd_prefix(raw, limit)
    except (zlib.error, brotli.error, zstandard.ZstdError) as exc:
        raise UndecodableBody(f"{enc} body cannot be decoded: {exc}") from None
    raise UndecodableBody(f"unsupported content encoding '{enc}'")
