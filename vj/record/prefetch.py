"""Run a producer on its own thread, a bounded number of items ahead of the consumer.

``vj record`` decodes the next chunk of frames while the current one is drawn and
encoded, so the decoder (the GPU) is not idle waiting for the CPU.  The queue is
bounded, so memory stays flat however long the song is.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def prefetch(make: Callable[[], Iterable[T]], depth: int = 2, *,
             name: str = "vj-prefetch") -> Iterator[T]:
    """Yield the items of ``make()``, produced on a worker thread at most ``depth`` ahead.

    An exception in the producer is raised in the consumer at the item where it
    happened.  Closing the generator early (``break``, an exception in the consumer)
    stops the producer and joins its thread.
    """
    if depth < 1:
        raise ValueError(f"prefetch depth must be at least 1, got {depth}")
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in make():
                if not put(item):
                    return
        except BaseException as e:  # handed to the consumer
            put(_Failure(e))
            return
        put(_DONE)

    thread = threading.Thread(target=work, name=name, daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join()
