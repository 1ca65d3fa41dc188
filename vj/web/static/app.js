// vj web remote: one WebSocket; the show's state comes in ten times a second, the
// preview as JPEG messages; faders, tiles and buttons go out as small JSON commands.
"use strict";
const token = new URLSearchParams(location.search).get("t") || "";
const $ = (id) => document.getElementById(id);
const LEVELS = [["master", "master"], ["intensity", "intensity"], ["speed", "speed"],
                ["fx/flash", "flash"], ["fx/trail", "trail"], ["fx/hue", "hue"],
                ["fx/strobe", "strobe"]];
const STALE_MS = 3000;     // no state for this long: the show counts as lost
let ws = null, retry = 500, state = {}, previewUrl = null, lastState = 0, lost = false;
let seen = false;       // a state has come: a loss from now on is a lost show
const held = {};        // faders being moved: the show's value does not overwrite them
const pending = {};     // the newest value of each fader, sent at most 30 times a second
const locked = {};      // a locked fader ignores touches (master has a lock button)

function send(obj) {
  if (lost || !ws || ws.readyState !== WebSocket.OPEN) return false;
  ws.send(JSON.stringify(obj));
  return true;
}

// -- faders: only a deliberate horizontal drag of the thumb (or a touch-and-hold) moves one --
const SLOP = 8, HOLD_MS = 450, THUMB = 28;
function setFader(input, target, v) {
  v = Math.max(0, Math.min(1, v));
  input.value = v;
  held[target] = Infinity;
  pending[target] = v;
  input.parentElement.querySelector("output").textContent = v.toFixed(2);
}

function fader(row, input, target) {
  let g = null;      // the gesture: {id, x0, y0, v0, width, engaged, timer}
  const thumbX = () => {
    const r = input.getBoundingClientRect();
    return r.left + THUMB / 2 + parseFloat(input.value) * (r.width - THUMB);
  };
  const end = () => {
    if (g && g.timer) clearTimeout(g.timer);
    if (g && g.engaged) { row.classList.remove("moving"); held[target] = performance.now() + 600; }
    g = null;
  };
  row.addEventListener("pointerdown", (e) => {
    if (locked[target] || lost || e.target.closest(".lock")) return;
    const r = input.getBoundingClientRect();
    g = { id: e.pointerId, x0: e.clientX, y0: e.clientY, v0: parseFloat(input.value),
          width: Math.max(1, r.width - THUMB), engaged: false,
          onThumb: Math.abs(e.clientX - thumbX()) <= THUMB, timer: null };
    g.timer = setTimeout(() => {            // touch-and-hold: take the fader where it is
      if (g && !g.engaged) { g.engaged = true; g.v0 = parseFloat(input.value); g.x0 = g.x;
                             row.classList.add("moving"); row.setPointerCapture(g.id); }
    }, HOLD_MS);
    g.x = e.clientX;
  });
  row.addEventListener("pointermove", (e) => {
    if (!g || e.pointerId !== g.id) return;
    g.x = e.clientX;
    const dx = e.clientX - g.x0, dy = e.clientY - g.y0;
    if (!g.engaged) {
      if (Math.abs(dy) > SLOP && Math.abs(dy) >= Math.abs(dx)) return end();   // a scroll
      if (Math.abs(dx) > SLOP) {
        if (!g.onThumb) return end();       // a swipe across the track: not a drag
        clearTimeout(g.timer);
        g.engaged = true;              // the thumb follows the finger from where it was
        row.classList.add("moving");
        row.setPointerCapture(g.id);
      }
      return;
    }
    e.preventDefault();
    setFader(input, target, g.v0 + (e.clientX - g.x0) / g.width);
  });
  for (const ev of ["pointerup", "pointercancel", "lostpointercapture"]) row.addEventListener(ev, end);
  input.addEventListener("keydown", (e) => {   // a laptop: arrows nudge the focused fader
    if (locked[target]) return e.preventDefault();
    const step = { ArrowLeft: -0.01, ArrowDown: -0.01, ArrowRight: 0.01, ArrowUp: 0.01 }[e.key];
    if (step === undefined) return;
    e.preventDefault();
    setFader(input, target, parseFloat(input.value) + step * (e.shiftKey ? 10 : 1));
    held[target] = performance.now() + 600;
  });
}

function buildFaders() {
  const box = $("faders");
  for (const [target, label] of LEVELS) {
    const row = document.createElement("div");
    row.className = "fader";
    row.dataset.target = target;
    row.innerHTML = `<label>${label}</label><input type="range" min="0" max="1" step="0.001"
      data-target="${target}" aria-label="${label}"><output>-</output>`;
    if (target === "master") {
      const lock = document.createElement("button");
      lock.className = "lock";
      lock.textContent = "lock";
      lock.title = "master is locked against a stray touch: tap to unlock";
      lock.addEventListener("click", () => {
        locked.master = !locked.master;
        lock.classList.toggle("on", locked.master);
        lock.textContent = locked.master ? "locked" : "lock";
        row.classList.toggle("locked", locked.master);
      });
      row.appendChild(lock);
    }
    fader(row, row.querySelector("input"), target);
    box.appendChild(row);
  }
  setInterval(() => {
    for (const t of Object.keys(pending)) { send({ set: t, value: pending[t] }); delete pending[t]; }
  }, 33);
}

