#!/bin/sh
# What the GPU machine needs for tools/gpu_check.sh and lacks, built here on the CPU:
# the Python wheels (Python 3.12, manylinux x86-64) of the packages vj imports that its
# image does not hold (/work/.library/device/KINDS.md lists what it holds), and the GL
# loader packages for EGL on the NVIDIA driver (the device README's list).
#
#     sh tools/gpu_bundle.sh [DIR]           (default .gpu-bundle/, ignored by git)
#
# Each wheel is the version this project's .venv has (or the pin below), downloaded
# with --no-deps: the machine has every other dependency.  The bundle and the repo
# travel together in one call, under the device's 64 MiB; this checks the total and
# prints it.
set -eu
out=${1:-.gpu-bundle}
venv_py=${VENV_PY:-.venv/bin/python}
# package and the version to take where the project's venv does not have it
wheels="diffusers==0.42.1 librosa==0.11.0 audioread==3.1.0 soxr==1.1.0 soundfile==0.14.0
cffi==2.1.1 pycparser==3.12 av==18.1.0 moderngl==5.13.0 glcontext==3.1.0 glfw==2.11.0
python-osc==1.10.2 pooch==1.9.0 decorator==5.3.1 platformdirs==4.14.9 sounddevice==0.5.6
importlib_metadata==10.2.0 segno==1.6.6"
gl="libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2"
limit=$((64 * 1024 * 1024))
spare=$((8 * 1024 * 1024))        # room left for the repo's own growth and $OUT notes

rm -rf "$out/whl" "$out/gl"
mkdir -p "$out/whl" "$out/gl"
for spec in $wheels; do
    name=${spec%%==*}
    version=$("$venv_py" -c "import importlib.metadata as m; print(m.version('$name'))" \
              2>/dev/null || echo "${spec#*==}")
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
        --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
        --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
        --platform manylinux1_x86_64 -d "$out/whl" "$name==$version" 2>&1 \
        | grep -v '^WARNING' || true
    ls "$out/whl" | grep -qi "^$(echo "$name" | tr - _)-" || {
        echo "gpu_bundle: no Python 3.12 wheel of $name==$version" >&2; exit 1; }
done
lists=/tmp/vj-apt-amd64
mkdir -p "$lists/partial"
o="-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=$lists"
# shellcheck disable=SC2086
apt-get $o update -qq >/dev/null
# shellcheck disable=SC2086
(cd "$out/gl" && apt-get $o download $gl >/dev/null 2>&1)
bundle=$(du -sb "$out" | cut -f1)
repo=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -n 1 | cut -f1)
total=$((bundle + repo))
printf 'gpu bundle: %s wheels, %s GL packages, %.1f MiB; with the repo %.1f MiB of %d MiB\n' \
    "$(ls "$out/whl" | wc -l)" "$(ls "$out/gl" | wc -l)" \
    "$(echo "$bundle / 1048576" | bc -l)" "$(echo "$total / 1048576" | bc -l)" $((limit / 1048576))
if [ $((total + spare)) -gt $limit ]; then
    echo "gpu_bundle: too large to carry with room to spare ($spare bytes)" >&2
    exit 1
fi
