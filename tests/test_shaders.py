"""Shaders are files, reloaded while the show runs; a program that does not compile, or
that changes the type of a uniform vj sets, keeps the previous version and says why."""
import os
import shutil
import time

import numpy as np
import pytest

from vj.render.shaders import SHADER_DIR, ShaderLibrary
from vj.render.targets import headless_context


@pytest.fixture
def shader_copy(tmp_path):
    """A copy of the shader folder and a library reading it."""
    d = shutil.copytree(SHADER_DIR, tmp_path / "shaders")
    ctx = headless_context()
    return d, ctx, ShaderLibrary(ctx, d)


def _rewrite(path, text, later: float) -> None:
    path.write_text(text)
    os.utime(path, (time.time() + later, time.time() + later))


def test_shader_reload_keeps_the_old_program_on_error(shader_copy, caplog):
    d, ctx, lib = shader_copy
    before = lib["post"]
    post = d / "post.frag"
    good = post.read_text()
    _rewrite(post, good.replace("void main() {", "void main() { this is not glsl;"), 5)
    assert lib.poll() == []
    assert lib["post"] is before  # still the working program
    assert "post" in lib.errors and "post.frag" in lib.errors["post"]
    assert any("keeping the previous version" in r.message for r in caplog.records)
    _rewrite(post, good.replace("col = mix(col, vec3(1.0), u_flash);",
                                "col = mix(col, vec3(1.0), u_flash); col = 1.0 - col;"), 10)
    assert lib.poll() == ["post"]
    assert lib["post"] is not before and "post" not in lib.errors
    # the new program is used: an inverted picture
    from vj.render.fx import Uniforms
    from vj.render.renderer import Renderer

    r = Renderer(ctx, (8, 8), (8, 8), shaders=lib)
    r.upload(np.zeros((8, 8, 3), np.uint8))
    r.frame(Uniforms())
    assert r.read().min() == 255


def test_a_reload_that_changes_a_uniform_type_keeps_the_old_program(shader_copy):
    d, ctx, lib = shader_copy
    before = lib["post"]
    post = d / "post.frag"
    text = post.read_text()
    assert "uniform float u_flash;" in text
    _rewrite(post, text.replace("uniform float u_flash;", "uniform vec2 u_flash;")
             .replace("vec3(1.0), u_flash)", "vec3(1.0), u_flash.x)"), 5)
    assert lib.poll() == []
    assert lib["post"] is before   # valid GLSL, but not what vj sets: the old one stays
    assert "u_flash is vec2, vj sets float" in lib.errors["post"], lib.errors
    # the HUD shows why
    from vj.render.hud import Hud

    values = {"fps": 60.0, "decode_ms": 1.0, "decoder": "image", "latency_ms": 10.0,
              "target": "headless", "P": 0, "H": 0, "E": 0, "preset": "techno", "bank": "art",
              "osc": (0, 0), "shader": lib.errors["post"]}
    assert any("SHADER ERROR" in line and "u_flash" in line for line in Hud.lines(values))


def test_both_presentations_come_from_one_file_and_the_bicubic_one_is_sharper(shader_copy):
    """present.frag compiled with and without BICUBIC: the same picture, the bicubic
    upscale keeping an edge steeper than bilinear does."""
    from vj.render.fx import Uniforms
    from vj.render.renderer import Renderer

    d, ctx, lib = shader_copy
    img = np.zeros((16, 16, 3), np.uint8)
    img[:, 8:] = 255
    out = {}
    for cubic in (True, False):
        r = Renderer(ctx, (16, 16), (128, 128), shaders=lib, bicubic=cubic)
        r.upload(img)
        r.frame(Uniforms())
        out[cubic] = r.read()[64, :, 0].astype(int)
    for row in out.values():
        assert row[:40].max() < 10 and row[88:].min() > 245
    steep = lambda row: int(np.abs(np.diff(row)).max())
    assert steep(out[True]) > steep(out[False]), (out[True][56:72], out[False][56:72])


def test_waiting_for_the_gpu_lets_the_other_threads_run():
    """glFinish through ctypes releases the interpreter lock (vj.render.gpu); moderngl's
    own ctx.finish() keeps it.  A thread counting meanwhile gets far more done during
    the first kind of wait: during a wait that keeps the lock it gets nothing."""
    import threading

    from vj.render.fx import Uniforms
    from vj.render.renderer import Renderer
    from vj.render.targets import HeadlessTarget

    t = HeadlessTarget((1920, 1080))
    if not t.gpu.free:
        pytest.skip("no glFinish address from this context's loader")
    r = Renderer(t.ctx, (512, 512), (1920, 1080))
    img = (np.random.default_rng(1).random((512, 512, 3)) * 255).astype(np.uint8)
    r.upload(img)

    def counted(wait) -> tuple[float, int]:
        count, stop = [0], threading.Event()

        def spin():
            while not stop.is_set():
                count[0] += 1

        th = threading.Thread(target=spin)
        th.start()
        waited, during = 0.0, 0
        for _ in range(10):
            r.frame(Uniforms(trail=0.5))
            t0, before = time.perf_counter(), count[0]
            wait()
            during += count[0] - before
            waited += time.perf_counter() - t0
        stop.set()
        th.join()
        return waited, during

    held_s, held = counted(t.ctx.finish)
    free_s, free = counted(t.gpu.wait)
    if free_s < 0.02:
        pytest.skip(f"this GPU finishes a 1080p frame in {free_s * 100:.1f} ms: nothing to wait for")
    print(f"\ncounts while waiting {free_s:.2f} s without the lock: {free}; "
          f"{held_s:.2f} s holding it: {held}")
    # per second of waiting, the counter runs at least twice as fast when the wait
    # lets go of the lock (it would not run at all during a wait that keeps it)
    assert free / free_s > 2 * held / held_s, (free, free_s, held, held_s)
