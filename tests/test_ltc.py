"""Linear timecode: our own LTC writer (tests/ltc_writer.py, SMPTE 12M) read by libltc
(vj.audio.ltc), and a set chasing it through the real audio process: from a file's
second channel and from a PulseAudio null sink.  The cue fires at its frame, a dropout
is run through, a jump back enters the step at the new position."""
import time

import numpy as np
import pytest

from tests.conftest import show_thread, wait_for
from tests.ltc_writer import ltc_signal


def _libltc():
    from vj.audio.ltc import library
    from vj.errors import AudioError

    try:
        library()
    except AudioError as e:
        pytest.skip(str(e))


@pytest.mark.parametrize("fps,sr", [(25, 22050), (24, 48000), (30, 44100)])
def test_libltc_reads_our_ltc_writer_frame_by_frame(fps, sr):
    from vj.audio.ltc import LtcDecoder
    from vj.audio.timecode import tc_text

    _libltc()
    first = (3600 + 2 * 60 + 3) * fps + 4                        # 01:02:03:04
    y = ltc_signal(first, 60, fps, sr)
    d, got = LtcDecoder(sr), []
    for i in range(0, len(y), 256):
        d.write(y[i:i + 256], i)
        got += list(d.frames())
    assert len(got) >= 58
    texts = [tc_text(t, f, drop) for t, _, f, drop in got]
    n0 = texts.index("01:02:03:05")
    # every frame, in order, each starting one frame's samples after the one before
    assert texts[n0:n0 + 50] == [tc_text((first + 1 + k) / fps, fps, False) for k in range(50)]
    starts = [s for _, s, _, _ in got[n0:n0 + 50]]
    per = sr / fps
    assert all(abs(b - a - per) < 0.02 * per for a, b in zip(starts, starts[1:])), starts[:5]
    assert all(f == fps for _, _, f, _ in got)


def _set_file(tmp_path, bank):
    p = tmp_path / "set.toml"
    p.write_text(f'[[song]]\nname = "one"\nbank = "{bank}"\npreset = "techno"\n'
                 f'timecode = "00:00:00:00"\n[[song.cue]]\nname = "drop"\npreset = "jazz"\n'
                 f'timecode = "00:00:03:00"\n[[song]]\nname = "two"\nbank = "{bank}"\n'
                 f'preset = "house"\ntimecode = "00:00:05:12"\n')
    return p


#: the rig's timecode (25 fps): 00:00:00:00 -> 6.0 s, a dropout of 10 frames, on to
#: 7.4 s, then a rewind: 00:00:01:00 on
FPS, SR = 25, 22050


def _song_with_ltc():
    from vj.audio.synth import drum_and_chords

    run1 = ltc_signal(0, 150, FPS, SR)                           # 0.0-6.0 s
    gap = np.zeros(int(0.4 * SR), np.float32)                    # 10 frames of dropout
    run2 = ltc_signal(160, 35, FPS, SR)                          # 6.4-7.8 s of timecode
    back = ltc_signal(25, 125, FPS, SR)                          # from 00:00:01:00
    ltc = np.concatenate([run1, gap, run2, back])
    music = drum_and_chords(sr=SR, duration=len(ltc) / SR + 0.1, seed=5)[:len(ltc)]
    return np.stack([music, ltc], axis=1), len(run1) + len(gap) + len(run2)


def _chase_and_judge(show):
    """Watch the set list; returns when it changed step (perf_counter) and to what."""
    changes = []
    last = show.set.cursor.step
    end = time.perf_counter() + 20
    while time.perf_counter() < end:
        step = show.set.cursor.step
        if step != last:
            changes.append((time.perf_counter(), step))
            last = step
        if len(changes) >= 3 and changes[-1][1] == (0, 0):
            break
        time.sleep(0.003)
    return changes


