import os
import subprocess
import sys
import time

import numpy as np
import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Exported ONNX models and engines go to a temporary cache, not ~/.cache/vj."""
    import os

    os.environ["VJ_CACHE"] = str(tmp_path_factory.mktemp("vj-cache"))
    yield


def free_port() -> int:
    """A free port on 127.0.0.1 (UDP; also free for TCP here in practice)."""
    import socket

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(cond, timeout: float = 5.0, step: float = 0.01) -> bool:
    """Whether ``cond()`` became true within ``timeout`` seconds (polled every ``step``)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return bool(cond())


def audio_processes(pid: int) -> list:
    """The show's audio processes (vj.engine.child) alive now, each with whether it was
    started as a spare: ``[(psutil.Process, bool)]``.  A child that has just left (a
    zombie not yet reaped) or vanished between the listing and the read is not counted:
    the show runs short helpers too (``ldconfig -p``, from ctypes' find_library)."""
    import psutil

    out = []
    for c in psutil.Process(pid).children():
        try:
            cmd = c.cmdline()
        except psutil.NoSuchProcess:          # ZombieProcess is one
            continue
        if "vj.engine.child" in cmd:
            out.append((c, "--spare" in cmd))
    return out


def run_vj(*args, timeout=300, cwd=None):
    """Run the real `vj` command line in a subprocess."""
    return subprocess.run([sys.executable, "-m", "vj", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd)


@pytest.fixture
def write_audio(tmp_path):
    """write_audio(name, y, sr, **soundfile_kwargs) -> path; y is [n] or [n, ch]."""
    import soundfile as sf

    def write(name, y, sr, **kw):
        p = tmp_path / name
        sf.write(p, np.asarray(y, np.float32), sr, **kw)
        return p

    return write


@pytest.fixture(scope="session")
def drum_song(tmp_path_factory):
    """A 20 s drum-and-chords song as a 44.1 kHz stereo WAV."""
    import soundfile as sf

    from vj.audio.synth import drum_and_chords

    y = drum_and_chords(sr=44100, duration=20.0, seed=3)
    p = tmp_path_factory.mktemp("songs") / "drums.wav"
    sf.write(p, np.stack([y, y], 1), 44100)
    return p


@pytest.fixture(scope="session")
def art_bank(tmp_path_factory):
    """A small image bank (4 procedural artworks, 128 px)."""
    from vj.bank import save_bank
    from vj.generate.artwork import artwork
    from vj.generate.images import image_bank

    d = tmp_path_factory.mktemp("art")
    paths = []
    for i in range(4):
        p = d / f"a{i}.png"
        artwork(seed=i, size=128).save(p)
        paths.append(p)
    bank = image_bank(paths, size=128, name="art")
    return save_bank(bank, d / "bank")


def one_line_error(res):
    """The CLI failed with one clear line and no traceback."""
    assert res.returncode != 0, res.stdout
    err = res.stderr.strip()
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("vj: error:"), err
    return lines[0]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    from vj.generate.tiny import save_tiny_kandinsky

    return save_tiny_kandinsky(tmp_path_factory.mktemp("tiny-kandinsky"))


@pytest.fixture(scope="session")
def art(tmp_path_factory):
    from vj.generate.artwork import artwork

    p = tmp_path_factory.mktemp("art") / "art.png"
    artwork(seed=11, size=200).save(p)
    return p


@pytest.fixture(scope="session")
def kandinsky(tiny_model):
    from vj.generate.kandinsky import Kandinsky, ModelSource

    return Kandinsky.load(ModelSource.resolve(str(tiny_model)), "cpu")


def make_latent_bank(kandinsky, art, folder, *, keyframes=4, genre="techno"):
    """A latent bank made by the tiny Kandinsky pipeline (random weights, 64 px)."""
    from vj.bank import save_bank
    from vj.generate.kandinsky import PrepareSettings, make_bank

    bank, thumbs = make_bank(kandinsky, [art], "test style", PrepareSettings(
        size=64, keyframes=keyframes, steps=2, prior_steps=2), genre=genre, mood=None,
        style_source="test", progress=False)
    return save_bank(bank, folder, thumbs=thumbs)


@pytest.fixture(scope="session")
def latent_bank(tmp_path_factory, kandinsky, art):
    return make_latent_bank(kandinsky, art, tmp_path_factory.mktemp("lb") / "latent-bank")


@pytest.fixture(scope="session")
def latent_banks(tmp_path_factory, kandinsky, art):
    """Two latent banks of the tiny model in one folder (for bank switching)."""
    root = tmp_path_factory.mktemp("banks")
    return [make_latent_bank(kandinsky, art, root / name, genre=g)
            for name, g in (("lb-a", "techno"), ("lb-b", "classical"))]


def show_thread(cfg, *, probe=False):
    """A show running on a thread (GL on that thread): (show, thread, out); out["s"] is
    the summary once the thread has ended."""
    import threading

    from vj.live.show import Show

    show = Show(cfg, probe=probe)
    out = {}
    th = threading.Thread(target=lambda: out.setdefault("s", show.run()))
    th.start()
    assert show.running.wait(30.0)
    return show, th, out


def netns_skip_reason():
    """None where a network namespace with only loopback (multicast on) can be made,
    else why not (unshare -rn needs unprivileged user namespaces)."""
    import shutil

    if not shutil.which("unshare") or not shutil.which("ip"):
        return "unshare or ip missing"
    r = subprocess.run(["unshare", "-rn", "sh", "-c", "ip link set lo up && ip link set lo "
                        "multicast on"], capture_output=True, text=True)
    return None if r.returncode == 0 else f"no network namespace here: {r.stderr.strip()[:200]}"


def grown_bytes(fn, n: int, *, numpy_only: bool = False, warmup: int = 50) -> int:
    """Bytes still allocated after ``n`` calls of ``fn`` that were not before them
    (``numpy_only``: numpy's arrays only), after ``warmup`` calls: what a hot path
    keeps per call, times ``n``."""
    import tracemalloc

    for _ in range(warmup):
        fn()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for _ in range(n):
            fn()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    if numpy_only:
        f = [tracemalloc.DomainFilter(True, np.lib.tracemalloc_domain)]
        before, after = before.filter_traces(f), after.filter_traces(f)
    return sum(s.size_diff for s in after.compare_to(before, "filename"))


# -- a real audio server ----------------------------------------------------------------------

class Pulse:
    """A private PulseAudio server with a null sink whose monitor is the default source."""

    def __init__(self, run_dir):
        run_dir.mkdir(mode=0o700, exist_ok=True)
        self.env = {**os.environ, "XDG_RUNTIME_DIR": str(run_dir)}
        self.players = []

    def _run(self, *cmd, check=True):
        r = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=30)
        if check and r.returncode:
            raise RuntimeError(f"{' '.join(cmd)}: {r.stderr.strip()}")
        return r

    def start(self) -> None:
        self._run("pulseaudio", "-D", "--exit-idle-time=-1", "--log-target=stderr")
        for _ in range(50):
            if self._run("pactl", "info", check=False).returncode == 0:
                break
            time.sleep(0.1)
        self._run("pactl", "load-module", "module-null-sink", "sink_name=vjnull")
        self._run("pactl", "set-default-source", "vjnull.monitor")

    def play(self, song) -> None:
        self.players.append(subprocess.Popen(["paplay", "--device=vjnull", str(song)],
                                             env=self.env, stderr=subprocess.DEVNULL))

    def kill(self) -> None:
        self._run("pulseaudio", "--kill", check=False)
        for _ in range(50):
            if self._run("pactl", "info", check=False).returncode != 0:
                break
            time.sleep(0.1)
        for p in self.players:
            p.kill()
            p.wait()
        self.players.clear()


