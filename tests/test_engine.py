"""The audio engine in a process of its own (vj.engine): the shared board, the hop loop,
the process started, killed, hung and orphaned, and the render loop's view of it."""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.conftest import audio_processes, grown_bytes, one_line_error, run_vj, wait_for
from vj.audio.energy import EnergyFrame
from vj.audio.streaming import LIVE_PARAMS, StreamingEnergy
from vj.audio.synth import click_train, drum_and_chords
from vj.engine import board as B


def _board():
    n = B.history_length(LIVE_PARAMS.sr, LIVE_PARAMS.hop)
    b = B.Board(bytearray(B.board_size(n)), n)
    b.init()
    return b


def _frame(x: float) -> EnergyFrame:
    return EnergyFrame(0.0, x, x / 2, x, x / 3, -20.0)


# -- the board ------------------------------------------------------------------------------

def test_the_board_hands_over_each_hop_and_refuses_half_written_or_overwritten_slots():
    b = _board()
    out = np.zeros(B.FIELDS)
    assert b.hops == 0 and not b.read(0, out)
    for h in range(10):
        b.publish(_frame(h / 10), adc=h, integral=h * 2.0, audio_time=h * 0.5, now=100.0 + h)
    assert b.hops == 10 and b.read(9, out)
    assert out[B.E] == pytest.approx(0.9) and out[B.ADC] == 9 and out[B.INTEGRAL] == 18.0
    assert b.value(3, B.ONSET) == pytest.approx(0.1)
    # a slot the writer is writing (seq -1), and a hop whose slot holds a newer one
    b.seq[9 % B.SLOTS] = -1
    assert not b.read(9, out) and b.value(9, B.E) is None
    for h in range(10, 10 + B.SLOTS):
        b.publish(_frame(0.5), adc=h, integral=0.0, audio_time=0.0, now=0.0)
    assert not b.read(3, out) and b.value(3, B.ONSET) is None


