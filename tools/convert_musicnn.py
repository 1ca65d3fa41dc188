#!/usr/bin/env python
"""Check vj's PyTorch musicnn against the original TensorFlow graph, and write the
fixed expected outputs that tests/test_understand.py checks without TensorFlow.

TensorFlow is used here only. Run it in an environment with TensorFlow 2.x,
tf_keras (the TF1 layers of musicnn need it), torch and the musicnn package:

    python -m venv /tmp/tf && /tmp/tf/bin/pip install tensorflow-cpu tf-keras torch librosa \
        safetensors && /tmp/tf/bin/pip install --no-deps musicnn==0.1.0
    TF_USE_LEGACY_KERAS=1 PYTHONPATH=. /tmp/tf/bin/python tools/convert_musicnn.py

For each model (MTT_musicnn, MSD_musicnn) it builds musicnn's own graph
(musicnn/models.py), restores the checkpoint shipped in the package, runs it
and vj's port on the same generated inputs, and prints the maximum absolute
difference of the 50 tag probabilities (must be <= 1e-4).  ``--weights DIR``
also writes the weights as safetensors files (musicnn's ISC licence notice
beside them).

musicnn: Copyright (c) Music Technology Group, Universitat Pompeu Fabra 2019,
ISC licence.
"""
import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

MODELS = ("MTT_musicnn", "MSD_musicnn")


def reference(model: str, x: np.ndarray) -> np.ndarray:
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import tensorflow as tf
    from musicnn import models

    from vj.understand.musicnn import MODELS as LABELS
    from vj.understand.musicnn import package_checkpoint

    tf.compat.v1.disable_eager_execution()
    tf.compat.v1.reset_default_graph()
    with tf.name_scope("model"):
        ph = tf.compat.v1.placeholder(tf.float32, [None, x.shape[1], x.shape[2]])
        is_training = tf.compat.v1.placeholder(tf.bool)
        y = models.define_model(ph, is_training, model, len(LABELS[model]))[0]
        probs = tf.nn.sigmoid(y)
    with tf.compat.v1.Session() as sess:
        tf.compat.v1.train.Saver().restore(sess, package_checkpoint(model))
        return sess.run(probs, feed_dict={ph: x, is_training: False})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", metavar="DIR", help="also write <model>.safetensors here")
    ap.add_argument("--expected", default="tests/data/musicnn_expected.json",
                    help="where to write the fixed expected outputs")
    args = ap.parse_args()

    from vj.understand.musicnn import Tagger, package_checkpoint, reference_inputs
    from vj.understand.tfcheckpoint import read_checkpoint

    x = reference_inputs(0)
    expected = {"input_seed": 0, "note": "TensorFlow outputs of musicnn's own graph "
                "(tools/convert_musicnn.py) for vj.understand.musicnn.reference_inputs(0)", "models": {}}
    worst = 0.0
    for model in MODELS:
        ref = reference(model, x)
        ours = Tagger(model, backend="torch").tag_mel(x)
        diff = float(np.abs(ref - ours).max())
        worst = max(worst, diff)
        print(f"{model}: max |TensorFlow - vj| over {x.shape[0]} windows x {ref.shape[1]} tags "
              f"= {diff:.2e}")
        expected["models"][model] = ref.round(7).tolist()
        if args.weights:
            from safetensors.numpy import save_file

            out = Path(args.weights)
            out.mkdir(parents=True, exist_ok=True)
            w = {k: v for k, v in read_checkpoint(package_checkpoint(model)).items()
                 if "Adam" not in k and "power" not in k}
            save_file(w, str(out / f"{model}.safetensors"))
            (out / "LICENSE-musicnn.txt").write_text(
                "musicnn weights: Copyright (c) Music Technology Group, Universitat Pompeu "
                "Fabra 2019. ISC licence: permission to use, copy, modify, and/or distribute "
                "this software for any purpose with or without fee is hereby granted, provided "
                "that the above copyright notice and this permission notice appear in all "
                "copies. THE SOFTWARE IS PROVIDED \"AS IS\" AND THE AUTHOR DISCLAIMS ALL "
                "WARRANTIES.\n")
    Path(args.expected).parent.mkdir(parents=True, exist_ok=True)
    Path(args.expected).write_text(json.dumps(expected))
    print(f"wrote {args.expected}; worst difference {worst:.2e} (limit 1e-4)")
    return 0 if worst <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