@pytest.fixture
def pulse(tmp_path):
    import shutil

    if not (shutil.which("pulseaudio") and shutil.which("paplay")):
        pytest.skip("PulseAudio is not installed (make test installs pulseaudio and "
                    "pulseaudio-utils)")
    server = Pulse(tmp_path / "pulse-run")
    try:
        server.start()
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        server.kill()
        pytest.skip(f"PulseAudio cannot start here: {e}")
    yield server
    server.kill()


class Desk:
    """A lighting desk on loopback: ``status()`` asks the show for /vj/status and returns
    its arguments (None without an answer within ``timeout``)."""

    def __init__(self, port: int, timeout: float = 0.2) -> None:
        import socket

        from pythonosc.osc_message_builder import OscMessageBuilder

        self.port, self.timeout = port, timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._ask = OscMessageBuilder("/vj/status").build().dgram

    def send(self, address: str, *args) -> None:
        from pythonosc.osc_message_builder import OscMessageBuilder

        b = OscMessageBuilder(address)
        for a in args:
            b.add_arg(a)
        self.sock.sendto(b.build().dgram, ("127.0.0.1", self.port))

    def status(self):
        import socket

        from pythonosc.osc_message import OscMessage

        self.sock.sendto(self._ask, ("127.0.0.1", self.port))
        got = None
        self.sock.settimeout(self.timeout)
        try:
            got = OscMessage(self.sock.recvfrom(4096)[0]).params
            self.sock.settimeout(0.0)
            while True:   # the newest answer (an earlier one may have come late)
                got = OscMessage(self.sock.recvfrom(4096)[0]).params
        except (BlockingIOError, socket.timeout, ConnectionRefusedError):
            pass
        return got
