#!/usr/bin/env python
"""Build (or reuse) the TensorRT fp16 engine for an ONNX export, on this GPU.

    python tools/build_engine.py movq-512.onnx -o movq-512.plan

``vj live --decoder tensorrt`` does this itself on first use and caches the
engine keyed by GPU name, TensorRT version, model hash, shape and precision.
Needs TensorRT (``pip install 'vj[gpu]'``), which downloads its libraries from
NVIDIA at install time.
"""
import argparse
import sys
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("onnx", help="ONNX file from tools/export_onnx.py")
    ap.add_argument("-o", "--output", required=True, help="engine file to write")
    ap.add_argument("--fp32", action="store_true", help="build in fp32 instead of fp16")
    args = ap.parse_args()

    from vj.decode.tensorrt_backend import BackendUnavailable, build_engine

    try:
        build_engine(Path(args.onnx), Path(args.output), fp16=not args.fp32)
    except BackendUnavailable as e:
        print(f"build_engine: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
