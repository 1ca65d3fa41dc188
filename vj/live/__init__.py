"""The live show (DESIGN.md section 3), one file per part:

* :mod:`.audio_input` -- the PortAudio input with its watchdog (or a file played in
  real time), feeding a preallocated ring buffer with the ADC time of its samples;
* :mod:`.analysis` -- the analysis thread: ring -> streaming energy -> the newest
  :class:`~.analysis.Published` value;
* :mod:`.library` -- banks (keyed by their resolved path) and the loader thread that
  prepares decoders off the render thread (least recently used out);
* :mod:`.decode_worker` -- slerp + decode of the newest position on its own thread,
  into a triple buffer;
* :mod:`.autogenre` -- the genre tagger in the background (``--auto``);
* :mod:`.controls` -- desk, keyboard and automatic commands applied between frames;
* :mod:`.stage` -- the GL side: renderers, effects, HUD, swap and fence;
* :mod:`.telemetry`, :mod:`.faults` -- fixed-size measurements and the faults each
  part reports once;
* :mod:`.show` -- :class:`~.show.Show`, the short loop that ties them.

Every part catches its own failures, reports them to :class:`~.faults.Faults`, falls
back and the show goes on.  :mod:`.chaos` injects failures for the tests.
"""
