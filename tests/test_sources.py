import numpy as np
import pytest

from tests.conftest import one_line_error, run_vj
from vj.audio import sources
from vj.audio.energy import ANALYSIS_SR
from vj.errors import AudioError


def tone(sr, seconds=1.0, f=440.0, channels=1):
    t = np.arange(int(sr * seconds)) / sr
    y = (0.5 * np.sin(2 * np.pi * f * t)).astype(np.float32)
    return y if channels == 1 else np.tile(y[:, None], (1, channels))


@pytest.mark.parametrize("ext,kw", [("wav", {}), ("flac", {}), ("ogg", {"subtype": "VORBIS"}),
                                    ("mp3", {"format": "MP3"})])
def test_formats_decode_to_mono_at_analysis_rate(write_audio, ext, kw):
    p = write_audio(f"tone.{ext}", tone(44100, 2.0, channels=2), 44100, **kw)
    y = sources.load(p)
    assert y.dtype == np.float32 and y.ndim == 1
    assert abs(len(y) / ANALYSIS_SR - 2.0) < 0.06  # mp3 and vorbis pad a little
    rms = float(np.sqrt(np.mean(y[2000:-2000] ** 2)))
    assert abs(rms - 0.5 / np.sqrt(2)) < 0.02
    # the pitch survives resampling: the spectrum peaks at 440 Hz
    spec = np.abs(np.fft.rfft(y[:ANALYSIS_SR]))  # one second: 1 Hz per bin
    assert abs(int(np.argmax(spec)) - 440) <= 2


def test_mono_8k_and_six_channel_96k(write_audio):
    a = sources.load(write_audio("m8k.wav", tone(8000, 1.5), 8000))
    assert abs(len(a) - 1.5 * ANALYSIS_SR) <= 2
    six = tone(96000, 1.0, channels=6)
    six[:, 3:] = 0.0  # half the channels silent: the mixdown halves the level
    b = sources.load(write_audio("six.wav", six, 96000))
    assert abs(len(b) - ANALYSIS_SR) <= 2
    assert abs(float(np.abs(b[1000:-1000]).max()) - 0.25) < 0.01
    info = sources.probe(write_audio("six2.wav", six, 96000))
    assert (info.sample_rate, info.channels) == (96000, 6)


def test_any_rate_between_8k_and_192k(write_audio):
    for sr in (11025, 32000, 48000, 192000):
        y = sources.load(write_audio(f"r{sr}.wav", tone(sr, 0.5), sr))
        assert abs(len(y) - 0.5 * ANALYSIS_SR) <= 2


def test_chunked_decoding_bounds_memory(write_audio):
    p = write_audio("long.flac", tone(48000, 6.0, channels=2), 48000)
    chunks = list(sources.iter_decoded(p, chunk=8192))
    assert len(chunks) > 5
    assert max(len(c) for c in chunks) < 8192 + 48000  # at most a chunk plus one decoded frame


def test_file_source_blocks_cover_the_file(write_audio):
    src = sources.FileSource(write_audio("t.wav", tone(22050, 1.0), 22050))
    blocks = list(src.blocks(512))
    assert len(blocks) == int(np.ceil(22050 / 512))
    assert all(b.shape == (512,) for _, b in blocks)
    assert blocks[1][0] == pytest.approx(512 / 22050)


def _bad_files(tmp_path, write_audio):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    text = tmp_path / "notes.wav"
    text.write_text("this is a text file, not audio\n" * 20)
    corrupt = tmp_path / "corrupt.flac"
    good = write_audio("good.flac", tone(44100, 1.0), 44100).read_bytes()
    corrupt.write_bytes(good[:40] + bytes(range(256)) * 20)
    zero = write_audio("zero.wav", np.zeros(0, np.float32), 44100)
    return {"missing": tmp_path / "nope.wav", "empty": empty, "text renamed .wav": text,
            "corrupt": corrupt, "zero-length stream": zero}


def test_bad_input_raises_audio_error_naming_the_file(tmp_path, write_audio):
    for what, p in _bad_files(tmp_path, write_audio).items():
        with pytest.raises(AudioError) as e:
            sources.load(p)
        assert str(p) in str(e.value), what


def test_bad_input_on_the_command_line(tmp_path, write_audio):
    for what, p in _bad_files(tmp_path, write_audio).items():
        line = one_line_error(run_vj("analyze", p))
        assert p.name in line, (what, line)


def test_live_input_callback_only_copies_into_the_ring_with_adc_stamps():
    import time
    from types import SimpleNamespace

    from vj.audio.ring import RingBuffer
    from vj.engine.capture import DeviceInput

    src = DeviceInput.__new__(DeviceInput)  # no device on CI: test the callback itself
    src.rate, src.channels, src.status_flags, src.pick = 48000, 2, 0, None
    src.ring = RingBuffer(1024, 2)
    block = np.stack([np.full(256, 0.5, np.float32), np.full(256, -0.1, np.float32)], 1)
    t = SimpleNamespace(inputBufferAdcTime=10.0, currentTime=10.004)  # 4 ms of device buffer
    before = time.perf_counter()
    src.callback(block, 256, t, 0)
    src.callback(block, 256, t, 1)  # a status flag (overflow) is counted, not raised
    assert src.status_flags == 1
    out = np.zeros((512, 2), np.float32)
    assert src.ring.read(out)
    assert np.allclose(out[:, 0], 0.5) and np.allclose(out[:, 1], -0.1)
    # the newest sample entered the converter 4 ms before the callback, plus its place
    # in the block: the ADC time, not the time the analysis took the hop
    written, wall = src.stamp
    assert written == 512
    assert before - 0.004 <= wall <= time.perf_counter() - 0.004 + 255 / 48000
    assert src.time_of(511) == pytest.approx(wall)
    assert src.time_of(0) == pytest.approx(wall - 511 / 48000)
    # --input-channels 2: only that channel reaches the ring
    src.pick, src._picked = [1], np.zeros((1024, 1), np.float32)
    src.ring = RingBuffer(1024, 1)
    src.callback(block, 256, t, 0)
    one = np.zeros((256, 1), np.float32)
    assert src.ring.read(one) and np.allclose(one, -0.1)


def test_live_input_unknown_device_is_a_clear_error():
    from vj.engine.capture import DeviceInput

    with pytest.raises(AudioError) as e:
        DeviceInput("no such microphone 1234")
    assert "no such microphone 1234" in str(e.value) or "no audio input" in str(e.value)
