"""Run inside a network namespace with only loopback (tests/test_outputs.py): a headless
show sends NDI (tests/ndi_receiver.py receives it in another process) and a recorder
sink beside it keeps what was sent.  Prints one JSON line; saves the last sent frames."""
import json
import sys
from collections import deque
from pathlib import Path

import numpy as np
import soundfile as sf

from vj.live.outputs import FrameSink
from vj.live.show import Show, ShowConfig

W, H, SECONDS = 160, 96, 8.0


class Recorder(FrameSink):
    """What was sent: the last frames, to compare the received ones with."""
    name = "recorder"

    def __init__(self):
        self.frames = deque(maxlen=12)
        self.sent = 0

    def send(self, rgba):
        self.frames.append(rgba.copy())
        self.sent += 1


def main(bank: str, folder: str) -> None:
    song = Path(folder) / "quiet.wav"
    t = np.arange(int(22050 * (SECONDS + 2))) / 22050
    sf.write(song, 0.01 * np.sin(2 * np.pi * 220 * t), 22050)
    rec = Recorder()
    cfg = ShowConfig(banks=[bank], audio_file=str(song), headless=True, size=(W, H),
                     osc=False, duration=SECONDS, outputs=["ndi:vjtest", rec])
    show = Show(cfg)
    summary = show.run()
    ndi = show.feeds[0]
    np.save(Path(folder) / "sent.npy", np.stack(list(rec.frames)))
    print(json.dumps({"rendered": summary.frames, "fps": summary.fps, "ndi_sent": ndi.sent,
                      "ndi_dropped": ndi.box.dropped,
                      "sent_to_receivers": ndi.sink.sent_to_receivers,
                      "summary": summary.text()}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
