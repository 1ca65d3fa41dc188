"""``vj bench SUBCOMMAND``: every speed and memory measurement of vj, run by hand and
recorded with machine and date in docs/benchmarks.md (tests never assert a speed).

:mod:`.cli` (the subcommands), :mod:`.common` (the machine, memory, the audio, record,
keyframe and tagger benches), :mod:`.decode`, :mod:`.live` (impulse-to-photon latency,
the soak), :mod:`.prompts`."""
