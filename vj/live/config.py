"""The show's settings and its closing summary."""
from __future__ import annotations

from dataclasses import dataclass, field

from vj.audio.energy import EnergyParams
from vj.audio.streaming import LIVE_PARAMS


@dataclass
class ShowConfig:
    banks: list[str]
    audio_file: str | None = None
    input_device: str | None = None
    input_channels: list[int] | None = None  # 0-based channels of the input, mixed to mono
    headless: bool = False
    size: tuple[int, int] = (1280, 720)      # output (window or headless target)
    fit: str = "auto"                        # the picture on an output of another shape
    monitor: str | None = None
    fullscreen: bool = False
    fps: float = 60.0                        # headless pacing (a window follows vsync)
    osc: bool = True
    osc_host: str = "0.0.0.0"
    osc_port: int = 7000
    osc_allow: list[str] | None = None       # hosts that may send OSC (None: any)
    desk: str | None = None
    feedback: tuple[str, int] | None = None
    bank_dirs: list[str] = field(default_factory=list)  # folders /vj/bank may load from
    max_open: int = 3                        # decoders kept open (least recently used out)
    decoder: str = "auto"
    device: str = "auto"
    preset: str | None = None
    presets_dirs: list[str] | None = None
    shaders: str | None = None
    duration: float | None = None
    hud: bool = False
    loop_audio: bool = False
    crossfade: float = 1.5
    auto: bool = False              # automatic genre from the music (/vj/auto)
    auto_hold: float = 16.0         # seconds a new genre must hold before the look changes
    auto_interval: float = 3.0      # seconds between two taggings
    midi_in: str | None = None      # MIDI input port (part of its name)
    midi_map: str | None = None     # built-in map name or a .toml file (default generic)
    midi_api: str = "auto"          # rtmidi backend: auto, alsa, jack
    soft_takeover: bool = True
    link: bool = False              # join an Ableton Link session
    link_bpm: float = 120.0         # Link's tempo when it is the first peer
    quantize: str = "off"           # hold cuts and switches until the next beat or bar
    beats_per_bar: int = 4
    bars_per_keyframe: float | None = None   # with a tempo: one keyframe per N bars
    outputs: list[str] = field(default_factory=list)   # frame outputs: ndi:NAME, spout:NAME, ...
    output_size: tuple[int, int] | None = None         # their picture size (default: size)
    preview: bool = False                    # the operator's window, HUD on, beside the projector
    preview_size: tuple[int, int] = (640, 360)
    preview_monitor: str | None = None
    dmx: tuple[str, int] | None = None       # ("artnet" | "sacn", universe): DMX input
    dmx_address: int = 1                     # the fixture's start channel (1-512)
    dmx_mode: str = "basic"                  # the personality's mode (presets/dmx)
    dmx_personality: str | None = None       # another personality TOML
    dmx_host: str | None = None              # the interface (bind, multicast join, ArtPollReply)
    dmx_allow: list[str] | None = None       # hosts that may send DMX (None: any)
    dmx_loss: str = "hold"                   # hold | blackout | release
    dmx_loss_after: float = 3.0              # s without a packet before DMX counts as lost
    dmx_ignore_blank: bool = False           # all of vj's channels 0: ignored until one changes
    web: tuple[str, int] | None = None       # (host, port): the web remote (vj.web)
    web_allow: list[str] | None = None       # addresses that may use it (None: any)
    web_preview: bool = True                 # the JPEG preview stream
    web_token: str | None = None             # a fixed token (default: a new one each start)
    web_hud_token: bool = False              # show the page's address with its token in the HUD
    refine: str | None = None                # the live refinement's model (vj.refine)
    refine_steps: int = 1
    render_scale: float | None = None        # fixed presentation scale; None: adaptive
    summary_json: str | None = None          # write the summary as JSON to this file
    show_file: str | None = None             # --show: the set list (vj.show)
    setlist: object = None                   # its vj.show.setlist.SetList
    resume: dict | None = None               # --resume: the saved state it starts from
    advance: str = "off"                     # "on-silence": the next song after a silence
    silence_after: float = 4.0               # s of silence between two songs
    timecode: str = "off"                    # "mtc" (from --midi-in) or "ltc": chase it
    ltc_channel: int | None = None           # 0-based input (or file) channel with LTC
    timecode_freewheel: int = 30             # frames of dropout the chase runs through
    params: EnergyParams = LIVE_PARAMS


@dataclass
class Summary:
    frames: int
    seconds: float
    drops: int
    fps: float
    frame_ms_median: float
    frame_ms_p99: float
    longest_ms: float
    decode_ms_median: float
    decode_fps: float
    latency_ms_median: float
    osc_packets: int
    osc_errors: int
    decoder: str
    overruns: int
    status_flags: int
    faults: list
    tempo: str = ""
    render: str = ""                 # the render scale the show ended at, and how
    #: everything, for tools (vj live --summary-json): see :meth:`as_dict`
    details: dict = field(default_factory=dict)

    def text(self) -> str:
        return (f"show summary: {self.frames} frames in {self.seconds:.1f} s ({self.fps:.1f} fps), "
                f"{self.drops} dropped; frame time median {self.frame_ms_median:.1f} ms, p99 "
                f"{self.frame_ms_p99:.1f} ms, longest {self.longest_ms:.1f} ms after the first "
                f"second; decode ({self.decoder}) median {self.decode_ms_median:.1f} ms, "
                f"{self.decode_fps:.1f} fps; audio-to-photon latency median "
                f"{self.latency_ms_median:.1f} ms (ADC to completed frame); OSC packets "
                f"{self.osc_packets}, errors {self.osc_errors}; audio ring overruns "
                f"{self.overruns}, input status flags {self.status_flags}"
                + (f"; {self.render}" if self.render else "")
                + (f"; {self.tempo}" if self.tempo else "")
                + (f"; faults: {'; '.join(self.faults)}" if self.faults else ""))

    def as_dict(self) -> dict:
        """The summary as JSON-ready values (``vj live --summary-json FILE``)."""
        out = {k: getattr(self, k) for k in (
            "frames", "seconds", "drops", "fps", "decoder", "decode_ms_median",
            "decode_fps", "osc_packets", "osc_errors", "overruns", "status_flags")}
        out.update(self.details)
        return out
