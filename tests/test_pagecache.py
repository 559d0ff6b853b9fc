"""The page cache: bounded, shared by concurrent calls, and never keeps a failure."""

from __future__ import annotations

import asyncio

import pytest

from proxy.pagecache import AssessmentCache, body_digest


def counting(value):
    calls = []

    async def compute():
        calls.append(1)
        await asyncio.sleep(0.01)
        return value

    return compute, calls


async def test_a_value_is_computed_once_and_the_oldest_is_dropped():
    cache = AssessmentCache(max_entries=2)
    compute, calls = counting("a")
    assert [await cache.get("a", compute) for _ in range(3)] == ["a", "a", "a"]
    assert len(calls) == 1
    await cache.get("b", counting("b")[0])
    await cache.get("a", compute)  # "a" is now the most recently used
    await cache.get("c", counting("c")[0])
    assert len(cache) == 2
    recompute, again = counting("b2")
    assert await cache.get("b", recompute) == "b2" and again  # "b" was the least recently used, dropped


async def test_concurrent_calls_for_one_key_share_one_computation():
    cache = AssessmentCache()
    compute, calls = counting(42)
    assert await asyncio.gather(*(cache.get("page", compute) for _ in range(30))) == [42] * 30
    assert len(calls) == 1 and (cache.misses, cache.hits) == (1, 29)


async def test_a_failure_is_not_kept_and_waiters_compute_for_themselves():
    cache = AssessmentCache()

    async def failing():
        await asyncio.sleep(0.01)
        raise RuntimeError("worker died")

    compute, calls = counting("fine")
    first = asyncio.ensure_future(cache.get("page", failing))
    await asyncio.sleep(0)
    second = asyncio.ensure_future(cache.get("page", compute))
    with pytest.raises(RuntimeError):
        await first
    assert await second == "fine" and len(calls) == 1
    assert await cache.get("page", failing) == "fine"  # now cached


async def test_digests_of_big_and_small_bodies_tell_bodies_apart():
    small, big = b"<p>a</p>", b"x" * (1 << 20)
    assert await body_digest(small) != await body_digest(small + b" ")
    assert await body_digest(big) == await body_digest(bytes(big)) != await body_digest(big + b"y")
