"""`vj midi ports` and `vj midi learn`: move a control, press Enter, and the mapping is
written to a TOML file that `vj live --midi-map FILE` loads."""
from __future__ import annotations

import argparse
import sys
import threading

from vj.errors import VjError
from vj.midi.mapping import LEVEL_TARGETS, MidiMap, check_target

DEFAULT_TARGETS = ("master", "intensity", "speed", "fx/flash", "fx/trail", "cut", "blackout",
                   "preset_next", "preset_prev", "tap")


class _Recorder:
    """The newest control message (CC, note-on, pitch bend) since :meth:`arm`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.last = None

    def __call__(self, msg) -> None:
        if msg.type in ("control_change", "pitchwheel") or (
                msg.type == "note_on" and msg.velocity > 0):
            with self._lock:
                self.last = msg

    def take(self):
        with self._lock:
            m, self.last = self.last, None
        return m


def learn_one(mapping: MidiMap, target: str, msg) -> str | None:
    """Put ``msg``'s control on ``target``; None, or why it does not fit."""
    level = target in LEVEL_TARGETS
    if msg.type == "pitchwheel":
        if not level:
            return "a pitch bend can only drive a level"
        mapping.pitchbend = target
    elif msg.type == "control_change":
        for k in [k for k, t in mapping.cc.items() if t == target]:
            del mapping.cc[k]
        mapping.cc[(msg.channel, msg.control)] = target
    elif msg.type == "note_on":
        if level:
            return "a key or pad cannot drive a level: move a fader or a knob"
        for k in [k for k, t in mapping.note.items() if t == target]:
            del mapping.note[k]
        mapping.note[msg.note] = target
    return None


def describe(msg) -> str:
    if msg.type == "control_change":
        return f"CC {msg.control} on channel {msg.channel + 1}"
    if msg.type == "note_on":
        return f"note {msg.note}"
    return "pitch bend"


def cmd_midi(args) -> int:
    from vj.midi.port import backend, find_port

    be = backend(args.api)
    names = be.get_input_names()
    if args.midi_command == "ports":
        print("MIDI inputs (--midi-in NAME):")
        print("\n".join(f"  {n}" for n in names) or "  none found")
        return 0
    port_name = find_port(names, args.port) if args.port else (names[0] if names else None)
    if port_name is None:
        raise VjError(f"no MIDI input {'matches ' + repr(args.port) if args.port else 'found'}"
                      f" (inputs: {', '.join(names) or 'none'}); see `vj midi ports`")
    targets = [check_target(t.strip(), "--targets") for t in args.targets.split(",") if t.strip()]
    mapping = MidiMap(args.name or port_name.split(":")[-1].strip(), f"learned from {port_name}")
    rec = _Recorder()
    port = be.open_input(port_name, callback=rec)
    try:
        print(f"learning from {port_name!r}: for each target, move its control, then press "
              "Enter (s Enter: skip, q Enter: save and stop)", flush=True)
        for i, target in enumerate(targets):
            rec.take()
            while True:
                print(f"[{i + 1}/{len(targets)}] {target}: move the control, then Enter",
                      flush=True)
                key = sys.stdin.readline()
                if key == "" or key.strip().lower() == "q":
                    return _save(mapping, args.out)
                if key.strip().lower() == "s":
                    break
                msg = rec.take()
                if msg is None:
                    print("  nothing received from the controller; try again", flush=True)
                    continue
                why = learn_one(mapping, target, msg)
                if why:
                    print(f"  {describe(msg)}: {why}", flush=True)
                    continue
                print(f"  {target} <- {describe(msg)}", flush=True)
                break
    finally:
        port.close()
    return _save(mapping, args.out)


def _save(mapping: MidiMap, out) -> int:
    path = mapping.save(out)
    MidiMap.load(path)   # what was written loads again
    print(f"wrote {path}: {len(mapping.cc)} CC, {len(mapping.note)} notes"
          f"{', pitch bend' if mapping.pitchbend else ''} (vj live --midi-map {path})")
    return 0


def add_midi_parser(sub) -> None:
    from vj.options import Renamed

    p = sub.add_parser("midi", help="MIDI controllers: list inputs, learn a mapping",
                       description="MIDI controllers (needs pip install 'vj[midi]'). `vj midi "
                       "ports` lists the inputs; `vj midi learn --out FILE` asks for each "
                       "target in turn: move its control, press Enter.")
    p.add_argument("midi_command", choices=["ports", "learn"])
    p.add_argument("--port", metavar="NAME", help="learn: input (part of its name; default "
                   "the first)")
    p.add_argument("--out", default="midi-map.toml", help="learn: file to write "
                   "(default midi-map.toml)")
    p.add_argument("--targets", default=",".join(DEFAULT_TARGETS),
                   help="learn: comma-separated targets, in order (default: "
                   + ",".join(DEFAULT_TARGETS) + "; also fx/hue, fx/strobe, refine/strength, "
                   "refine/gain, preset/NAME, bank/NAME, hud, auto)")
    p.add_argument("--name", help="learn: the mapping's name (default: the port's)")
    p.add_argument("--midi-api", dest="api", default="auto", choices=["auto", "alsa", "jack"],
                   help="MIDI system (default auto), as for vj live")
    p.add_argument("--api", dest="api", choices=["auto", "alsa", "jack"], action=Renamed,
                   new="--midi-api", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_midi)
