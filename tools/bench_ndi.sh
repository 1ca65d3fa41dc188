#!/bin/sh
# NDI out costs the render loop nothing it waits for: the same headless show without and
# with --ndi (and a receiver connected), inside a network namespace that has only
# loopback (no traffic leaves the machine).  Usage:
#   unshare -rn sh tools/bench_ndi.sh BANK SONG [SECONDS] [WxH] [PAIRS]
# Runs PAIRS (default 3) alternating pairs, so that what else the machine does at the
# time falls on both sides, prints each run's numbers and then the median of each side.
set -eu
BANK=$1; SONG=$2; SECONDS_=${3:-30}; SIZE=${4:-1280x720}; PAIRS=${5:-3}
PY=${PY:-.venv/bin/python}
ip link set lo up; ip link set lo multicast on
CFG=$(mktemp -d)
cat > "$CFG/ndi-config.v1.json" <<JSON
{"ndi": {"networks": {"ips": "127.0.0.1", "discovery": ""},
 "adapters": {"allowed": ["127.0.0.1"]}, "multicast": {"send": {"enable": false}}}}
JSON
export NDI_CONFIG_DIR=$CFG
# one show; appends "fps p99" to $CFG/$1 and prints its summary
run() {
    side=$1; shift
    line=$($PY -m vj live --headless --bank "$BANK" --audio-file "$SONG" --loop --no-osc \
           --duration "$SECONDS_" --size "$SIZE" "$@" 2>/dev/null | grep "show summary")
    echo "$side: $line"
    echo "$line" | sed -n 's/.*(\([0-9.]*\) fps).* p99 \([0-9.]*\) ms.*/\1 \2/p' >> "$CFG/$side"
}
i=0
while [ "$i" -lt "$PAIRS" ]; do
    i=$((i + 1))
    run without
    $PY tests/ndi_receiver.py vjbench $((SECONDS_ + 20)) "$CFG/last.npy" > "$CFG/recv.json" &
    run with --ndi vjbench
    wait
    echo "receiver: $(cat "$CFG/recv.json")"
done
$PY - "$CFG" <<'PY'
import statistics as st, sys
rows = {s: [tuple(map(float, l.split())) for l in open(f"{sys.argv[1]}/{s}") if l.strip()]
        for s in ("without", "with")}
med = {s: (st.median(r[0] for r in v), st.median(r[1] for r in v)) for s, v in rows.items()}
(f0, p0), (f1, p1) = med["without"], med["with"]
print(f"median of {len(rows['with'])} runs: without NDI {f0:.1f} fps, p99 {p0:.1f} ms; "
      f"with NDI {f1:.1f} fps, p99 {p1:.1f} ms; change {100 * (f1 / f0 - 1):+.1f} % fps, "
      f"{100 * (p1 / p0 - 1):+.1f} % p99")
PY
rm -rf "$CFG"
