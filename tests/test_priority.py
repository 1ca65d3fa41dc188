"""Background threads of the show run below the render loop's priority (Linux)."""
import os
import sys
import threading
import time

import pytest

from vj.live.priority import BACKGROUND_NICE, background, thread_nice

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="per-thread nice values are a Linux feature")


@linux_only
def test_background_lowers_only_the_calling_thread():
    main_before = thread_nice()
    seen = {}

    def work():
        before = thread_nice()
        seen["took"] = background()
        seen["nice"], seen["want"] = thread_nice(), min(19, before + BACKGROUND_NICE)

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert seen["took"] and seen["nice"] == seen["want"], seen
    assert thread_nice() == main_before       # the render (main) thread is untouched


@linux_only
def test_the_decode_worker_runs_at_background_priority():
    from vj.live.decode_worker import DecodeWorker
    from vj.live.faults import Faults

    w = DecodeWorker(Faults())
    w.start()
    try:
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            nice = os.getpriority(os.PRIO_PROCESS, w.native_id)
            if nice == min(19, thread_nice() + BACKGROUND_NICE):
                break
            time.sleep(0.01)
        assert nice == min(19, thread_nice() + BACKGROUND_NICE)
    finally:
        w.stop()
