// vj web remote: one WebSocket; the show's state comes in ten times a second, the
// preview as JPEG messages; faders, tiles and buttons go out as small JSON commands.
"use strict";
const token = new URLSearchParams(location.search).get("t") || "";
const $ = (id) => document.getElementById(id);
const LEVELS = [["master", "master"], ["intensity", "intensity"], ["speed", "speed"],
                ["fx/flash", "flash"], ["fx/trail", "trail"], ["fx/hue", "hue"],
                ["fx/strobe", "strobe"]];
let ws = null, retry = 500, state = {}, previewUrl = null;
const held = {};        // faders being moved: the show's value does not overwrite them
const pending = {};     // the newest value of each fader, sent at most 30 times a second

function send(obj) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(obj));
}

// -- faders ------------------------------------------------------------------------------------
function buildFaders() {
  const box = $("faders");
  for (const [target, label] of LEVELS) {
    const row = document.createElement("div");
    row.className = "fader";
    row.innerHTML = `<label>${label}</label><input type="range" min="0" max="1" step="0.001"
      data-target="${target}" aria-label="${label}"><output>-</output>`;
    const input = row.querySelector("input");
    input.addEventListener("pointerdown", () => { held[target] = Infinity; });
    const release = () => { held[target] = performance.now() + 600; };
    input.addEventListener("pointerup", release);
    input.addEventListener("change", release);
    input.addEventListener("input", () => {
      held[target] = Math.max(held[target] || 0, performance.now() + 600);
      pending[target] = parseFloat(input.value);
      row.querySelector("output").textContent = input.value.slice(0, 4);
    });
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

// -- the show's state --------------------------------------------------------------------------
function meter(id, v, text) {
  $("m-" + id).style.width = Math.max(0, Math.min(1, v)) * 100 + "%";
  $("v-" + id).textContent = text;
}

function showState(s) {
  state = s;
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
  $("blackout").classList.toggle("on", !!s.blackout);
  $("auto").classList.toggle("on", !!s.auto);
  $("hud").classList.toggle("on", !!s.hud);
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

// -- buttons -----------------------------------------------------------------------------------
function buildButtons() {
  $("cut").addEventListener("click", () => send({ do: "cut" }));
  $("tap").addEventListener("click", () => send({ do: "tap" }));
  $("prev").addEventListener("click", () => send({ do: "preset_prev" }));
  $("next").addEventListener("click", () => send({ do: "preset_next" }));
  $("auto").addEventListener("click", () => send({ auto: !state.auto }));
  $("hud").addEventListener("click", () => send({ hud: !state.hud }));
  // blackout is guarded against a slip: hold it for 0.6 s
  const bo = $("blackout");
  let timer = null, start = 0;
  const cancel = () => { clearInterval(timer); timer = null; bo.style.setProperty("--hold", "0%"); };
  bo.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    start = performance.now();
    timer = setInterval(() => {
      const k = (performance.now() - start) / 600;
      bo.style.setProperty("--hold", Math.min(100, k * 100) + "%");
      if (k >= 1) { cancel(); send({ blackout: !state.blackout }); }
    }, 30);
  });
  for (const ev of ["pointerup", "pointerleave", "pointercancel"]) bo.addEventListener(ev, cancel);
  $("previewon").addEventListener("change", (e) => {
    send({ preview: e.target.checked });
    $("nopreview").hidden = e.target.checked;
    if (!e.target.checked) $("preview").removeAttribute("src");
  });
}

// -- the connection ----------------------------------------------------------------------------
function connect() {
  const proto = location.protocol === "https:" ? "wss" : "ws";
  ws = new WebSocket(`${proto}://${location.host}/ws?t=${encodeURIComponent(token)}`);
  ws.binaryType = "blob";
  ws.onopen = () => { $("link").classList.add("on"); retry = 500;
                      send({ preview: $("previewon").checked }); };
  ws.onmessage = (e) => {
    if (typeof e.data !== "string") return showPreview(e.data);
    const m = JSON.parse(e.data);
    if (m.type === "hello") buildNames(m);
    else if (m.type === "state") showState(m);
  };
  ws.onclose = () => {
    $("link").classList.remove("on");
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 5000);
  };
}

buildFaders();
buildButtons();
connect();
