"""A set run live: GO, BACK and jumps from real peers (liblo's oscsend, the HTTP API)
with the picture's fade measured in frames; the supervisor's rules with real child
processes; a supervised show killed with kill -9 and back where it was."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request

import pytest

from tests.conftest import Desk, free_port, show_thread, wait_for

CUE_FADE = 1.0      # s: the fade of the cue the test goes to


def _set(tmp_path, bank):
    p = tmp_path / "set.toml"
    p.write_text(textwrap.dedent(f"""
        [options]

        [[song]]
        name = "lit"
        bank = "{bank}"
        preset = "techno"
        levels = {{ master = 1.0 }}
          [[song.cue]]
          name = "dark"
          levels = {{ master = 0.0 }}
          fade = {CUE_FADE}
        [[song]]
        name = "second"
        bank = "{bank}"
        preset = "jazz"
        levels = {{ master = 1.0 }}
        fade = 0.0
        """))
    return p


def _oscsend(port, address, *args):
    import shutil

    if not shutil.which("oscsend"):
        pytest.skip("liblo-tools is not installed (make test installs it)")
    types = "".join("i" if isinstance(a, int) else "f" if isinstance(a, float) else "s"
                    for a in args)
    subprocess.run(["oscsend", "127.0.0.1", str(port), address, types, *map(str, args)],
                   check=True, timeout=10)


@pytest.mark.slow
def test_go_back_and_jumps_from_oscsend_and_the_web_api(art_bank, drum_song, tmp_path,
                                                        monkeypatch):
    from vj.live.show import ShowConfig
    from vj.show.file import read_show
    from vj.show.setlist import SetList

    monkeypatch.setenv("VJ_STATE", str(tmp_path / "state"))
    f = _set(tmp_path, art_bank)
    setlist = SetList(read_show(f)[0], tmp_path)
    osc, webp = free_port(), free_port()
    cfg = ShowConfig(banks=setlist.banks(), audio_file=str(drum_song), loop_audio=True,
                     headless=True, size=(160, 90), osc_host="127.0.0.1", osc_port=osc,
                     preset="techno", duration=60.0, web=("127.0.0.1", webp),
                     web_token="set-token-1", show_file=str(f), setlist=setlist)
    show, th, out = show_thread(cfg, probe=True)
    api = f"http://127.0.0.1:{webp}/api/command"

    def web(obj):
        req = urllib.request.Request(api, data=json.dumps(obj).encode(), method="POST",
                                     headers={"X-VJ-Token": "set-token-1"})
        return json.loads(urllib.request.urlopen(req, timeout=10).read())

    try:
        assert wait_for(lambda: show.set.cursor.step == (0, 0) and show.log.frames > 30, 20)
        lit = sum(show.log.brightness.values()[-10:]) / 10
        assert lit > 10, lit
        frames_at = []                       # (monotonic, frames begun)
        n0 = show.log.frames
        t_go = time.monotonic()
        _oscsend(osc, "/vj/go")
        while time.monotonic() - t_go < CUE_FADE + 1.5:
            frames_at.append((time.monotonic(), show.log.frames))
            time.sleep(0.02)
        assert show.set.cursor.step == (0, 1) and show.state.master == pytest.approx(0.0)
        b = show.log.brightness.values()[n0:]
        # the picture fades: from the first frame darker than lit to the first dark one
        # takes about the cue's fade in frames (the frame rate this run measured), and
        # frames in between are neither lit nor dark
        start = next(i for i, v in enumerate(b) if v < 0.97 * lit)
        end = next(i for i, v in enumerate(b) if v < 0.03 * lit)
        fps = (frames_at[-1][1] - frames_at[0][1]) / (frames_at[-1][0] - frames_at[0][0])
        assert 0.5 * CUE_FADE * fps <= end - start <= 1.5 * CUE_FADE * fps + 2, (start, end, fps)
        assert any(0.25 * lit < v < 0.75 * lit for v in b[start:end]), b[start:end]
        # BACK from the web remote's API: the song's start again, lit at once (a BACK
        # tracks the song's own fade: the default crossfade)
        assert web({"do": "back"}) == {"ok": True}
        assert wait_for(lambda: show.set.cursor.step == (0, 0), 5)
        assert wait_for(lambda: show.state.master == pytest.approx(1.0), 5)
        # jumps: song 2 from OSC (a whole number, as a float too), cue 0 from the web
        _oscsend(osc, "/vj/song", 2.0)
        assert wait_for(lambda: show.state.preset == "jazz" and show.set.cursor.step == (1, 0), 5)
        assert web({"song": 1}) == {"ok": True}
        assert wait_for(lambda: show.set.cursor.step == (0, 0) and show.state.preset == "techno")
        # /vj/status tells the set and the master, appended after the old arguments
        st = Desk(osc, timeout=2.0).status()
        assert st[10] == pytest.approx(1.0) and st[11].startswith("song 1/2 lit"), st
    finally:
        show.controls.quit = True
        th.join(30)
    s = out["s"].details
    assert s["set"]["go"] == 1 and s["set"]["back"] == 1 and s["set"]["jumps"] == 2, s["set"]
    assert s["osc"]["bad"] == 0 and s["web"]["bad"] == 0


@pytest.mark.slow
def test_advance_on_silence_walks_a_set_with_gaps(art_bank, write_audio, tmp_path, monkeypatch):
    """A file with two songs and a gap of silence between them, through the real audio
    process: the set list goes to song 2 when the second song begins."""
    import numpy as np

    from vj.audio.synth import drum_and_chords
    from vj.live.show import ShowConfig
    from vj.show.file import read_show
    from vj.show.setlist import SetList

    monkeypatch.setenv("VJ_STATE", str(tmp_path / "state"))
    sr = 22050
    a, b = (drum_and_chords(sr=sr, duration=d, seed=s) for d, s in ((12.0, 1), (6.0, 2)))
    song = write_audio("set.wav", np.concatenate([a, np.zeros(int(3.5 * sr)), b]), sr)
    setlist = SetList(read_show(_set(tmp_path, art_bank))[0], tmp_path)
    cfg = ShowConfig(banks=setlist.banks(), audio_file=str(song), headless=True, size=(96, 64),
                     osc=False, preset="techno", duration=40.0, show_file=str(tmp_path / "set.toml"),
                     setlist=setlist, advance="on-silence", silence_after=2.5)
    show, th, out = show_thread(cfg)
    try:
        assert wait_for(lambda: show.set.cursor.step == (0, 0), 20)
        assert not wait_for(lambda: show.set.cursor.step[0] == 1, 12.5)   # song 1 plays
        # the gap (3.5 s), then song 2: the set list follows (the audio process's start
        # and a loaded machine: a few seconds)
        assert wait_for(lambda: show.set.cursor.step == (1, 0) and show.state.preset == "jazz",
                        10), show.set.cursor.step
    finally:
        show.controls.quit = True
        th.join(30)
    assert out["s"].details["set"]["advanced_on_silence"] == 1


# -- the supervisor's rules, with real child processes ---------------------------------------------

BEATS_THEN = """
import os, sys, time
fd = int(os.environ["VJ_HEARTBEAT_FD"])
restarts = int(os.environ["VJ_RESTARTS"])
mode = sys.argv[1]
if mode == "never":
    print("vj: error: a broken show file", file=sys.stderr)
    sys.exit(1)
