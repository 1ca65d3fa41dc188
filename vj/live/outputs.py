"""Frame outputs: the show's clean picture (after master, strobe and blackout, without
the HUD) sent to other programs: NDI (`vj[ndi]`), Spout (Windows), Syphon (macOS) or a
v4l2loopback virtual camera (Linux).

The render thread draws the picture into a small framebuffer and starts its readback
into a pixel buffer object; the buffer of the frame before (finished by then) is
copied into one of three preallocated arrays and left in a one-slot mailbox.  A sender
thread takes it from there.  The render loop never waits for a sink: when the sink is
still busy with the last picture, the new one replaces it and the old one counts as
dropped."""
from __future__ import annotations

import sys

import numpy as np

from vj.errors import VjError

KINDS = ("ndi", "spout", "syphon", "v4l2")


class FrameSink:
    """What every output does: ``open(width, height, fps)``, ``send(rgba)`` with an
    H x W x 4 uint8 array (top row first), ``close()``."""

    name = "sink"

    def open(self, width: int, height: int, fps: float) -> None:
        pass

    def send(self, rgba: np.ndarray) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class NdiSink(FrameSink):
    """An NDI source named ``name`` (cyndilib; its wheel bundles the NDI runtime)."""

    def __init__(self, name: str) -> None:
        try:
            import cyndilib  # noqa: F401
        except ImportError:
            raise VjError("NDI output needs the optional extra: pip install 'vj[ndi]' "
                          "(cyndilib; the NDI runtime has its own licence, see the README)") \
                from None
        self.name = f"NDI {name!r}"
        self._ndi_name, self._sender = name, None
        self.sent_to_receivers = 0     # frames sent while at least one receiver listened

    def open(self, width: int, height: int, fps: float) -> None:
        from fractions import Fraction

        from cyndilib.sender import Sender
        from cyndilib.video_frame import VideoSendFrame
        from cyndilib.wrapper.ndi_structs import FourCC

        vf = VideoSendFrame()
        vf.set_resolution(width, height)
        vf.set_frame_rate(Fraction(round(fps * 1000), 1000))
        # RGBX: the picture is opaque, so NDI encodes no alpha plane (RGBA would cost an
        # extra plane per frame).
        vf.set_fourcc(FourCC.RGBX)
        # The show is the clock (the display or the headless pacing): frames go out as
        # they are drawn, not held back to NDI's own 60 Hz clock, which drifts from it.
        self._sender = Sender(self._ndi_name, clock_video=False)
        self._sender.set_video_frame(vf)
        self._sender.open()

    def send(self, rgba: np.ndarray) -> None:
        self._sender.write_video(rgba.reshape(-1))
        if self._sender.get_num_connections(0) > 0:
            self.sent_to_receivers += 1

    def connections(self) -> int:
        return self._sender.get_num_connections(0) if self._sender else 0

    def close(self) -> None:
        if self._sender is not None:
            self._sender.close()
            self._sender = None


class SpoutSink(FrameSink):   # Windows; not run in this project's CI (docs/live.md)
    def __init__(self, name: str) -> None:
        _platform("spout", "win32", "SpoutGL")
        self.name, self._name = f"Spout {name!r}", name

    def open(self, width, height, fps):
        import SpoutGL

        self._s = SpoutGL.SpoutSender()
        self._s.setSenderName(self._name)
        self._size = (width, height)

    def send(self, rgba):
        from OpenGL import GL

        self._s.sendImage(rgba.tobytes(), *self._size, GL.GL_RGBA, False, 0)

    def close(self):
        self._s.releaseSender()


class SyphonSink(FrameSink):   # macOS; not run in this project's CI (docs/live.md)
    def __init__(self, name: str) -> None:
        _platform("syphon", "darwin", "syphon")
        self.name, self._name = f"Syphon {name!r}", name

    def open(self, width, height, fps):
        import syphon
        from syphon.utils.raw import create_mtl_texture

        self._s = syphon.SyphonMetalServer(self._name)
        self._tex = create_mtl_texture(self._s.device, width, height)

    def send(self, rgba):
        from syphon.utils.numpy import copy_image_to_mtl_texture

        copy_image_to_mtl_texture(rgba, self._tex)
        self._s.publish_frame_texture(self._tex)

    def close(self):
        self._s.stop()


class VirtualCamSink(FrameSink):   # Linux v4l2loopback; pyvirtualcam is GPL-2.0, optional
    def __init__(self, device: str) -> None:
        _platform("v4l2", "linux", "pyvirtualcam")
        self.name, self._device = f"virtual camera {device}", device or None

    def open(self, width, height, fps):
        import pyvirtualcam

        self._cam = pyvirtualcam.Camera(width, height, fps, device=self._device,
                                        fmt=pyvirtualcam.PixelFormat.RGB)
        self._rgb = np.zeros((height, width, 3), np.uint8)

    def send(self, rgba):
        np.copyto(self._rgb, rgba[..., :3])
        self._cam.send(self._rgb)

    def close(self):
        self._cam.close()


def _platform(kind: str, platform: str, module: str) -> None:
    if not sys.platform.startswith(platform):
        raise VjError(f"--output {kind}: only on {platform} (this is {sys.platform})")
    try:
        __import__(module)
    except ImportError:
        raise VjError(f"--output {kind}: needs pip install 'vj[{kind}]' ({module})") from None


def make_sink(spec) -> FrameSink:
    """``ndi:NAME``, ``spout:NAME``, ``syphon:NAME`` or ``v4l2[:/dev/videoN]``; a
    :class:`FrameSink` given as it is (programs that embed the show, tests)."""
    if isinstance(spec, FrameSink):
        return spec
    kind, _, arg = spec.partition(":")
    kind = kind.strip().lower()
    if kind == "ndi":
        return NdiSink(arg or "vj")
    if kind == "spout":
        return SpoutSink(arg or "vj")
    if kind == "syphon":
        return SyphonSink(arg or "vj")
    if kind == "v4l2":
        return VirtualCamSink(arg)
    raise VjError(f"--output {spec!r}: must be one of {', '.join(KINDS)} (e.g. ndi:VJ)")
