"""An NDI receiver in its own process (tests/test_outputs.py): finds SOURCE, counts the
video frames that arrive for SECONDS and saves the last one to OUT.npy.  Prints JSON."""
import json
import sys
import time

import numpy as np


def main(source: str, seconds: float, out: str) -> None:
    from cyndilib.finder import Finder
    from cyndilib.receiver import ReceiveFrameType, Receiver
    from cyndilib.video_frame import VideoRecvFrame
    from cyndilib.wrapper.ndi_recv import RecvBandwidth, RecvColorFormat

    res = {"frames": 0}
    with Finder() as f:
        t0 = time.time()
        while time.time() - t0 < 20 and not any(source in n for n in f.get_source_names()):
            if f.wait_for_sources(0.5):
                f.update_sources()
        src = next((s for s in f if source in s.name), None)
        if src is None:
            print(json.dumps({"error": f"no source {source!r}: {f.get_source_names()}"}))
            return
        r = Receiver(color_format=RecvColorFormat.RGBX_RGBA, bandwidth=RecvBandwidth.highest)
        vf = VideoRecvFrame()
        r.set_video_frame(vf)
        r.set_source(src)
        t0 = time.time()
        last, seen = None, time.time()
        while time.time() - t0 < seconds and not (res["frames"] and time.time() - seen > 1.0):
            got = r.receive(ReceiveFrameType.recv_video, 200)
            if got & ReceiveFrameType.recv_video:
                seen = time.time()
                res["frames"] += 1
                xres, yres = vf.get_resolution()
                if last is None or last.shape != (yres, xres, 4):
                    last = np.zeros((yres, xres, 4), np.uint8)
                vf.fill_p_data(last.reshape(-1))   # takes the frame out of the receive buffer
        res["seconds"] = time.time() - t0
        res["performance"] = r.get_performance_data()
    if last is not None:
        np.save(out, last)
    print(json.dumps(res))


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), sys.argv[3])