for _ in range(3):
    os.write(fd, b".")
    time.sleep(0.05)
if mode == "crash":
    sys.exit(3)
if mode == "hang":
    if restarts >= 2:
        sys.exit(0)
    time.sleep(60)
"""


def _supervise(mode, **kw):
    from vj.supervisor.process import Supervisor

    s = Supervisor([], command=lambda restarts: [sys.executable, "-c", BEATS_THEN, mode], **kw)
    return s, s.run()


def test_a_show_that_keeps_dying_stops_with_one_line(capfd):
    s, code = _supervise("crash", max_deaths=5, window=60.0, state_hint="The last good state "
                         "is in X.")
    err = capfd.readouterr().err
    assert code == 1 and s.restarts == 4
    last = err.strip().splitlines()[-1]
    assert last.startswith("vj: supervisor: the show died 5 times in ") and \
        "stopped trying. The last good state is in X." in last, err
    assert err.count("; restart ") == 4


def test_a_hung_show_is_killed_and_started_again(capfd):
    s, code = _supervise("hang", hang_after=0.5)
    err = capfd.readouterr().err
    assert code == 0 and s.restarts == 2, err
    assert err.count("no frame for 0.5 s") == 2


def test_a_show_that_never_started_is_not_retried(capfd):
    s, code = _supervise("never")
    assert code == 1 and s.restarts == 0
    assert "restart" not in capfd.readouterr().err


def test_the_supervisor_imports_no_gl_torch_or_model():
    code = ("import sys; from vj.cli import build_parser; build_parser(); "
            "import vj.supervisor.process, vj.supervisor.cli, vj.show.autosave; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'moderngl', "
            "'glfw', 'diffusers', 'transformers', 'librosa', 'pydantic', 'sounddevice'}))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "[]", r.stdout + r.stderr


# -- kill -9 under a supervised show ------------------------------------------------------------------

def rig(song, osc: int, webp: int | None = None, size: str = "160x90",
        fps: int | None = 30) -> str:
    """The [options] of a headless show file on a looping ``song``, OSC (and the web
    remote) on 127.0.0.1."""
    return "\n".join([f'audio-file = "{song}"', "loop = true", "headless = true",
                      f'size = "{size}"', 'osc-host = "127.0.0.1"', f"osc-port = {osc}"]
                     + ([f"fps = {fps}"] if fps else [])
                     + ([f'web = "127.0.0.1:{webp}"'] if webp else []))


def supervised(show_file, state) -> tuple:
    """``vj live --show`` (supervised) with its state folder: (process, its stderr lines)."""
    env = {**os.environ, "VJ_STATE": str(state)}
    p = subprocess.Popen([sys.executable, "-m", "vj", "live", "--show", str(show_file)],
                         env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    return p, Lines(p.stderr)

class Lines(threading.Thread):
    """A process's stderr, line by line, each with when it came (monotonic)."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream, self.lines = stream, []
        self.start()

    def run(self):
        for line in self.stream:
            self.lines.append((time.monotonic(), line.rstrip()))

    def find(self, text):
        return next((t for t, line in self.lines if text in line), None)


