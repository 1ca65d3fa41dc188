#!/bin/sh
# The development corpus of real recorded music (docs/eval.md): Debian packages whose
# audio stays under /usr/share; nothing is copied into the repository.
#   fretsonfire-songs-muldjord fretsonfire-songs-sectoid   rock songs as stems
#   drascula-music                                        a game score
#   gnome-backgrounds                                     free pictures for a real-art bank
#                                                         (vj eval --bank; docs/eval.md)
set -eu
pkgs="fretsonfire-songs-muldjord fretsonfire-songs-sectoid drascula-music gnome-backgrounds"
missing=""
for p in $pkgs; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && { echo "vj: the corpus is installed"; exit 0; }
if ! command -v apt-get >/dev/null 2>&1; then
    echo "vj: the corpus needs the Debian packages:$missing" >&2
    exit 1
fi
SUDO=""
[ "$(id -u)" != 0 ] && SUDO="sudo"
echo "vj: installing the corpus:$missing"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
