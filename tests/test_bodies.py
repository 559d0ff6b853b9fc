"""Capped decoding of compressed bodies: bombs are cut, junk is reported."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest
import zstandard

from proxy.bodies import UndecodableBody, decoded_prefix

PAGE = ("<p>bonjour " * 1000).encode()


@pytest.mark.parametrize(
    "encoding, encode",
    [
        ("identity", lambda b: b),
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("br", brotli.compress),
        ("zstd", lambda b: zstandard.ZstdCompressor().compress(b)),
    ],
)
def test_round_trip_and_bombs(encoding, encode):
    assert decoded_prefix(encode(PAGE), encoding, 1 << 20) == (PAGE, False)
    bomb = encode(b"\0" * (64 << 20))  # 64 MiB of zeros, a few KiB compressed
    body, cut = decoded_prefix(bomb, encoding, 100_000)
    assert cut and len(body) == 100_000


def test_raw_deflate_without_header():
    raw = zlib.compressobj(wbits=-15)
    data = raw.compress(PAGE) + raw.flush()
    assert decoded_prefix(data, "deflate", 1 << 20)[0] == PAGE


@pytest.mark.parametrize("encoding", ["gzip", "br", "zstd", "compress"])
def test_junk_is_reported_not_raised(encoding):
    with pytest.raises(UndecodableBody):
        decoded_prefix(b"\x00not compressed at all\xff" * 10, encoding, 1000)