@pytest.mark.slow
def test_kill_9_under_a_supervised_show_brings_it_back_where_it_was(art_bank, drum_song,
                                                                     tmp_path):
    import psutil

    osc, webp = free_port(), free_port()
    f = _set(tmp_path, art_bank)
    f.write_text(f.read_text().replace("[options]\n", "[options]\n" + rig(drum_song, osc, webp)))
    t0 = time.monotonic()
    sup, err = supervised(f, tmp_path / "state")
    desk = Desk(osc, timeout=0.5)
    try:
        assert wait_for(lambda: (desk.status() or [0])[0] > 0, 60, 0.2), err.lines
        first_start = time.monotonic() - t0
        token = (tmp_path / "state" / "web-token").read_text().strip()
        desk.send("/vj/go")                          # cue 1 (its master fades to 0)
        desk.send("/vj/intensity", 0.66)
        desk.send("/vj/preset", "house")
        assert wait_for(lambda: (desk.status() or [""] * 12)[11].startswith(
            "song 1/2 lit, cue 1/1 dark"), 10, 0.2)

        def api():
            req = urllib.request.Request(f"http://127.0.0.1:{webp}/api/status",
                                         headers={"X-VJ-Token": token})
            return json.loads(urllib.request.urlopen(req, timeout=5).read())

        assert wait_for(lambda: api()["master"] == 0.0, 5, 0.2)
        time.sleep(1.5)                             # the autosave: at most a second
        before = api()
        child = next(c for c in psutil.Process(sup.pid).children()
                     if "--no-supervise" in c.cmdline())
        killed = time.monotonic()
        os.kill(child.pid, signal.SIGKILL)
        # back: a restart does what the first start did, so it is bounded by that
        assert wait_for(lambda: err.find("the show is back") is not None,
                        3 * first_start + 5, 0.05), err.lines
        back = err.find("the show is back") - killed
        after = api()                               # the same token: the page reconnects
        for k in ("preset", "bank", "master", "intensity", "speed", "fx", "blackout"):
            assert after[k] == before[k], (k, before[k], after[k])
        assert after["set"]["now"] == before["set"]["now"] == "song 1/2 lit, cue 1/1 dark"
        assert after["restarts"] == 1
        print(f"kill -9 to the first frame of the restarted show: {back:.2f} s "
              f"(first start {first_start:.2f} s)")
    finally:
        sup.send_signal(signal.SIGINT)
        try:
            code = sup.wait(20)
        except subprocess.TimeoutExpired:
            sup.kill()
            code = None
    assert code == 0, err.lines[-10:]
