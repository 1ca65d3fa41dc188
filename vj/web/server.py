"""The web remote's server: aiohttp on a thread of the show with its own event loop.

aiohttp rather than starlette with uvicorn: one maintained package that is the HTTP
server, the WebSocket server and its client, started on a socket vj binds itself (a
busy port is one line before the show starts), and run by one event loop on one
thread, with no ASGI layer between.

Routes: ``/`` the page (``?t=TOKEN``; without it, a "token needed" page), ``/static/``
its files, ``/ws`` the WebSocket (state pushed ten times a second when it changes,
the preview as binary JPEG messages, commands in), ``/thumb/BANK/I`` a keyframe
picture, ``/api/status`` and ``/api/command`` for scripts (token in an
``X-VJ-Token`` or ``Authorization: Bearer`` header).  A WebSocket whose ``Origin``
is not the page's own is refused; ``allow`` limits the client addresses.  Each
client has a message budget (a token bucket); one that floods, sends garbage or
oversized frames is counted and, past a limit, disconnected.
"""
from __future__ import annotations

import asyncio
import json
import logging
import secrets
import socket
import threading
import time
from pathlib import Path

from vj.web.access import refusal
from vj.web.address import lan_address
from vj.web.clients import MAX_BAD, MAX_CLIENTS, MAX_DROPPED, SEND_TIMEOUT, Client, WebStats
from vj.web.control import WebCommands
from vj.web.preview import Thumbnails
from vj.web.protocol import MAX_MESSAGE, Refused, parse

log = logging.getLogger("vj.web")

STATIC = Path(__file__).resolve().parent / "static"
STATIC_FILES = {"app.js": "text/javascript", "style.css": "text/css"}
PUSH_INTERVAL = 0.1          # s: state to the clients when it changed
KEEPALIVE = 1.0              # s: the state even when it did not


