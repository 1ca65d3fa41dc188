"""The web remote's access token, kept in vj's state folder (``web-token``, 0600) like a
paired device's: the same token across restarts of the show, so an open page
reconnects by itself; ``vj web token --new`` revokes it (pages still open with the
old one get "token needed" and take the new one typed in)."""
from __future__ import annotations

import secrets

from vj.runtime.state import state_dir, write_atomic

FILE = "web-token"
MIN_LENGTH = 8


def stored_token(*, new: bool = False) -> str:
    """The kept token (made on first use, or anew with ``new``)."""
    p = state_dir() / FILE
    if not new:
        try:
            tok = p.read_text().strip()
            if len(tok) >= MIN_LENGTH and tok.isprintable() and " " not in tok:
                return tok
        except (OSError, UnicodeDecodeError):
            pass
    tok = secrets.token_urlsafe(16)
    write_atomic(p, (tok + "\n").encode())
    return tok


def add_web_parser(sub) -> None:
    p = sub.add_parser("web", help="the web remote's access token",
                       description="The web remote's token (vj live --web): kept in vj's state "
                       "folder so that pages reconnect after a restart. `vj web token` prints "
                       "it; `vj web token --new` makes a new one (pages with the old one must "
                       "type the new one in).")
    wsub = p.add_subparsers(dest="web_command", metavar="COMMAND", required=True)
    t = wsub.add_parser("token", help="print the token (--new: revoke it and make another)",
                        description="Print the web remote's kept token; --new replaces it.")
    t.add_argument("--new", action="store_true", help="make a new token (the old one stops "
                   "working at the show's next start)")
    t.set_defaults(func=lambda a: print(stored_token(new=a.new)) or 0)
