"""The web remote: steer and watch the show from a phone or a second laptop
(docs/live.md, "The web remote").

:mod:`vj.web.server` serves one page, a WebSocket and a small HTTP API from a thread
of the show (aiohttp); :mod:`vj.web.protocol` validates what clients send;
:mod:`vj.web.control` turns it into show commands in the render loop, through the
same latest-value buffer as OSC, with soft takeover; :mod:`vj.web.preview` encodes
the clean picture as a small JPEG a few times a second; :mod:`vj.web.state` is what a
page sees of the show; :mod:`vj.web.access` who may pass and :mod:`vj.web.token` the
token kept across restarts.  The page is plain HTML,
CSS and JavaScript in ``static/`` (no build step, no CDN).
"""
