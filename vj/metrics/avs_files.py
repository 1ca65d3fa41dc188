"""AVS of files (`vj avs`, `vj eval`): the onset envelope of an audio file and the
frame-difference curve of a video, each read a piece at a time so that memory stays
flat whatever their length, and the score of a video (vj.metrics.avs)."""
from __future__ import annotations

import numpy as np

from vj.errors import VjError
from vj.metrics.avs import (
    ONSET_CHUNK_SECONDS,
    AVSParams,
    beat_events,
    changed_fraction,
    mean_difference,
    score,
    visual_events,
)


def file_onset_envelope(path, p: AVSParams, seconds: float | None = None):
    """The onset envelope of an audio file (its first ``seconds``), decoded and
    analysed a minute at a time: memory stays flat whatever the file's length."""
    import librosa

    from vj.audio.sources import iter_decoded

    hop, sr = p.hop, p.sr
    step = int(ONSET_CHUNK_SECONDS * sr) // hop * hop
    pad = 8 * hop
    limit = None if seconds is None else int(round(seconds * sr))
    it = iter_decoded(path, sr=sr)
    buf, base, s0, total, done, parts = np.zeros(0, np.float32), 0, 0, 0, False, []
    while True:
        while not done and base + len(buf) < s0 + step + pad:
            try:
                c = next(it)
            except StopIteration:
                done = True
                break
            if limit is not None:
                c = c[: max(0, limit - total)]
                done = total + len(c) >= limit
            total += len(c)
            buf = np.concatenate([buf, c])
        end = base + len(buf)
        if s0 >= end and s0 > 0:
            break
        a = max(0, s0 - pad)
        e = librosa.onset.onset_strength(y=buf[a - base:min(end, s0 + step + pad) - base],
                                         sr=sr, hop_length=hop)
        skip = (s0 - a) // hop
        last = done and s0 + step >= end
        count = 1 + end // hop - s0 // hop if last else step // hop
        parts.append(e[skip:skip + count])
        if last:
            break
        s0 += step
        drop = s0 - pad - base
        if drop > 0:
            buf, base = buf[drop:], base + drop
    env = np.concatenate(parts).astype(np.float32)
    return librosa.frames_to_time(np.arange(len(env)), sr=sr, hop_length=hop), env



def frame_differences(path: str, params: AVSParams | None = None,
                      progress: bool = False) -> tuple[np.ndarray, float, int]:
    """The frame-difference curve (``params.curve``) between consecutive frames,
    decoding one frame at a time."""
    import av
    from tqdm import tqdm

    p = params or AVSParams()
    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError) as e:
        raise VjError(f"{path}: not a readable video ({e})") from None
    with container:
        if not container.streams.video:
            raise VjError(f"{path}: the file has no video stream")
        vs = container.streams.video[0]
        fps = float(vs.average_rate or vs.guessed_rate or 0) or 30.0
        total = vs.frames or None
        prev = None
        diffs = []
        n = 0
        try:
            for frame in tqdm(container.decode(vs), total=total, unit="frame", desc="reading",
                              disable=not progress, leave=False):
                cur = frame.to_ndarray(format="rgb24")
                if prev is not None:
                    diffs.append(mean_difference(prev, cur) if p.curve == "mean"
                                 else changed_fraction(prev, cur, p.tolerance))
                prev = cur
                n += 1
        except av.FFmpegError as e:
            if n == 0:
                raise VjError(f"{path}: the video cannot be decoded ({e})") from None
    if n < 2:
        raise VjError(f"{path}: the video has {n} frame{'s' if n != 1 else ''}; AVS needs at "
                      "least two")
    return np.asarray(diffs), fps, n


def video_and_audio(path: str, audio: str | None, p: AVSParams, progress: bool = False):
    """A video's frame-difference curve and the onset envelope of its audio (its own
    stream, or ``audio``) over the video's length: (diff, fps, times, env)."""
    from vj.errors import AudioError

    diff, fps, n = frame_differences(path, p, progress)
    try:
        times, env = file_onset_envelope(audio or path, p, seconds=n / fps)
    except AudioError as e:
        if audio is None and "no audio stream" in str(e):
            raise VjError(f"{path}: the video has no audio; give the song with --audio") from None
        raise
    return diff, fps, times, env


def avs_of_video(path: str, audio: str | None = None, params: AVSParams | None = None,
                 progress: bool = False, null: int = 0):
    """AVS of a video file; its own audio stream, or ``audio`` if given.  ``null``:
    also against that many circular shifts of the audio (vj.metrics.null); then
    returns (result, null figures)."""
    p = params or AVSParams()
    diff, fps, times, env = video_and_audio(path, audio, p, progress)
    a_ev = beat_events(times, env, p)
    res = score(a_ev, visual_events(diff, fps, p), diff, fps, p)
    if not null:
        return res
    from vj.metrics.null import against_null

    return res, against_null(a_ev, times, env, diff, fps, p, null)
