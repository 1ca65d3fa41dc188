#!/usr/bin/env python
"""Export a bank's MoVQ decoder (or the real architecture with random weights) to ONNX.

    python tools/export_onnx.py --bank banks/techno -o movq.onnx
    python tools/export_onnx.py --random --size 512 -o movq-512.onnx

The export is z [B, 4, h, w] -> uint8 frames [B, H, W, 3] at a static shape,
checked with onnx.checker; the ``onnx`` and ``tensorrt`` decoders make the same
export themselves (cached under ~/.cache/vj) on first use.
"""
import argparse
import sys


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--bank", help="bank folder whose model's MoVQ to export")
    src.add_argument("--random", action="store_true", help="real architecture, random weights")
    ap.add_argument("--size", type=int, default=512, help="frame size (default 512)")
    ap.add_argument("--batch", type=int, default=1, help="batch (default 1)")
    ap.add_argument("-o", "--output", required=True, help="ONNX file to write")
    args = ap.parse_args()

    from vj.decode.onnx_backend import export_onnx

    if args.bank:
        from vj.bank import load_bank
        from vj.decode.torch_backend import load_movq

        bank = load_bank(args.bank)
        import torch

        movq = load_movq(bank.manifest, "cpu", torch.float32)
        shape = (args.batch, *bank.frames.shape[1:])
    else:
        from vj.generate.architecture import movq as real_movq

        movq = real_movq()
        shape = (args.batch, 4, args.size // 8, args.size // 8)
    path = export_onnx(movq, shape, args.output)
    print(f"wrote {path} (latents {list(shape)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