@pytest.mark.slow
def test_a_set_chases_ltc_from_the_file_input(art_bank, write_audio, tmp_path, monkeypatch):
    from vj.live.show import ShowConfig
    from vj.show.file import read_show
    from vj.show.setlist import SetList

    _libltc()
    monkeypatch.setenv("VJ_STATE", str(tmp_path / "state"))
    y, rewind_at = _song_with_ltc()
    song = write_audio("show.wav", y, SR)
    setlist = SetList(read_show(_set_file(tmp_path, art_bank))[0], tmp_path)
    cfg = ShowConfig(banks=setlist.banks(), audio_file=str(song), headless=True, size=(96, 64),
                     osc=False, preset="techno", duration=30.0, show_file=str(tmp_path / "x"),
                     setlist=setlist, timecode="ltc", ltc_channel=1, timecode_freewheel=30)
    show, th, out = show_thread(cfg, probe=True)
    try:
        assert wait_for(lambda: show.audio.start_wall, 20)
        changes = _chase_and_judge(show)
    finally:
        show.controls.quit = True
        th.join(30)
    wall = show.audio.start_wall
    steps = [s for _, s in changes]
    # (song 1's start from the first frame, which the lock confirms) the cue at 3.0 s,
    # song 2 at 5.48 s, then the rewind to 1.0 s enters song 1's start only
    assert steps == [(0, 1), (1, 0), (0, 0)], changes
    t_cue = next(t for t, s in changes if s == (0, 1)) - wall
    t_song2 = next(t for t, s in changes if s == (1, 0)) - wall
    t_back = changes[-1][0] - wall
    s = out["s"]
    # the bound: the LTC frame it lands in (40 ms) plus the longest frame of the run (the
    # render loop enters it on its next frame)
    bound = 1.0 / FPS + s.longest_ms / 1000.0 + 0.02
    assert abs(t_cue - 3.0) < bound and abs(t_song2 - (5 + 12 / FPS)) < bound, (t_cue, t_song2,
                                                                                 bound)
    # the dropout (6.0-6.4 s) was run through: nothing changed step there
    assert not [t for t, _ in changes if 6.0 < t - wall < 6.9]
    # the rewind is seen once the first frame after it is whole (40 ms) and analysed:
    # within two frames, the audio process's longest pause between two hops this run,
    # and the render loop's bound above
    gap = s.details["audio"]["max_publication_gap_ms"] / 1000.0
    assert rewind_at / SR < t_back < rewind_at / SR + 2.0 / FPS + gap + bound, (
        t_back, rewind_at / SR, gap)
    tc = s.details["set"]["timecode"]
    assert tc["source"] == "ltc" and tc["jumps"] == 1, tc


@pytest.mark.slow
def test_a_set_chases_ltc_through_a_pulseaudio_null_sink(pulse, art_bank, write_audio,
                                                         tmp_path, monkeypatch):
    """The same timecode played by paplay into a null sink, the show listening to its
    monitor: channel 1 the music, channel 2 the LTC."""
    from vj.live.show import ShowConfig
    from vj.show.file import read_show
    from vj.show.setlist import SetList

    _libltc()
    for k, v in pulse.env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("VJ_STATE", str(tmp_path / "state"))
    y, _ = _song_with_ltc()
    song = write_audio("show.wav", y, SR)
    setlist = SetList(read_show(_set_file(tmp_path, art_bank))[0], tmp_path)
    cfg = ShowConfig(banks=setlist.banks(), headless=True, size=(96, 64), osc=False,
                     preset="techno", duration=40.0, show_file=str(tmp_path / "x"),
                     setlist=setlist, timecode="ltc", ltc_channel=1, input_channels=[0],
                     input_device="pulse")
    show, th, out = show_thread(cfg)
    try:
        assert wait_for(lambda: show.audio.hops > 10, 20)
        pulse.play(song)
        assert wait_for(lambda: show.set.chase.state == "sync", 10), show.set.chase.text()
        assert wait_for(lambda: show.set.cursor.step == (0, 1), 8), show.set.chase.text()
        assert wait_for(lambda: show.set.cursor.step == (1, 0), 6), show.set.chase.text()
        assert wait_for(lambda: show.set.cursor.step == (0, 0), 8), show.set.chase.text()
    finally:
        show.controls.quit = True
        th.join(30)
    assert out["s"].details["set"]["timecode"]["jumps"] >= 1
