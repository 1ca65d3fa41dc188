"""Who may use the web remote: the client's address (``--web-allow``), the token (in
``?t=``, ``X-VJ-Token`` or ``Authorization: Bearer``) and, for the WebSocket, the
``Origin`` (the page's own only).  Pure functions of the request's parts."""
from __future__ import annotations

import hmac


def given_token(query, headers) -> str:
    """The token a request carries (the Bearer header wins), or ""."""
    given = query.get("t") or headers.get("X-VJ-Token") or ""
    auth = headers.get("Authorization", "")
    return auth[7:] if auth.startswith("Bearer ") else given


def refusal(peer: str, query, headers, host: str, *, token: str, allow=None,
            origin: bool = False) -> str | None:
    """Why a request from ``peer`` to ``host`` is refused, or None when it may pass."""
    if allow is not None and peer not in allow:
        return "address not allowed"
    if not hmac.compare_digest(given_token(query, headers).encode(), token.encode()):
        return "token needed"
    if origin:
        o = headers.get("Origin")
        if o is not None and o not in (f"http://{host}", f"https://{host}"):
            return "another origin"
    return None
