"""The show's control inputs, opened by :meth:`vj.live.show.Show._start`, each stopped
by the show's ExitStack: the network ones first (a busy port or a bad DMX patch
stops the show before a window opens or the audio process starts), then the rig."""
from __future__ import annotations

import logging

from vj.live.faults import quietly

log = logging.getLogger("vj.live")


def open_network(show, stack) -> None:
    """OSC and DMX."""
    cfg, c = show.config, show.controls
    if cfg.osc:
        from vj.control.osc import OscServer

        show.osc = OscServer(host=cfg.osc_host, port=cfg.osc_port, profile=cfg.desk,
                             feedback=cfg.feedback, status=lambda: show.status,
                             names=c.names, allow=cfg.osc_allow,
                             bank_folder_ok=show.library.folder_allowed, faults=show.faults)
        stack.callback(quietly("OSC", show.osc.stop))
        log.info("OSC on %s:%d (%s profile)", *show.osc.address, show.osc.profile.name)
    if cfg.dmx:
        from vj.dmx.control import open_dmx

        show.dmx = open_dmx(cfg, show.faults)
        stack.callback(quietly("DMX", show.dmx.stop))
        log.info("DMX: %s at address %d (%s mode) on %s:%d", show.dmx.receiver.describe(),
                 cfg.dmx_address, cfg.dmx_mode, *show.dmx.receiver.address)


def open_rig(show, stack) -> None:
    """A MIDI controller and Ableton Link."""
    cfg = show.config
    if cfg.midi_in:
        from vj.midi.live import MidiControl

        show.midi = show.tempo.midi = MidiControl(
            cfg.midi_in, show.faults, mapping=cfg.midi_map, api=cfg.midi_api,
            soft=cfg.soft_takeover)
        stack.callback(quietly("MIDI", show.midi.stop))
    if cfg.link:
        from vj.live.tempo import LinkSession

        show.link = show.tempo.link = LinkSession(show.faults, bpm=cfg.link_bpm,
                                                  quantum=cfg.beats_per_bar)
        stack.callback(quietly("Link", show.link.stop))
