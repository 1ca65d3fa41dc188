"""MIDI controllers: mappings with soft takeover (`--midi-in`), MIDI learn
(`vj midi learn`) and MIDI clock.  Needs the optional extra `vj[midi]`."""
