import threading
import time

import pytest

from vj.record.prefetch import prefetch


def test_items_arrive_in_order_and_the_thread_ends():
    before = set(threading.enumerate())   # threads of earlier tests may end meanwhile
    assert list(prefetch(lambda: iter(range(100)), depth=3)) == list(range(100))
    assert set(threading.enumerate()) - before == set()


def test_the_producer_runs_at_most_depth_ahead():
    made = []

    def make():
        for i in range(50):
            made.append(i)
            yield i

    it = prefetch(make, depth=2)
    assert next(it) == 0
    time.sleep(0.3)  # give the producer every chance to run ahead
    # item 0 consumed, 2 waiting in the queue, 1 made and blocked on the full queue
    assert len(made) <= 4
    it.close()


def test_a_producer_error_reaches_the_consumer_at_its_place():
    def make():
        yield 1
        yield 2
        raise RuntimeError("decode failed")

    got = []
    with pytest.raises(RuntimeError, match="decode failed"):
        for x in prefetch(make):
            got.append(x)
    assert got == [1, 2]


def test_closing_early_stops_the_producer():
    before = threading.active_count()
    stopped = threading.Event()

    def make():
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            stopped.set()

    it = prefetch(make, depth=2)
    assert [next(it) for _ in range(5)] == [0, 1, 2, 3, 4]
    it.close()
    assert stopped.wait(2.0)
    assert threading.active_count() == before
    with pytest.raises(ValueError):
        list(prefetch(lambda: [], depth=0))
