"""The live show (docs/design.md), one file per part:

* :mod:`.show` -- :class:`~.show.Show`, the short loop that ties the parts;
* :mod:`.config` -- the show's settings and its summary; :mod:`.report` -- the HUD's
  values, ``/vj/status`` and the summary (as a line and as JSON);
* :mod:`.energy_view` -- the render loop's view of the audio process's board
  (vj.engine): energy, held onset, stillness when the audio stops;
* :mod:`.driving` -- the online driver stepped per frame, desk cuts and scene cuts;
* :mod:`.controls` -- desk, keyboard, MIDI and automatic commands applied between frames;
* :mod:`.tempo` -- Link, MIDI clock and tap tempo; quantised cuts and switches;
* :mod:`.library` -- banks and the loader thread that prepares decoders off the render
  thread (least recently used out);
* :mod:`.decode_worker` -- slerp + decode of the newest position on its own thread;
* :mod:`.autogenre` -- the genre tagger in the background (``--auto``);
* :mod:`.stage` -- the GL side: renderers, effects, HUD, swap and GPU waits;
* :mod:`.adapt` -- the render scale: lowered while frames do not fit the display;
* :mod:`.frame_out`, :mod:`.outputs` -- NDI, Spout, Syphon and v4l2 outputs;
  :mod:`.preview` -- the operator's window;
* :mod:`.telemetry`, :mod:`.faults` -- fixed-size measurements and the faults each
  part reports once;
* :mod:`.cli` -- ``vj live`` and ``vj devices``.

Every part catches its own failures, reports them to :class:`~.faults.Faults`, falls
back and the show goes on.  :mod:`vj.runtime.chaos` injects failures for the tests.
"""
