"""The show's control inputs, opened by :meth:`vj.live.show.Show._start`, each stopped
by the show's ExitStack: the network ones first (a busy port or a bad DMX patch
stops the show before a window opens or the audio process starts), then the rig."""
from __future__ import annotations

import logging

from vj.live.faults import quietly

log = logging.getLogger("vj.live")


def open_network(show, stack) -> None:
    """OSC, DMX and the web remote."""
    cfg, c = show.config, show.controls
    if cfg.osc:
        from vj.control.osc import OscServer
        from vj.live.report import live_status

        show.osc = OscServer(host=cfg.osc_host, port=cfg.osc_port, profile=cfg.desk,
                             feedback=cfg.feedback, status=lambda: live_status(show),
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
    open_web(show, stack)


def open_web(show, stack) -> None:
    """The web remote: its server now (a busy port stops the show before it starts),
    its preview feed once the stage has a GL context (:func:`web_preview_feed`)."""
    cfg = show.config
    if not cfg.web:
        return
    import sys

    from vj.options import resolve_hosts
    from vj.show.process import restarts
    from vj.web.address import print_qr
    from vj.web.control import WebControl
    from vj.web.preview import JpegSink
    from vj.web.server import WebRemote
    from vj.web.state import bank_picture, web_state
    from vj.web.token import stored_token

    allow = resolve_hosts(cfg.web_allow, "--web-allow")
    c = show.controls
    show.web = WebRemote(*cfg.web, state=lambda: web_state(show, restarts()), names=c.names,
                         pictures=lambda name, i: bank_picture(show, name, i), allow=allow,
                         token=cfg.web_token or stored_token(),
                         preview=JpegSink() if cfg.web_preview else None, faults=show.faults)
    show.web_control = WebControl(show.web.commands, soft=cfg.soft_takeover)
    stack.callback(quietly("web", show.web.stop))
    url = show.web.url()
    print(f"vj: web remote: {url}", file=sys.stderr, flush=True)
    if sys.stderr.isatty():
        print_qr(url, sys.stderr)


def web_preview_feed(show, stack):
    """The web preview as a frame feed: the clean picture, small, a few times a second."""
    from vj.live.frame_out import FrameFeed
    from vj.web import preview

    sink = show.web.preview
    feed = FrameFeed(sink, preview.SIZE, preview.FPS, show.faults, interval=1.0 / preview.FPS)
    feed.start(show.stage.target.ctx)
    stack.callback(quietly("web preview", feed.stop))
    return feed


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
