"""A cue recorded from the stage into the show file (``/vj/cue/store``, the web
remote's STORE): the file's text with one ``[[song.cue]]`` more, its comments and
layout kept (tomlkit).  Pure: text in, text out; the runner's writer thread writes
it atomically."""
from __future__ import annotations

import tomlkit


def cue_table(look: dict) -> dict:
    """The TOML table of a recorded look (only what it sets)."""
    out: dict = {}
    for key in ("name", "bank", "preset", "position", "fade"):
        if look.get(key) is not None:
            out[key] = look[key]
    for key in ("levels", "fx", "refine"):
        if look.get(key):
            t = tomlkit.inline_table()
            t.update({k: round(float(v), 4) for k, v in look[key].items()})
            out[key] = t
    return out


def with_cue(text: str, song: int, after: int, look: dict) -> str:
    """``text`` with a cue made from ``look`` inserted after cue ``after`` (0: before
    the first) of song ``song`` (from 0)."""
    doc = tomlkit.parse(text)
    s = doc["song"][song]
    table = tomlkit.table()
    for k, v in cue_table(look).items():
        table[k] = v
    if "cue" not in s:
        aot = tomlkit.aot()
        aot.append(table)
        s["cue"] = aot
    else:
        s["cue"].insert(after, table)
    return tomlkit.dumps(doc)
