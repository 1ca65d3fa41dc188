import threading

import numpy as np

from vj.audio.ring import RingBuffer


def test_round_trip_with_wraparound():
    r = RingBuffer(10)
    out = np.zeros((4, 1), np.float32)
    data = np.arange(30, dtype=np.float32)
    got = []
    for i in range(0, 30, 3):
        r.write(data[i:i + 3])
        while r.read(out):
            got.extend(out[:, 0])
    assert got == list(data[: len(got)])
    assert len(got) == 28 and r.overruns == 0


def test_read_waits_for_enough_frames():
    r = RingBuffer(16, 2)
    out = np.full((8, 2), 7.0, np.float32)
    r.write(np.ones((5, 2), np.float32))
    assert not r.read(out)
    assert (out == 7.0).all()  # untouched
    r.write(np.ones((3, 2), np.float32))
    assert r.read(out) and (out == 1.0).all()


def test_overrun_skips_to_the_newest_audio():
    r = RingBuffer(16)
    for i in range(0, 40, 8):
        r.write(np.arange(i, i + 8, dtype=np.float32))
    out = np.zeros((4, 1), np.float32)
    assert r.read(out)
    # 40 written into 16: the read is the newest 4 frames, and nothing is left behind
    assert r.overruns == 1 and r.dropped == 36
    assert list(out[:, 0]) == [36, 37, 38, 39]
    assert r.available == 0 and not r.read(out)
    # the next block is read as it comes: the consumer is at the present, not a buffer late
    r.write(np.arange(40, 44, dtype=np.float32))
    assert r.read(out) and list(out[:, 0]) == [40, 41, 42, 43] and r.overruns == 1


def test_block_larger_than_capacity_keeps_the_tail():
    r = RingBuffer(8)
    r.write(np.arange(20, dtype=np.float32))
    assert r.too_big == 1
    out = np.zeros((4, 1), np.float32)
    assert r.read(out)
    assert list(out[:, 0]) == list(range(16, 20))  # the newest audio, after the skip


def test_read_size_is_checked():
    import pytest

    from vj.errors import ParameterError

    with pytest.raises(ParameterError):
        RingBuffer(8).read(np.zeros((5, 1), np.float32))


def test_threaded_producer_consumer_keeps_order():
    r = RingBuffer(4096)
    n_blocks, bs = 2000, 64
    got = []

    def produce():
        for i in range(n_blocks):
            r.write(np.arange(i * bs, (i + 1) * bs, dtype=np.float32))

    t = threading.Thread(target=produce)
    t.start()
    out = np.zeros((128, 1), np.float32)
    while t.is_alive() or r.available >= 128:
        if r.read(out):
            got.append(out[:, 0].copy())
    t.join()
    seq = np.concatenate(got)
    # consecutive within each run; any jump is an accounted overrun
    jumps = np.count_nonzero(np.diff(seq) != 1)
    assert jumps <= r.overruns
    assert seq[0] == 0 or r.overruns > 0


def test_write_does_not_allocate_numpy_memory():
    import tracemalloc

    r = RingBuffer(4096, 2)
    block = np.ones((256, 2), np.float32)
    for _ in range(20):
        r.write(block)
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for _ in range(200):
            r.write(block)
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    domain = np.lib.tracemalloc_domain
    f = [tracemalloc.DomainFilter(True, domain)]
    grown = sum(s.size_diff for s in after.filter_traces(f).compare_to(before.filter_traces(f),
                                                                        "filename"))
    assert grown <= 0