function showLevels(s) {
  const now = performance.now();
  for (const input of document.querySelectorAll("#faders input")) {
    const t = input.dataset.target;
    const v = t.startsWith("fx/") ? (s.fx || {})[t.slice(3)] : s[t];
    if (v === undefined || v === null) continue;
    if ((held[t] || 0) < now) {
      input.value = v;
      input.parentElement.querySelector("output").textContent = v.toFixed(2);
    }
  }
}

// -- presets and banks -------------------------------------------------------------------------
function buildNames(hello) {
  const grid = $("presets");
  grid.innerHTML = "";
  for (const name of hello.preset || []) {
    const b = document.createElement("button");
    b.className = "tile";
    b.textContent = name;
    b.dataset.name = name;
    b.addEventListener("click", () => send({ preset: name }));
    grid.appendChild(b);
  }
  const banks = $("banks");
  banks.innerHTML = "";
  for (const name of hello.bank || []) {
    const b = document.createElement("button");
    b.className = "bank";
    b.dataset.name = name;
    const n = (hello.pictures || {})[name] || 0;
    for (let i = 0; i < n; i++) {
      const img = document.createElement("img");
      img.loading = "lazy";
      img.alt = "";
      img.src = `/thumb/${encodeURIComponent(name)}/${i}?t=${encodeURIComponent(token)}`;
      b.appendChild(img);
    }
    const label = document.createElement("span");
    label.className = "name";
    label.textContent = name;
    b.appendChild(label);
    b.addEventListener("click", () => send({ bank: name }));
    banks.appendChild(b);
  }
}

// -- the set list ------------------------------------------------------------------------------
function showSet(set) {
  const card = $("setcard");
  card.hidden = !set;
  if (!set) return;
  $("setnow").textContent = set.now;
  $("setnext").textContent = set.next;
  const list = $("songs");
  if (list.childElementCount !== set.songs_list.length) {
    list.innerHTML = "";
    set.songs_list.forEach((name, i) => {
      const b = document.createElement("button");
      b.className = "song";
      b.textContent = `${i + 1}. ${name}`;
      b.dataset.n = i + 1;
      b.addEventListener("click", () => send({ song: i + 1 }));
      list.appendChild(b);
    });
  }
  for (const b of list.children) b.classList.toggle("on", +b.dataset.n === set.song);
}

// -- the show's state --------------------------------------------------------------------------
function meter(id, v, text) {
  $("m-" + id).style.width = Math.max(0, Math.min(1, v)) * 100 + "%";
  $("v-" + id).textContent = text;
}

function showState(s) {
  state = s;
  lastState = performance.now();
  setLost(false);
  seen = true;
  $("fps").textContent = s.fps.toFixed(1);
  $("dfps").textContent = s.decode_fps.toFixed(0);
  $("lat").textContent = s.latency_ms ? s.latency_ms.toFixed(0) : "-";
  $("tempo").textContent = s.bpm ? `${s.bpm.toFixed(1)} bpm (${s.tempo_source || "-"})` : "no tempo";
  $("scale").textContent = s.scale < 1 ? `scale ${s.scale}` : "";
  meter("level", (s.level + 60) / 60, s.level > -119 ? s.level.toFixed(0) + " dB" : "-");
  for (const k of ["P", "H", "E"]) meter(k, s[k], s[k].toFixed(2));
  showLevels(s);
  $("preset").textContent = s.preset;
  $("bank").textContent = s.bank;
  $("upnext").textContent = s.next ? "next: " + s.next : "";
  for (const t of document.querySelectorAll("#presets .tile")) {
    t.classList.toggle("on", t.dataset.name === s.preset);
    t.classList.toggle("next", t.dataset.name === s.next_preset && t.dataset.name !== s.preset);
  }
  for (const b of document.querySelectorAll("#banks .bank")) b.classList.toggle("on", b.dataset.name === s.bank);
  $("blackout").classList.toggle("active", !!s.blackout);
  document.body.classList.toggle("blackout", !!s.blackout);
  $("auto").classList.toggle("on", !!s.auto);
  $("hud").classList.toggle("on", !!s.hud);
  $("restarts").textContent = s.restarts ? `restarted ${s.restarts}x` : "";
  showSet(s.set);
  const f = $("faults");
  f.hidden = !s.faults.length;
  f.innerHTML = "";
  for (const line of s.faults) {
    const d = document.createElement("div");
    d.textContent = line;
    f.appendChild(d);
  }
}

function showPreview(blob) {
  if (!$("previewon").checked) return;
  const url = URL.createObjectURL(blob);
  $("preview").src = url;
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = url;
  $("nopreview").hidden = true;
}

