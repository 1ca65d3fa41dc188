"""Files vj is given and errors it meets, through the command line (issue 12): a format
only libsndfile reads, tracker modules, a full disk, the umask, missing tagger weights
and unexpected exceptions."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from tests.conftest import one_line_error, run_vj


def _tone(sr=44100, seconds=3.0):
    t = np.arange(int(sr * seconds)) / sr
    y = 0.4 * np.sin(2 * np.pi * 220 * t) * (1 + np.sign(np.sin(2 * np.pi * 2 * t))) / 2
    return y.astype(np.float32)


@pytest.fixture(scope="module")
def matlab_song(tmp_path_factory):
    """A MATLAB 5 sound file: libsndfile writes it, FFmpeg does not read it."""
    import av

    p = tmp_path_factory.mktemp("mat") / "song.mat"
    sf.write(p, _tone(), 44100, format="MAT5", subtype="PCM_16")
    with pytest.raises(av.FFmpegError):
        av.open(str(p))
    return p


@pytest.mark.slow
def test_a_file_only_libsndfile_reads_is_analysed_and_recorded(matlab_song, art_bank,
                                                               tmp_path):
    res = run_vj("analyze", matlab_song, "--no-tags")
    assert res.returncode == 0, res.stderr
    assert "3.00 s" in res.stdout, res.stdout
    out = tmp_path / "v.mp4"
    res = run_vj("record", matlab_song, "--bank", art_bank, "-o", out, "--fps", 10,
                 "--size", 64, "--quiet")
    assert res.returncode == 0, res.stderr
    import av

    with av.open(str(out)) as c:
        audio = [s for s in c.streams if s.type == "audio"]
        assert audio and len(list(c.decode(video=0))) == 30
    with av.open(str(out)) as c:
        samples = np.concatenate([f.to_ndarray()[0] for f in c.decode(audio=0)])
    assert abs(len(samples) / 48000 - 3.0) < 0.1 and np.abs(samples).max() > 0.2


def test_tracker_modules_are_refused_in_one_line(tmp_path):
    for ext in (".xm", ".mod", ".it", ".s3m"):
        p = tmp_path / f"tune{ext}"
        p.write_bytes(b"Extended Module: not audio" + bytes(512))
        line = one_line_error(run_vj("analyze", p))
        assert "tracker modules" in line and "not supported" in line and p.name in line, line


@pytest.mark.slow
def test_recording_onto_a_full_disk_is_one_line_and_leaves_nothing(art_bank, drum_song,
                                                                   tmp_path):
    """A 256 KiB tmpfs (in a user and mount namespace): the video cannot fit."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is not installed")
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"user namespaces are not allowed here: {probe.stderr.decode().strip()}")
    disk = tmp_path / "small"
    disk.mkdir()
    script = (f"mount -t tmpfs -o size=256k tmpfs {disk} && "
              f"{sys.executable} -m vj record {drum_song} --bank {art_bank} -o {disk}/out.mp4 "
              f"--size 256 --quiet; echo \"rc=$?\"; ls -A {disk}")
    res = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True,
                         text=True, timeout=300)
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("vj: error:"), res.stderr
    assert "No space left on device" in lines[0] and "out.mp4" in lines[0], lines[0]
    out = res.stdout.split()
    assert out[0] == "rc=1", res.stdout
    assert out[1:] == [], f"files left behind: {out[1:]}"


@pytest.mark.slow
def test_finished_videos_get_the_permissions_of_the_umask(art_bank, drum_song, tmp_path):
    for umask, mode in ((0o022, 0o644), (0o002, 0o664)):
        out = tmp_path / f"u{umask:o}.mp4"
        res = subprocess.run([sys.executable, "-m", "vj", "record", str(drum_song), "--bank",
                              str(art_bank), "-o", str(out), "--size", "64", "--fps", "10",
                              "--duration", "1", "--quiet"], capture_output=True, text=True,
                             umask=umask)
        assert res.returncode == 0, res.stderr
        assert out.stat().st_mode & 0o777 == mode, oct(out.stat().st_mode)


def test_finished_banks_get_the_permissions_of_the_umask(tmp_path):
    from PIL import Image

    Image.new("RGB", (64, 64), (200, 30, 30)).save(tmp_path / "a.png")
    for umask, mode in ((0o022, 0o755), (0o002, 0o775)):
        bank = tmp_path / f"b{umask:o}"
        res = subprocess.run([sys.executable, "-m", "vj", "prepare", "--images",
                              str(tmp_path / "a.png"), str(tmp_path / "a.png"), "--bank",
                              str(bank), "--size", "64"], capture_output=True, text=True,
                             umask=umask)
        assert res.returncode == 0, res.stderr
        assert bank.stat().st_mode & 0o777 == mode, oct(bank.stat().st_mode)


@pytest.mark.slow
def test_analyze_without_the_tagger_weights_still_prints_the_energy_table(drum_song,
                                                                           tmp_path):
    fake = tmp_path / "site" / "musicnn"   # a musicnn package without its weights
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    res = subprocess.run([sys.executable, "-m", "vj", "analyze", str(drum_song)], env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "segments of 10 s" in res.stdout and "Traceback" not in res.stderr
    assert "genre and mood skipped" in res.stdout, res.stdout
    assert "missing from the musicnn package" in res.stdout, res.stdout


def test_an_unexpected_exception_is_one_line_and_a_log_file(tmp_path):
    """A bug, not a user error (here: preset loading raising KeyError): one line naming
    a log file that holds the traceback; VJ_DEBUG=1 prints the traceback instead."""
    log = tmp_path / "vj.log"
    env = {**os.environ, "VJ_LOG": str(log)}
    run = [sys.executable, "-c",
           "import sys, vj.cli, vj.presets\n"
           "def broken(*a, **k):\n"
           "    raise KeyError('a bug')\n"
           "vj.presets.load_presets = broken\n"
           "sys.exit(vj.cli.main(['presets']))"]
    res = subprocess.run(run, env=env, capture_output=True, text=True, timeout=60)
    line = one_line_error(res)
    assert "KeyError" in line and str(log) in line, line
    assert "Traceback" in log.read_text() and "a bug" in log.read_text()
    res = subprocess.run(run, env={**env, "VJ_DEBUG": "1"}, capture_output=True, text=True,
                         timeout=60)
    assert res.returncode != 0 and "Traceback" in res.stderr and "a bug" in res.stderr
