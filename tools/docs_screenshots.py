"""The pictures of docs/live.md: a 16:9 headless show (a square bank covering it, as
`--fit auto` does) and the web remote's page in Debian's Chromium at a phone's and a
laptop's size, both from a show of procedural artworks and a synthetic song.

    .venv/bin/python tools/docs_screenshots.py [OUT_DIR]      (default docs/)
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    import soundfile as sf
    from playwright.sync_api import sync_playwright

    from tests.conftest import show_thread
    from vj.audio.synth import drum_and_chords
    from vj.bank import save_bank
    from vj.generate.artwork import artwork
    from vj.generate.images import image_bank
    from vj.live.show import ShowConfig

    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        song = tmp / "song.wav"
        sf.write(song, drum_and_chords(sr=22050, duration=30.0, seed=1), 22050)
        banks = []
        for name, seed in (("neon", 0), ("paper", 4)):
            (tmp / name).mkdir()
            paths = []
            for i in range(4):
                paths.append(tmp / name / f"{i}.png")
                artwork(seed=seed + i, size=576).save(paths[-1])
            banks.append(str(save_bank(image_bank(paths, size=(1024, 576), name=name),
                                       tmp / name / "bank")))
        from vj.show.file import read_show
        from vj.show.setlist import SetList

        set_file = tmp / "set.toml"
        set_file.write_text(f'''
[[song]]
name = "Neon nights"
bank = "{banks[0]}"
preset = "techno"
  [[song.cue]]
  name = "drop"
  levels = {{ intensity = 0.8 }}
[[song]]
name = "Paper moon"
bank = "{banks[1]}"
preset = "jazz"
''')
        setlist = SetList(read_show(set_file)[0], tmp)
        cfg = ShowConfig(banks=banks, audio_file=str(song), headless=True, size=(1280, 720),
                         osc=False, preset="techno", duration=25.0, web=("127.0.0.1", 8799),
                         web_token="docs", loop_audio=True, show_file=str(set_file),
                         setlist=setlist)
        show, th, _ = show_thread(cfg, probe=True)
        time.sleep(3.0)
        from PIL import Image

        Image.fromarray(show.stage.last_picture.clip(0, 255).astype("uint8")).save(
            out / "show-16x9.jpg", quality=85)
        print(out / "show-16x9.jpg")
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=shutil.which("chromium"), args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"])
            for name, vp, full in (("phone", {"width": 390, "height": 844}, True),
                                   ("laptop", {"width": 1280, "height": 800}, False)):
                page = b.new_page(viewport=vp, device_scale_factor=1)
                page.goto("http://127.0.0.1:8799/?t=docs")
                page.wait_for_selector("#preview[src]", timeout=15_000)
                time.sleep(2.0)
                page.screenshot(path=str(out / f"web-remote-{name}.png"), full_page=full)
                print(out / f"web-remote-{name}.png")
            b.close()
        show.controls.quit = True
        th.join(10)


if __name__ == "__main__":
    main()