// -- a lost show: unmissable, the controls off until it is back ---------------------------------
function setLost(on) {
  if (on === lost) return;
  lost = on;
  document.body.classList.toggle("lost", on);
  for (const el of document.querySelectorAll("main button, main input")) el.disabled = on;
  const banner = $("lostbanner");
  if (on) {
    banner.className = "lost";
    banner.textContent = seen ? "SHOW LOST: reconnecting…" : "connecting to the show…";
    banner.hidden = false;
  } else if (seen) {
    banner.className = "back";
    banner.textContent = "the show is back";
    setTimeout(() => { if (!lost) banner.hidden = true; }, 3000);
  } else {
    banner.hidden = true;
  }
}

setInterval(() => {     // a socket that looks open but brings nothing is lost too
  if (!lost && performance.now() - lastState > STALE_MS) setLost(true);
}, 500);

// -- buttons -----------------------------------------------------------------------------------
function guarded(el, ms, fire) {
  let timer = null, start = 0;
  const cancel = () => { clearInterval(timer); timer = null; el.style.setProperty("--hold", "0%"); };
  el.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    start = performance.now();
    timer = setInterval(() => {
      const k = (performance.now() - start) / ms;
      el.style.setProperty("--hold", Math.min(100, k * 100) + "%");
      if (k >= 1) { cancel(); fire(); }
    }, 30);
  });
  for (const ev of ["pointerup", "pointerleave", "pointercancel"]) el.addEventListener(ev, cancel);
}

function buildButtons() {
  $("cut").addEventListener("click", () => send({ do: "cut" }));
  $("tap").addEventListener("click", () => send({ do: "tap" }));
  $("prev").addEventListener("click", () => send({ do: "preset_prev" }));
  $("next").addEventListener("click", () => send({ do: "preset_next" }));
  $("auto").addEventListener("click", () => send({ auto: !state.auto }));
  $("hud").addEventListener("click", () => send({ hud: !state.hud }));
  $("go").addEventListener("click", () => send({ do: "go" }));
  $("back").addEventListener("click", () => send({ do: "back" }));
  guarded($("store"), 600, () => send({ do: "cue_store" }));
  // blackout is guarded against a slip: hold it for 0.6 s
  guarded($("blackout"), 600, () => send({ blackout: !state.blackout }));
  $("previewon").addEventListener("change", (e) => {
    send({ preview: e.target.checked });
    $("nopreview").hidden = e.target.checked;
    if (!e.target.checked) $("preview").removeAttribute("src");
  });
  // a laptop's keys: space cut, Enter GO, Backspace BACK, T tap, arrows on a focused fader
  document.addEventListener("keydown", (e) => {
    if (e.target.tagName === "INPUT" && e.target.type !== "checkbox") return;
    const act = { " ": { do: "cut" }, Enter: { do: "go" }, Backspace: { do: "back" },
                  t: { do: "tap" }, ArrowRight: { do: "preset_next" },
                  ArrowLeft: { do: "preset_prev" } }[e.key];
    if (act && !e.repeat) { e.preventDefault(); send(act); }
  });
}

// -- the connection ----------------------------------------------------------------------------
async function tokenRefused() {
  try {
    const r = await fetch(`/api/status?t=${encodeURIComponent(token)}`, { cache: "no-store" });
    return r.status === 401;
  } catch (e) {
    return false;     // no answer at all: the show is down, not the token
  }
}

function askToken() {
  $("tokenbox").hidden = false;
  $("lostbanner").textContent = "the token was refused (revoked or mistyped): type the new one";
}

function connect() {
  const proto = location.protocol === "https:" ? "wss" : "ws";
  ws = new WebSocket(`${proto}://${location.host}/ws?t=${encodeURIComponent(token)}`);
  ws.binaryType = "blob";
  let opened = false;
  ws.onopen = () => { opened = true; $("link").classList.add("on");
                      retry = 500; $("tokenbox").hidden = true;
                      ws.send(JSON.stringify({ preview: $("previewon").checked })); };
  ws.onmessage = (e) => {
    if (typeof e.data !== "string") return showPreview(e.data);
    const m = JSON.parse(e.data);
    if (m.type === "hello") buildNames(m);
    else if (m.type === "state") showState(m);
  };
  ws.onclose = async () => {
    $("link").classList.remove("on");
    setLost(true);
    if (!opened && await tokenRefused()) return askToken();
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 2000);
  };
}

$("tokenbox").addEventListener("submit", (e) => {
  e.preventDefault();
  location.href = "/?t=" + encodeURIComponent($("tokeninput").value.trim());
});

// keep the phone's screen on while the remote is open (where the browser allows it)
async function wake() {
  try { if (navigator.wakeLock && document.visibilityState === "visible") await navigator.wakeLock.request("screen"); }
  catch (e) { /* refused (battery saver, no user gesture yet): the screen may sleep */ }
}
document.addEventListener("visibilitychange", wake);
document.addEventListener("pointerdown", wake, { once: true });

buildFaders();
buildButtons();
setLost(true);
connect();
wake();
