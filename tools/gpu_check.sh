#!/bin/sh
# Every GPU measurement and check the issues ask for, in one run, on a machine with an
# NVIDIA GPU after `make install` (which installs a CUDA torch there):
#
#     sh tools/gpu_check.sh [OUT_DIR]        (default gpu-check/)
#
# Writes one text file per step to OUT_DIR (compile logs go to *.log, not the
# terminal) and prints a short summary.  The numbers go into docs/benchmarks.md with
# the date and the device.  TensorRT is measured only where its package is installed.
set -u
out=${1:-gpu-check}
mkdir -p "$out"
py=${PY:-.venv/bin/python}
[ -x "$py" ] || py=python3
vj="$py -m vj"
export PYTHONUNBUFFERED=1

step() {  # step NAME COMMAND...: run, keep stdout in NAME.txt and stderr in NAME.log
    name=$1; shift
    printf '== %s: %s\n' "$name" "$*"
    start=$(date +%s)
    "$@" >"$out/$name.txt" 2>"$out/$name.log"
    rc=$?
    printf '   exit %s after %ss; %s\n' "$rc" "$(( $(date +%s) - start ))" \
        "$(tail -n 1 "$out/$name.txt" 2>/dev/null)"
}

if ! $py -c "import sys, torch; sys.exit(not torch.cuda.is_available())" 2>/dev/null; then
    echo "gpu_check: torch sees no CUDA GPU here; nothing to measure" >&2
    exit 1
fi
{ nvidia-smi; $py -c "import torch; print('torch', torch.__version__, torch.version.cuda,
torch.cuda.get_device_name())"; } >"$out/device.txt" 2>&1
head -n 12 "$out/device.txt"
# decoder lab first: every rewrite and layout variant at 768 and 512 (docs/decode-notes.md)
step lab "$py" tools/decode_lab.py --sizes 768 512 --out "$out/lab" --budget 480 \
    --variants eager compile compile-rs2-cl compile-rs3-cl compile-rs-cl \
    --profile compile-rs-cl
# correctness on the GPU (PSNR >= 40 dB against fp32 eager; no allocation per frame)
step tests-gpu "$py" -m pytest -q -rs tests/test_gpu.py tests/test_decode.py -k "cuda or gpu"
# issue 7: every backend, 512 and 768, batch 1 and 8 (median, p99, fps, speed-up, PSNR)
step decode $vj bench decode --size 512 768 --batch 1 8 --backend all --frames 300 \
    --json "$out/decode.json"
# issue 5: a 3-minute song at 512 / 30 fps through the real-architecture decoder
step record-batch8 $vj bench record --model real --seconds 180 --size 512 --batch 8
step record-batch1 $vj bench record --model real --seconds 180 --size 512 --batch 1
# issue 4: impulse-to-photon latency, headless, real-architecture decoder
step latency $vj bench latency --model real --size 512
# issue 3: one keyframe at 512 and 768 (real architecture, random weights)
step keyframe $vj bench keyframe --size 512 768
echo "results in $out/"
