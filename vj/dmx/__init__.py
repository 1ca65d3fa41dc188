"""DMX input: vj patched on a lighting desk as a fixture (docs/live.md, "DMX").

Art-Net and sACN (E1.31) packets are parsed by :mod:`vj.dmx.packets` (pure), merged
per universe by :mod:`vj.dmx.merge` (priorities, HTP on the dimmer, LTP elsewhere),
received on a thread of their own by :mod:`vj.dmx.receiver`, read once per frame and
turned into show commands by :mod:`vj.dmx.control` through a personality
(:mod:`vj.dmx.personality`, ``presets/dmx/``), which also writes the fixture files
the desks import (:mod:`vj.dmx.fixture`).
"""
