#!/bin/sh
# System packages vj needs, installed with apt-get where they are missing:
#   libportaudio2     live audio input (sounddevice)
#   libegl1 libegl-mesa0 libgl1-mesa-dri   headless OpenGL (EGL; Mesa's llvmpipe on a CPU)
#   libgl1 libglx-mesa0 xvfb               windows (GLX) and a virtual screen for the tests
#   pulseaudio pulseaudio-utils libasound2-plugins
#                     a real sound server for the tests (null sink, paplay) and PortAudio's
#                     "pulse" input (the ALSA pulse plugin)
#   jackd2            a JACK server (jackd -d dummy) for the MIDI tests' virtual ports
#                     (ALSA sequencer ports need a kernel module that containers lack)
#   stress-ng         a CPU-heavy job beside the test suite (make test under load)
#   liblo-tools       a real OSC peer for the tests (oscsend, oscdump)
#   ola               a real Art-Net and sACN sender for the tests (olad, ola_set_dmx)
#   chromium          a real browser for the web remote's tests (driven by Playwright)
#   qlcplus           a real lighting desk: the tests load vj's QLC+ fixture in it and check
#                     it against the fixtures QLC+ ships
#   libltc11          the LTC decoder (vj live --timecode ltc), through ctypes
#   python3-venv      only where the system Python lacks ensurepip
# Everything else (FFmpeg in PyAV, libsndfile in soundfile) comes in the wheels.
set -eu

missing=""
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
have_lib 'libportaudio\.so\.2' || missing="$missing libportaudio2"
have_lib 'libEGL\.so\.1' || missing="$missing libegl1"
have_lib 'libEGL_mesa\.so\.0' || missing="$missing libegl-mesa0"
have_lib 'libGLX_mesa\.so\.0' || missing="$missing libglx-mesa0"
have_lib 'libGL\.so\.1' || missing="$missing libgl1"
ls /usr/lib/*/dri/swrast_dri.so >/dev/null 2>&1 || missing="$missing libgl1-mesa-dri"
command -v Xvfb >/dev/null 2>&1 || missing="$missing xvfb"
command -v pulseaudio >/dev/null 2>&1 || missing="$missing pulseaudio"
command -v paplay >/dev/null 2>&1 || missing="$missing pulseaudio-utils"
ls /usr/lib/*/alsa-lib/libasound_module_pcm_pulse.so >/dev/null 2>&1 || \
    missing="$missing libasound2-plugins"
command -v jackd >/dev/null 2>&1 || missing="$missing jackd2"
command -v stress-ng >/dev/null 2>&1 || missing="$missing stress-ng"
command -v oscsend >/dev/null 2>&1 || missing="$missing liblo-tools"
command -v olad >/dev/null 2>&1 || missing="$missing ola"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v qlcplus >/dev/null 2>&1 || missing="$missing qlcplus"
have_lib 'libltc\.so\.11' || missing="$missing libltc11"
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
