"""musicnn (Pons & Serra, 2019) in PyTorch, with the original trained weights.

The ``musicnn`` package on PyPI ships its TensorFlow checkpoints (MTT and MSD
taggers, ISC licence, Copyright (c) Music Technology Group, Universitat
Pompeu Fabra 2019); vj reads them without TensorFlow
(:mod:`vj.understand.tfcheckpoint`) from the installed package
(``pip install --no-deps musicnn``, done by ``make``) and runs this port of
the network.  ``tools/convert_musicnn.py`` checks it against the original
TensorFlow graph.

Input: 3-second windows of a log-mel spectrogram (16 kHz, 512-point FFT, hop
256, 96 bands, ``log10(10000 x + 1)``), 187 frames.  Output: 50 tag
probabilities.  The layer names follow the order TensorFlow created them in.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

SR = 16000
N_FFT = 512
HOP = 256
N_MELS = 96
WINDOW_FRAMES = 187  # librosa.time_to_frames(3 s) + 1, as musicnn
BN_EPS = 1e-3        # tf.layers.batch_normalization's default

MTT_LABELS = ['guitar', 'classical', 'slow', 'techno', 'strings', 'drums', 'electronic', 'rock',
              'fast', 'piano', 'ambient', 'beat', 'violin', 'vocal', 'synth', 'female', 'indian',
              'opera', 'male', 'singing', 'vocals', 'no vocals', 'harpsichord', 'loud', 'quiet',
              'flute', 'woman', 'male vocal', 'no vocal', 'pop', 'soft', 'sitar', 'solo', 'man',
              'classic', 'choir', 'voice', 'new age', 'dance', 'male voice', 'female vocal',
              'beats', 'harp', 'cello', 'no voice', 'weird', 'country', 'metal', 'female voice',
              'choral']
MSD_LABELS = ['rock', 'pop', 'alternative', 'indie', 'electronic', 'female vocalists', 'dance',
              '00s', 'alternative rock', 'jazz', 'beautiful', 'metal', 'chillout',
              'male vocalists', 'classic rock', 'soul', 'indie rock', 'Mellow', 'electronica',
              '80s', 'folk', '90s', 'chill', 'instrumental', 'punk', 'oldies', 'blues',
              'hard rock', 'ambient', 'acoustic', 'experimental', 'female vocalist', 'guitar',
              'Hip-Hop', '70s', 'party', 'country', 'easy listening', 'sexy', 'catchy', 'funk',
              'electro', 'heavy metal', 'Progressive rock', '60s', 'rnb', 'indie pop', 'sad',
              'House', 'happy']
MODELS = {"MTT_musicnn": MTT_LABELS, "MSD_musicnn": MSD_LABELS}


class TaggerError(ValueError):
    pass


def package_checkpoint(model: str) -> str:
    """The checkpoint prefix inside the installed musicnn package (not imported: it
    would import TensorFlow)."""
    spec = importlib.util.find_spec("musicnn")
    if spec is None or not spec.submodule_search_locations:
        raise TaggerError("the musicnn package (its trained weights) is not installed: "
                          "pip install --no-deps musicnn==0.1.0")
    prefix = str(Path(list(spec.submodule_search_locations)[0]) / model) + "/"
    if not Path(prefix + ".index").is_file():
        raise TaggerError(f"{prefix}.index: missing from the musicnn package")
    return prefix


def log_mel(y: np.ndarray) -> np.ndarray:
    """[frames, 96] log-mel spectrogram of 16 kHz mono audio, exactly as musicnn computes it."""
    import librosa

    S = librosa.feature.melspectrogram(y=np.asarray(y, np.float32), sr=SR, hop_length=HOP,
                                       n_fft=N_FFT, n_mels=N_MELS).T
    # musicnn rounds the spectrogram to float16 and then computes 10000 * S in float16,
    # which overflows to inf for loud bins (S > 6.55); the same rounding, then float32
    S = S.astype(np.float16).astype(np.float32)
    return np.log10(10000 * S + 1)


def windows(mel: np.ndarray, length: int = WINDOW_FRAMES) -> np.ndarray:
    """Non-overlapping windows [n, length, 96]; a spectrogram shorter than one window
    is padded with the log-mel of silence (0)."""
    if len(mel) < length:
        mel = np.concatenate([mel, np.zeros((length - len(mel), mel.shape[1]), mel.dtype)])
    n = len(mel) // length
    return mel[: n * length].reshape(n, length, mel.shape[1])


def reference_inputs(seed: int = 0) -> np.ndarray:
    """Fixed log-mel windows for checking the port: synthetic music through the real
    front end, and random ones (tools/convert_musicnn.py, tests)."""
    from vj.audio.synth import chord, drum_and_chords, drum_pattern

    songs = [drum_and_chords(sr=SR, duration=3.2), chord(sr=SR, duration=3.2),
             drum_pattern(sr=SR, duration=3.2, bpm=140)[0]]
    mels = np.concatenate([windows(log_mel(y))[:1] for y in songs])
    noise = np.random.default_rng(seed).uniform(0.0, 3.0, (2, *mels.shape[1:])).astype(np.float32)
    return np.concatenate([mels, noise])


def build(num_classes: int = 50, midend: int = 64, backend: int = 200):
    import torch
    from torch import nn

    class Timbral(nn.Module):
        def __init__(self, width):
            super().__init__()
            self.conv = nn.Conv2d(1, 204, (7, width))
            self.bn = nn.BatchNorm2d(204, eps=BN_EPS)

        def forward(self, x):  # x [B, 1, T, 96]
            x = nn.functional.pad(x, (0, 0, 3, 3))
            return self.bn(torch.relu(self.conv(x))).amax(dim=3)  # [B, 204, T]

    class Temporal(nn.Module):
        def __init__(self, length):
            super().__init__()
            self.length = length
            self.conv = nn.Conv2d(1, 51, (length, 1))
            self.bn = nn.BatchNorm2d(51, eps=BN_EPS)

        def forward(self, x):
            top = (self.length - 1) // 2  # TensorFlow's 'same' for an even kernel
            x = nn.functional.pad(x, (0, 0, top, self.length - 1 - top))
            return self.bn(torch.relu(self.conv(x))).amax(dim=3)  # [B, 51, T]

    class Mid(nn.Module):
        def __init__(self, width):
            super().__init__()
            self.conv = nn.Conv2d(1, midend, (7, width))
            self.bn = nn.BatchNorm2d(midend, eps=BN_EPS)

        def forward(self, f):  # f [B, T, W] -> [B, T, midend]
            x = nn.functional.pad(f[:, None], (0, 0, 3, 3))
            return self.bn(torch.relu(self.conv(x)))[..., 0].transpose(1, 2)

    class Musicnn(nn.Module):
        def __init__(self):
            super().__init__()
            self.bn_in = nn.BatchNorm2d(1, eps=BN_EPS)
            self.timbral = nn.ModuleList([Timbral(int(0.4 * N_MELS)), Timbral(int(0.7 * N_MELS))])
            self.temporal = nn.ModuleList([Temporal(128), Temporal(64), Temporal(32)])
            front = 2 * 204 + 3 * 51
            self.mid = nn.ModuleList([Mid(front), Mid(midend), Mid(midend)])
            dense_in = 2 * (front + 3 * midend)
            self.bn_pool = nn.BatchNorm1d(dense_in, eps=BN_EPS)
            self.dense = nn.Linear(dense_in, backend)
            self.bn_dense = nn.BatchNorm1d(backend, eps=BN_EPS)
            self.out = nn.Linear(backend, num_classes)

        def forward(self, mel):  # mel [B, T, 96] -> tag probabilities [B, classes]
            x = self.bn_in(mel[:, None])
            feats = [m(x) for m in self.timbral] + [m(x) for m in self.temporal]
            front = torch.cat(feats, dim=1).transpose(1, 2)     # [B, T, 561]
            c1 = self.mid[0](front)
            c2 = self.mid[1](c1) + c1
            c3 = self.mid[2](c2) + c2
            f = torch.cat([front, c1, c2, c3], dim=2)            # [B, T, 753]
            pooled = torch.stack([f.amax(dim=1), f.mean(dim=1)], dim=2).flatten(1)  # max, mean
            h = self.bn_dense(torch.relu(self.dense(self.bn_pool(pooled))))
            return torch.sigmoid(self.out(h))

    return Musicnn().eval()


def _bn(mod, w, name):
    import torch

    mod.weight.data = torch.from_numpy(w[f"{name}/gamma"])
    mod.bias.data = torch.from_numpy(w[f"{name}/beta"])
    mod.running_mean = torch.from_numpy(w[f"{name}/moving_mean"])
    mod.running_var = torch.from_numpy(w[f"{name}/moving_variance"])


def _conv(mod, w, name):
    import torch

    mod.weight.data = torch.from_numpy(np.ascontiguousarray(w[f"{name}/kernel"].transpose(3, 2, 0, 1)))
    mod.bias.data = torch.from_numpy(w[f"{name}/bias"])


def _dense(mod, w, name):
    import torch

    mod.weight.data = torch.from_numpy(np.ascontiguousarray(w[f"{name}/kernel"].T))
    mod.bias.data = torch.from_numpy(w[f"{name}/bias"])


def from_tf_weights(w: dict[str, np.ndarray]):
    """The PyTorch network with the checkpoint's variables (TensorFlow creation order)."""
    net = build(num_classes=w["dense_1/bias"].shape[0])
    _bn(net.bn_in, w, "batch_normalization")
    convs = [*net.timbral, *net.temporal, *net.mid]
    for i, block in enumerate(convs):
        _conv(block.conv, w, "conv2d" if i == 0 else f"conv2d_{i}")
        _bn(block.bn, w, f"batch_normalization_{i + 1}")
    _bn(net.bn_pool, w, "batch_normalization_9")
    _dense(net.dense, w, "dense")
    _bn(net.bn_dense, w, "batch_normalization_10")
    _dense(net.out, w, "dense_1")
    return net.eval()


