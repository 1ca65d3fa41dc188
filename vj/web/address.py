"""Where the web remote can be reached: this machine's address, and a QR code of the
page's address in the terminal."""
from __future__ import annotations

import socket


def lan_address() -> str:
    """This machine's address on its default route (no packet is sent)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.1", 9))
        return s.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    finally:
        s.close()


def print_qr(url: str, out) -> None:
    """The page's address as a QR code in the terminal (a phone's camera opens it)."""
    try:
        import segno
    except ImportError:
        return
    segno.make(url, error="l").terminal(out=out, compact=True)
