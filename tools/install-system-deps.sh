#!/bin/sh
# System packages vj needs, installed with apt-get where they are missing:
#   libportaudio2     live audio input (sounddevice)
#   python3-venv      only where the system Python lacks ensurepip
# Everything else (FFmpeg in PyAV, libsndfile in soundfile) comes in the wheels.
set -eu

missing=""
ldconfig -p 2>/dev/null | grep -q 'libportaudio\.so\.2' || missing="$missing libportaudio2"
python3 -c 'import ensurepip' 2>/dev/null || missing="$missing python3-venv"

[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "vj: please install these system packages with your package manager:$missing" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "vj: need root to run: apt-get install -y$missing" >&2
        exit 1
    fi
fi
echo "vj: installing system packages:$missing"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
