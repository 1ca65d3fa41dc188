"""GLSL programs built from the files in ``shaders/``, reloaded when they change.

A program that fails to compile keeps the previous working version; the
compiler's message is logged and kept in :attr:`ShaderLibrary.errors` (the
HUD shows it).  So does a program that compiles but declares a uniform that
Python sets with another type (:data:`UNIFORMS`): setting it would fail on
every frame.  Polling costs one ``stat`` per file and runs a few times a
second, not every frame.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from vj.errors import VjError

log = logging.getLogger("vj.render")

SHADER_DIR = Path(__file__).resolve().parent.parent.parent / "shaders"
#: program name -> (vertex file, fragment file, defines): one file may give two programs
#: (``present`` and ``present_bicubic``), chosen by a ``#define`` after its ``#version``
PROGRAMS = {
    "post": ("fullscreen.vert", "post.frag", ()),
    "present": ("fullscreen.vert", "present.frag", ()),
    "present_bicubic": ("fullscreen.vert", "present.frag", ("BICUBIC",)),
    "upscale": ("fullscreen.vert", "upscale.frag", ()),
    "hud": ("fullscreen.vert", "hud.frag", ()),
}


#: The uniforms Python sets, by program, with their GLSL types (a shader may leave any
#: of them out: the compiler drops unused uniforms).
UNIFORMS = {
    "post": {"u_frame": "sampler2D", "u_prev": "sampler2D", "u_from": "sampler2D",
             "u_crossfade": "float", "u_hue": "float", "u_trail": "float", "u_zoom": "float",
             "u_flash": "float", "u_seed": "float"},
    "present": {"u_image": "sampler2D", "u_src": "vec2", "u_crop": "vec2", "u_flip": "float",
                "u_strobe": "float", "u_master": "float", "u_blackout": "float"},
    "upscale": {"u_image": "sampler2D", "u_flip": "float"},
    "hud": {"u_hud": "sampler2D", "u_hud_size": "vec2", "u_dst": "vec2", "u_flip": "float"},
}
#: OpenGL type enums of those GLSL types.
UNIFORMS["present_bicubic"] = UNIFORMS["present"]
GL_TYPES = {"float": 0x1406, "int": 0x1404, "vec2": 0x8B50, "sampler2D": 0x8B5E}


def with_defines(source: str, defines) -> str:
    """``source`` with ``#define NAME`` lines after its ``#version`` line."""
    if not defines:
        return source
    head, nl, rest = source.partition("\n")
    if not head.startswith("#version"):
        head, nl, rest = "", "", source
    return head + nl + "".join(f"#define {d}\n" for d in defines) + rest


class ShaderError(VjError):
    pass


def program_from_files(ctx, folder, vert: str, frag: str, defines=()):
    """A program built from two files of ``folder`` (not reloaded: for a second
    context, the preview window's)."""
    folder = Path(folder)
    try:
        return ctx.program(vertex_shader=(folder / vert).read_text(),
                           fragment_shader=with_defines((folder / frag).read_text(), defines))
    except OSError as e:
        raise ShaderError(f"{e.filename}: cannot read ({e.strerror})") from None
    except Exception as e:
        raise ShaderError(f"shader {frag}: {str(e).strip()}") from None


def uniform_mismatches(name: str, prog) -> list[str]:
    """Uniforms of ``prog`` that Python sets with another type (empty when it fits)."""
    bad = []
    inv = {v: k for k, v in GL_TYPES.items()}
    for u, want in UNIFORMS.get(name, {}).items():
        if u not in prog:
            continue
        got = getattr(prog[u], "gl_type", None)
        if got != GL_TYPES[want]:
            bad.append(f"uniform {u} is {inv.get(got, hex(got or 0))}, vj sets {want}")
    return bad


class ShaderLibrary:
    def __init__(self, ctx, folder: str | os.PathLike | None = None) -> None:
        self.ctx = ctx
        self.folder = Path(folder or os.environ.get("VJ_SHADERS") or SHADER_DIR)
        self.programs: dict = {}
        self.errors: dict[str, str] = {}
        self._mtimes: dict[str, float] = {}
        self.reloads = 0
        for name in PROGRAMS:
            self._build(name, initial=True)

    def _files(self, name: str) -> list[Path]:
        return [self.folder / f for f in PROGRAMS[name][:2]]

    def _build(self, name: str, initial: bool = False) -> bool:
        files = self._files(name)
        try:
            vert, frag = (f.read_text() for f in files)
        except OSError as e:
            msg = f"{e.filename}: cannot read ({e.strerror})"
            if initial:
                raise ShaderError(msg) from None
            self._fail(name, msg)
            return False
        for f in files:
            self._mtimes[str(f)] = f.stat().st_mtime
        try:
            prog = self.ctx.program(vertex_shader=vert,
                                    fragment_shader=with_defines(frag, PROGRAMS[name][2]))
        except Exception as e:  # moderngl.Error carries the compiler's log
            msg = f"{files[1].name}: {str(e).strip()}"
            if initial:
                raise ShaderError(f"shader {msg}") from None
            self._fail(name, msg)
            return False
        bad = uniform_mismatches(name, prog)
        if bad:
            prog.release()
            msg = f"{files[1].name}: " + "; ".join(bad)
            if initial:
                raise ShaderError(f"shader {msg}")
            self._fail(name, msg)
            return False
        old = self.programs.get(name)
        self.programs[name] = prog
        self.errors.pop(name, None)
        if old is not None:
            old.release()
            self.reloads += 1
            log.info("reloaded shader program %s", name)
        return True

    def _fail(self, name: str, msg: str) -> None:
        if self.errors.get(name) != msg:
            log.error("shader %s failed to compile; keeping the previous version:\n%s", name, msg)
        self.errors[name] = msg

    def poll(self) -> list[str]:
        """Rebuild programs whose files changed; returns the names rebuilt successfully."""
        changed = []
        for name in PROGRAMS:
            for f in self._files(name):
                try:
                    m = f.stat().st_mtime
                except OSError:
                    continue
                if self._mtimes.get(str(f)) != m:
                    if self._build(name):
                        changed.append(name)
                    break
        return changed

    def __getitem__(self, name: str):
        return self.programs[name]
