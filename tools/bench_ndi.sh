#!/bin/sh
# NDI out costs the render loop nothing it waits for: the same headless show with and
# without --ndi (and a receiver connected), inside a network namespace that has only
# loopback (no traffic leaves the machine).  Usage:
#   unshare -rn sh tools/bench_ndi.sh BANK SONG [SECONDS] [WxH]
# Prints the two show summaries and the receiver's statistics.
set -eu
BANK=$1; SONG=$2; SECONDS_=${3:-30}; SIZE=${4:-1280x720}
PY=${PY:-.venv/bin/python}
ip link set lo up; ip link set lo multicast on
CFG=$(mktemp -d)
cat > "$CFG/ndi-config.v1.json" <<JSON
{"ndi": {"networks": {"ips": "127.0.0.1", "discovery": ""},
 "adapters": {"allowed": ["127.0.0.1"]}, "multicast": {"send": {"enable": false}}}}
JSON
export NDI_CONFIG_DIR=$CFG
run() { $PY -m vj live --headless --bank "$BANK" --audio-file "$SONG" --loop --no-osc \
        --duration "$SECONDS_" --window-size "$SIZE" "$@" 2>/dev/null | grep "show summary"; }
echo "without NDI:"; run
$PY tests/ndi_receiver.py vjbench $((SECONDS_ + 20)) "$CFG/last.npy" > "$CFG/recv.json" &
echo "with NDI out and a receiver connected:"; run --ndi vjbench
wait
echo "receiver: $(cat "$CFG/recv.json")"
rm -rf "$CFG"