def test_the_history_keeps_the_newest_audio_across_its_end():
    b = _board()
    cap = len(b.history)
    hop = LIVE_PARAMS.hop
    for i in range(cap // hop + 3):
        b.add_history(np.full(hop, i, np.float32))
    last = b.recent_audio(2 * hop)
    assert list(np.unique(last)) == [cap // hop + 1, cap // hop + 2]
    assert len(b.recent_audio(10 * cap)) == cap


def test_publishing_a_hop_and_reading_it_each_frame_allocate_nothing():
    from vj.live.energy_view import EnergyView

    b = _board()
    view = EnergyView(b)
    frame = _frame(0.4)
    t = [0.0]

    def hop_and_frame():
        t[0] += 0.0116
        b.publish(frame, adc=t[0], integral=t[0], audio_time=t[0], now=t[0])
        b.add_history(np.zeros(LIVE_PARAMS.hop, np.float32)[:0])
        view.read(t[0])

    # a view that copied or appended per frame would grow by more than 100 KB here
    assert grown_bytes(hop_and_frame, 2000) < 2048


# -- the hop loop -----------------------------------------------------------------------------

class _Feed:
    """A capture as the audio process has one: a ring and an ADC clock."""

    def __init__(self, rate=LIVE_PARAMS.sr):
        from vj.audio.ring import RingBuffer

        self.ring, self.rate = RingBuffer(rate * 2), rate

    def time_of(self, count):
        return count / self.rate


def test_published_energy_is_what_an_offline_engine_makes_of_the_same_samples():
    from vj.engine.analysis import HopAnalysis

    y = drum_and_chords(sr=LIVE_PARAMS.sr, duration=6.0, seed=4)
    feed, b = _Feed(), _board()
    hop_loop = HopAnalysis(feed, LIVE_PARAMS, b)
    got = []
    rec = np.zeros(B.FIELDS)
    for i in range(0, len(y) - 128, 128):     # blocks as the capture writes them
        feed.ring.write(y[i:i + 128])
        before = b.hops
        hop_loop.pump(now=i / LIVE_PARAMS.sr)
        for h in range(before, b.hops):
            assert b.read(h, rec)
            got.append(rec[B.E])
    ref = StreamingEnergy(LIVE_PARAMS)
    want = [ref.process(y[h * LIVE_PARAMS.hop:(h + 1) * LIVE_PARAMS.hop]).energy
            for h in range(len(got))]
    assert len(got) == (len(y) - 128) // LIVE_PARAMS.hop
    assert np.allclose(got, want, atol=1e-6)
    # the analysed audio is the tagger's history
    n = LIVE_PARAMS.hop * 8
    assert np.allclose(b.recent_audio(n), y[len(got) * LIVE_PARAMS.hop - n:len(got) *
                                            LIVE_PARAMS.hop])


def test_the_hop_loop_allocates_no_arrays_per_hop():
    from vj.engine.analysis import HopAnalysis

    y = drum_and_chords(sr=LIVE_PARAMS.sr, duration=3.0, seed=5).astype(np.float32)
    feed, b = _Feed(), _board()
    hop_loop = HopAnalysis(feed, LIVE_PARAMS, b)
    pos = [0]

    def block():
        i = pos[0] % (len(y) - 256)
        feed.ring.write(y[i:i + 256])
        hop_loop.pump(now=i / LIVE_PARAMS.sr)
        pos[0] += 256

    for _ in range(200):   # the engine's running windows fill first
        block()
    # an array of one hop kept per hop would grow by 100 KB over these 100 hops
    assert grown_bytes(block, 100, numpy_only=True) <= 0


# -- the process --------------------------------------------------------------------------------

def _engine(song, **kw):
    from vj.engine.host import AudioEngine
    from vj.live.faults import Faults

    faults = Faults()
    eng = AudioEngine(faults, audio_file=str(song), **kw).open()
    eng.start()
    return eng, faults



@pytest.fixture(scope="module")
def long_song(tmp_path_factory):
    import soundfile as sf

    y = drum_and_chords(sr=22050, duration=40.0, seed=6)
    p = tmp_path_factory.mktemp("engine") / "long.wav"
    sf.write(p, y, 22050)
    return p


@pytest.mark.slow
def test_a_killed_audio_process_is_replaced_and_the_song_goes_on_where_it_is(long_song):
    eng, faults = _engine(long_song)
    try:
        assert wait_for(lambda: eng.hops > 50, 10.0), "no hops from the audio process"
        # the spare: started when the first is ready, imports (about a second of CPU) and
        # the song decoded when the CPUs are otherwise idle, which on a loaded machine
        # takes several seconds; 20 s is the bound the engine gives a starting process
        # (HANG)
        assert wait_for(lambda: eng.spare_ready, 20.0), "no spare audio process"
        spare = eng.spare_pid
        old = eng.pid
        os.kill(old, signal.SIGKILL)
        killed = time.perf_counter()
        hops = eng.hops
        # the spare is woken at once; back within the 3 s the show promises (issue 23):
        # with its imports done, what is left is mapping the board and 20 hops (0.23 s)
        assert wait_for(lambda: eng.hops > hops + 20, 3.0), faults.listing()
        back = time.perf_counter() - killed
        assert eng.pid == spare and eng.restarts == 1 and eng.spares_used == 1
        assert any("audio process stopped" in f for f in faults.listing()), faults.listing()
        assert wait_for(lambda: not faults.active("engine"), 2.0)   # cleared when heard
        # the new process plays the song from where the show is, not from its start
        rec = np.zeros(B.FIELDS)
        assert eng.board.read(eng.hops - 1, rec)
        fed = rec[B.ADC] - eng.start_wall
        # the newest hop was fed a hop or two ago; a process that had started the song
        # from its beginning would be the seconds the show has run behind
        assert abs(fed - (time.perf_counter() - eng.start_wall)) < 0.5, fed
        print(f"\naudio process killed: hops again after {back:.2f} s")
    finally:
        t = time.perf_counter()
        eng.stop()
    # stop() closes stdin, waits 0.5 s and kills: it never waits on the process longer
    assert time.perf_counter() - t < 2.5


@pytest.mark.slow
def test_a_hung_audio_process_is_killed_and_replaced(long_song):
    from vj.engine.host import HANG

    eng, faults = _engine(long_song)
    try:
        assert wait_for(lambda: eng.hops > 50, 10.0)
        assert wait_for(lambda: eng.spare_ready, 20.0)    # as in the test above
        old = eng.pid
        os.kill(old, signal.SIGSTOP)        # alive, but it no longer beats
        stopped = time.perf_counter()
        assert wait_for(lambda: eng.pid != old, HANG[B.RUNNING] + 2.0), faults.listing()
        assert time.perf_counter() - stopped >= HANG[B.RUNNING] - 0.1
        assert any("hung" in f for f in faults.listing()), faults.listing()
        hops = eng.hops
        assert wait_for(lambda: eng.hops > hops + 20, 3.0)     # as in the test above
        assert eng.spares_used == 1
        assert subprocess.run(["kill", "-0", str(old)], capture_output=True).returncode != 0
    finally:
        eng.stop()


@pytest.mark.slow
def test_without_a_live_spare_the_audio_process_is_started_cold(long_song):
    """A spare that left by itself is not trusted again: the next restart starts a
    fresh process, as it did before there were spares, and no spare is started again."""
    eng, faults = _engine(long_song)
    try:
        assert wait_for(lambda: eng.spare_ready, 20.0)
        spare = eng.spare_pid
        os.kill(spare, signal.SIGKILL)
        assert wait_for(lambda: not eng.spare_ready and eng.spare_pid is None, 2.0)
        old, hops = eng.pid, eng.hops
        os.kill(old, signal.SIGKILL)
        # a cold start imports and decodes: the engine gives a starting process 20 s (HANG)
        assert wait_for(lambda: eng.hops > hops + 20, 20.0), faults.listing()
        assert eng.pid not in (old, spare) and eng.restarts == 1 and eng.spares_used == 0
        time.sleep(1.5)                 # longer than SPARE_AFTER: none is started again
        assert eng.spare_pid is None
    finally:
        eng.stop()


def test_an_unknown_input_device_stops_the_show_before_it_starts_with_one_line(art_bank):
    res = run_vj("live", "--bank", art_bank, "--no-osc", "--headless", "--duration", 1,
                 "--input-device", "no such microphone 1234", timeout=60)
    line = one_line_error(res)
    assert "no such microphone 1234" in line or "no audio input" in line, line


@pytest.mark.slow
def test_the_audio_process_leaves_when_the_show_is_killed(long_song, art_bank):
    import psutil

    p = subprocess.Popen([sys.executable, "-m", "vj", "live", "--bank", str(art_bank),
                          "--audio-file", str(long_song), "--no-osc", "--headless",
                          "--size", "64x48", "--duration", "30"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def engines():
            return [c for c, _ in audio_processes(p.pid)]
        # the running one and its spare (started when the first is ready; 20 s is the
        # bound the engine gives a starting process)
        assert wait_for(lambda: len(engines()) == 2, 20.0), engines()
        children = engines()
        p.send_signal(signal.SIGKILL)
        p.wait()
        # each watches its stdin (closed with the show) and its parent's pid every 0.1 s
        # (the spare its stdin), and the kernel sends it SIGKILL when the show dies
        # (PR_SET_PDEATHSIG)
        def left(c) -> bool:
            try:
                return not c.is_running() or c.status() == psutil.STATUS_ZOMBIE
            except psutil.NoSuchProcess:     # reaped between the two reads
                return True
        assert wait_for(lambda: all(left(c) for c in children), 2.0), children
    finally:
        if p.poll() is None:
            p.kill()


# -- the render loop's view -------------------------------------------------------------------

def test_a_hit_is_seen_when_several_hops_are_published_between_two_frames():
    """Behind after a stall, the engine publishes several hops at once; the render loop
    reads only the newest record, yet must see the strong onset of every hit (the scene
    cut needs more than 0.8; a hold that decays per hop had fallen below it two hops
    after the hit)."""
    from vj.live.energy_view import EnergyView

    p = LIVE_PARAMS
    y, clicks = click_train(sr=p.sr, duration=4.2, bpm=120.0, offset=1.0)
    eng, b = StreamingEnergy(p), _board()
    view = EnergyView(b)
    burst = 6                     # 70 ms of hops published between two frames
    seen = []
    for h in range(len(y) // p.hop):
        f = eng.process(y[h * p.hop:(h + 1) * p.hop])
        now = (h + 1) * p.hop / p.sr
        b.publish(f, adc=now, integral=0.0, audio_time=now, now=now)
        if (h + 1) % burst == 0:
            seen.append(view.read(now)[1] > 0.8)
    rises = sum(1 for a, b_ in zip([False] + seen, seen) if b_ and not a)
    assert rises == len(clicks), (rises, len(clicks))


@pytest.mark.slow
def test_without_new_audio_the_energy_decays_by_time_whatever_the_frame_rate():
    from vj.live.energy_view import EnergyView

    def after(hz: float, seconds: float) -> float:
        b = _board()
        view = EnergyView(b)
        b.publish(_frame(0.8), adc=1.0, integral=0.8 * 0.0116, audio_time=0.0116, now=1.0)
        view.read(1.0)
        t = 1.0
        for _ in range(int(round(seconds * hz))):
            t += 1.0 / hz
            e, onset, stale = view.read(t)
        return e, stale

    for s in (0.5, 1.0):
        (a, sa), (b_, sb) = after(60.0, s), after(144.0, s)
        assert sa and sb
        assert a == pytest.approx(b_, rel=0.02), (s, a, b_)
    assert after(60.0, 1.0)[0] < 0.8 * 0.9 ** 40
