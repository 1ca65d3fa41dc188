"""The audio engine, in a process of its own (docs/design.md): capture (a device
through PortAudio, or a file in real time) and the streaming analysis run in
:mod:`.child`, publishing each hop on a lock-free shared-memory :mod:`.board`; the
show's side, :mod:`.host`, starts it before GL or any model, reads the board and
wakes a spare process (:mod:`.spare`, started by :mod:`.launch`) when one dies,
hangs or loses its device."""