class WebRemote:
    def __init__(self, host: str, port: int, *, state, names, pictures=None, allow=None,
                 token: str | None = None, preview=None, faults=None) -> None:
        from vj.errors import VjError

        self.token = token or secrets.token_urlsafe(16)
        self.state, self.names = state, names
        self.thumbs = Thumbnails(pictures)
        self.allow = None if not allow else set(allow)
        self.preview, self.faults = preview, faults
        self.commands = WebCommands()
        self.stats = WebStats()
        self.clients: set = set()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._sock.bind((host, port))
            self._sock.listen(64)
        except OSError as e:
            self._sock.close()
            raise VjError(f"--web {host}:{port}: cannot listen ({e.strerror}); choose another "
                          "port or address") from None
        self._sock.setblocking(False)
        self.host, self.port = self._sock.getsockname()[:2]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._halt: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vj-web", daemon=True)

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> "WebRemote":
        self._thread.start()
        self._ready.wait(10.0)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._halt is not None:
            self._loop.call_soon_threadsafe(self._halt.set)
        if self._thread.is_alive():
            self._thread.join(timeout=3.0)
        self._sock.close()

    def url(self, with_token: bool = True) -> str:
        host = self.host if self.host not in ("0.0.0.0", "") else lan_address()
        return f"http://{host}:{self.port}/" + (f"?t={self.token}" if with_token else "")

    def status(self) -> str:
        s = self.stats
        return f"web {self.url(False)}: {s.clients} client{'s' if s.clients != 1 else ''}"

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self._serve())
        except Exception as e:   # the show goes on without its web remote
            log.error("web remote stopped: %s", e)
            if self.faults is not None:
                self.faults.report("web", f"the web remote stopped ({str(e)[:120]})")
        finally:
            self._ready.set()
            self._loop.close()

    async def _serve(self) -> None:
        from aiohttp import web

        self._halt = asyncio.Event()
        app = web.Application(client_max_size=MAX_MESSAGE * 4)
        app.add_routes([web.get("/", self._page), web.get("/static/{name}", self._static),
                        web.get("/ws", self._ws), web.get("/thumb/{bank}/{i}", self._thumb),
                        web.get("/api/status", self._api_status),
                        web.post("/api/command", self._api_command)])
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        await web.SockSite(runner, self._sock).start()
        pusher = asyncio.ensure_future(self._push())
        self._ready.set()
        await self._halt.wait()
        pusher.cancel()
        for c in list(self.clients):
            await c.ws.close()
        await runner.cleanup()

    # -- who may -------------------------------------------------------------------------------
    def _refuse(self, request, why: str):
        from aiohttp import web

        self.stats.count(why, "refused")
        status = 401 if why == "token needed" else 403
        if request.path.startswith("/api/"):       # scripts read JSON
            return web.json_response({"ok": False, "error": why}, status=status)
        if why == "token needed":
            return web.Response(status=401, text=(STATIC / "token.html").read_text(),
                                content_type="text/html")
        return web.Response(status=403, text=f"vj: {why}\n")

    def _check(self, request, *, origin: bool = False):
        peer = (request.transport.get_extra_info("peername") or ("?",))[0] \
            if request.transport else "?"
        why = refusal(peer, request.query, request.headers, request.host, token=self.token,
                      allow=self.allow, origin=origin)
        return None if why is None else self._refuse(request, why)

    # -- HTTP ----------------------------------------------------------------------------------
    async def _page(self, request):
        from aiohttp import web

        bad = self._check(request)
        if bad is not None:
            return bad
        return web.FileResponse(STATIC / "index.html",
                                headers={"Cache-Control": "no-store",
                                         "Referrer-Policy": "no-referrer"})

    async def _static(self, request):
        from aiohttp import web

        name = request.match_info["name"]
        if name not in STATIC_FILES:
            raise web.HTTPNotFound()
        return web.FileResponse(STATIC / name, headers={"Content-Type": STATIC_FILES[name]})

    async def _thumb(self, request):
        from aiohttp import web

        bad = self._check(request)
        if bad is not None:
            return bad
        data = self.thumbs.jpeg(request.match_info["bank"], request.match_info["i"])
        if data is None:
            raise web.HTTPNotFound()
        return web.Response(body=data, content_type="image/jpeg",
                            headers={"Cache-Control": "max-age=3600"})

    async def _api_status(self, request):
        from aiohttp import web

        bad = self._check(request)
        if bad is not None:
            return bad
        return web.json_response(self.state())

    async def _api_command(self, request):
        from aiohttp import web

        bad = self._check(request)
        if bad is not None:
            return bad
        body = await request.read()
        self.stats.messages += 1
        try:
            self._take(parse(body, self.names()), client=0)
        except Refused as e:
            self.stats.count(f"bad command ({e.kind})", "bad")
            return web.json_response({"ok": False, "error": str(e)}, status=400)
        return web.json_response({"ok": True})

    # -- WebSocket -----------------------------------------------------------------------------
    async def _ws(self, request):
        from aiohttp import WSMsgType, web

        bad = self._check(request, origin=True)
        if bad is not None:
            return bad
        if len(self.clients) >= MAX_CLIENTS:
            return self._refuse(request, "too many clients")
        ws = web.WebSocketResponse(max_msg_size=MAX_MESSAGE, heartbeat=10.0)
        await ws.prepare(request)
        peer = (request.transport.get_extra_info("peername") or ("?",))[0]
        c = Client(ws, peer)
        self.clients.add(c)
        self.stats.clients = len(self.clients)
        self.stats.connections += 1
        try:
            await ws.send_str(json.dumps({"type": "hello", **self.names(),
                                          "pictures": self.thumbs.counts(
                                              self.names().get("bank", []))}))
            await ws.send_str(json.dumps({"type": "state", **self.state()}))
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._message(c, msg.data)
                elif msg.type == WSMsgType.BINARY:
                    self._message(c, None)
                elif msg.type == WSMsgType.ERROR:   # oversized frames end here
                    self.stats.count("client disconnected (oversized or broken frame)",
                                     "bad", "disconnected")
                    break
                if c.dropped > MAX_DROPPED or c.bad > MAX_BAD:
                    self.stats.count("client disconnected (flood or garbage)", "disconnected")
                    await ws.close(code=1008, message=b"too many or bad messages")
                    break
        finally:
            self.clients.discard(c)
            self.stats.clients = len(self.clients)
            self.commands.gone(c.id)
        return ws

    def _message(self, c: Client, data) -> None:
        self.stats.messages += 1
        if not c.allow():
            c.dropped += 1
            self.stats.dropped += 1
            return
        try:
            if data is None:
                raise Refused("binary message")
            self._take(parse(data, self.names()), client=c.id, c=c)
        except Refused as e:
            c.bad += 1
            self.stats.count(f"bad message ({e.kind})", "bad")

    def _take(self, parsed, client: int, c: Client | None = None) -> None:
        self.stats.accepted += 1
        if parsed[0] == "level":
            self.commands.level(client, parsed[1], parsed[2])
        elif parsed[0] == "preview":
            if c is not None:
                c.preview = parsed[1]
        else:
            self.commands.command(parsed[1])

    async def _push(self) -> None:
        last, last_at = None, 0.0
        while True:
            await asyncio.sleep(PUSH_INTERVAL)
            try:
                if not self.clients:
                    continue
                text = json.dumps({"type": "state", **self.state()})
                now = time.monotonic()
                if text != last or now - last_at > KEEPALIVE:
                    last, last_at = text, now
                    await self._send_all(lambda c, text=text: c.ws.send_str(text))
                if self.preview is not None and any(c.preview for c in self.clients):
                    self.preview.watch()
                    seq, jpeg = self.preview.latest()
                    if jpeg is not None:
                        await self._send_all(lambda c, jpeg=jpeg: c.ws.send_bytes(jpeg),
                                             only=lambda c, seq=seq: c.preview
                                             and c.sent_seq != seq)
                        for c in self.clients:
                            if c.preview:
                                c.sent_seq = seq
            except asyncio.CancelledError:
                raise
            except Exception as e:   # the next push tries again
                if self.faults is not None:
                    self.faults.report("web", f"web push failed ({str(e)[:120]})")

    async def _send_all(self, send, only=lambda c: True) -> None:
        targets = [c for c in self.clients if only(c) and not c.ws.closed]
        results = await asyncio.gather(*(asyncio.wait_for(send(c), SEND_TIMEOUT)
                                         for c in targets), return_exceptions=True)
        for c, r in zip(targets, results):
            if isinstance(r, asyncio.TimeoutError):     # a client too slow: dropped
                self.stats.count("client too slow", "disconnected")
                await c.ws.close()