def load(model: str = "MTT_musicnn", weights: str | Path | None = None):
    """The tagger with its trained weights: from ``weights`` (a safetensors file written
    by tools/convert_musicnn.py) or from the installed musicnn package."""
    if model not in MODELS:
        raise TaggerError(f"model {model!r}: available are {', '.join(MODELS)}")
    if weights is not None:
        from safetensors.numpy import load_file

        w = load_file(str(weights))
    else:
        from vj.understand.tfcheckpoint import read_checkpoint

        w = read_checkpoint(package_checkpoint(model))
    return from_tf_weights(w)


def _onnx_session(net, model: str, threads: int):
    """The network exported to ONNX (cached) under onnxruntime: 1.5x faster than eager
    torch on a CPU core (docs/benchmarks.md)."""
    import warnings

    import onnxruntime as ort
    import torch

    from vj.runtime.cache import cache_dir

    path = cache_dir() / "onnx" / f"{model}-{WINDOW_FRAMES}.onnx"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.onnx")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(net, (torch.zeros(1, WINDOW_FRAMES, N_MELS),), str(tmp),
                              input_names=["mel"], output_names=["tags"], opset_version=17,
                              dynamic_axes={"mel": {0: "batch"}, "tags": {0: "batch"}},
                              dynamo=False)
        tmp.replace(path)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


class Tagger:
    """``tag(y16k)`` -> tag probabilities per 3-second window, [n_windows, 50].

    ``backend="onnx"`` (default) runs the exported network under onnxruntime,
    ``"torch"`` the PyTorch port directly; both give the same numbers (1e-7).
    """

    def __init__(self, model: str = "MTT_musicnn", weights=None, *, backend: str = "onnx",
                 threads: int = 1) -> None:
        self.model = model
        self.labels = MODELS[model]
        self.net = load(model, weights)
        self.session = None
        if backend == "onnx":
            try:
                self.session = _onnx_session(self.net, model, threads)
            except Exception:  # onnxruntime missing or export failed: eager torch
                self.session = None

    def tag_mel(self, mel_windows: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(mel_windows, np.float32)
        if self.session is not None:
            return self.session.run(["tags"], {"mel": x})[0]
        import torch

        with torch.inference_mode():
            return self.net(torch.from_numpy(x)).numpy()

    def tag(self, y16k: np.ndarray) -> np.ndarray:
        return self.tag_mel(windows(log_mel(y16k)))
