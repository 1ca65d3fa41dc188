"""Fixture files from the personality, so that an operator patches vj in one step:
GDTF (grandMA3, Vectorworks, Capture and others import it), a QLC+ fixture
definition (.qxf), and the fixture sheet as Markdown (docs/live.md).  The preset and
bank ranges name the presets as ``vj presets`` lists them (and the banks given)."""
from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

from vj.dmx.personality import (
    CONTROL,
    CROSSFADE_MAX,
    DEFAULTS,
    SELECT_ITEMS,
    SELECT_WIDTH,
    TITLES,
    Mode,
    Personality,
    select_ranges,
)

#: GDTF attribute, its feature, and the QLC+ channel group of each function
GDTF = {"master": ("Dimmer", "Dimmer.Dimmer"), "preset": ("Effects1", "Beam.Beam"),
        "bank": ("MediaFolder1", "Control.Control"), "intensity": ("Effects1Adjust1", "Beam.Beam"),
        "speed": ("Effects1Rate", "Beam.Beam"), "fx/flash": ("Effects1Adjust2", "Beam.Beam"),
        "fx/trail": ("Effects1Adjust3", "Beam.Beam"), "fx/hue": ("ColorEffects1", "Color.Color"),
        "fx/strobe": ("Shutter1Strobe", "Beam.Beam"), "control": ("Control1", "Control.Control"),
        "crossfade": ("Effects1Fade", "Beam.Beam"),
        "refine/strength": ("Effects2Adjust1", "Beam.Beam"),
        "refine/gain": ("Effects2Adjust2", "Beam.Beam"),
        "song": ("MediaContent1", "Control.Control")}
QLC_GROUP = {"master": "Intensity", "preset": "Effect", "bank": "Effect", "song": "Effect",
             "fx/hue": "Colour",
             "fx/strobe": "Shutter", "speed": "Speed", "control": "Maintenance"}


def ranges(function: str, fine: bool, presets: list[str], banks: list[str],
           songs: list[str] | None = None):
    """(from, to, what) of each documented range of a channel (coarse values)."""
    if function == "master":
        return [(0, 255, "0 = black, 255 = full")]
    if function in ("preset", "bank", "song"):
        names = {"preset": presets, "bank": banks}.get(function) or songs or [
            f"song {i + 1}" for i in range(SELECT_ITEMS)]
        items = select_ranges(names)
        last = items[-1][1] if items else 0
        return [(0, 0, "keep")] + items + ([(last + 1, 255, "keep")] if last < 255 else [])
    if function == "control":
        return [(lo, hi, what) for lo, hi, _, what in CONTROL]
    if function == "crossfade":
        return [(0, 0, "the show's default"), (1, 255, f"0 to {CROSSFADE_MAX:g} s")]
    what = {"intensity": "0 to 1 (0.5 = the preset as written)",
            "speed": "0 to 1 (0.5 = the preset's pace, 1 = 4x)",
            "refine/strength": "0 to 1 (with --refine)",
            "refine/gain": "0 to 1 (with --refine)"}.get(function, "amount 0 to 1")
    return [(0, 0, "the preset's own value"), (1, 255, what)]


def sheet(p: Personality, mode: Mode, presets: list[str], banks: list[str] | None = None) -> str:
    """The fixture sheet of a mode as Markdown."""
    banks = banks or []
    out = [f"**{p.name} {mode.name}** ({mode.footprint} channels): {mode.description}", "",
           "| channel | function | values | default |", "|---|---|---|---|"]
    for c in mode.channels:
        spans = "; ".join(f"{lo}-{hi} {w}" if lo != hi else f"{lo} {w}"
                          for lo, hi, w in ranges(c.function, c.fine, presets, banks))
        if c.function == "song":
            spans = (f"0 keep; then {SELECT_WIDTH} values per song of the show file's set list "
                     f"(1-{SELECT_WIDTH} song 1), at most {SELECT_ITEMS}; past them keep")
        if c.function in ("preset", "bank") and not (presets if c.function == "preset" else banks):
            spans = (f"0 keep; then {SELECT_WIDTH} values per {c.function} in the order "
                     f"{'`vj presets` lists' if c.function == 'preset' else '--bank gives'} "
                     f"them (1-{SELECT_WIDTH} the first), at most {SELECT_ITEMS}; past them keep")
        ch = f"{c.offset + 1}" + (f", {c.offset + 2} (fine)" if c.fine else "")
        out.append(f"| {ch} | {TITLES[c.function]}{' (16-bit)' if c.fine else ''} | {spans} "
                   f"| {DEFAULTS[c.function]} |")
    return "\n".join(out) + "\n"


# -- GDTF ------------------------------------------------------------------------------------------

def gdtf(p: Personality, mode_names: list[str], presets: list[str], banks=(), *,
         fixture_id: str | None = None) -> bytes:
    """A GDTF 1.2 archive (zip with description.xml) with the given modes."""
    import io
    import zipfile

    root = ET.Element("GDTF", DataVersion="1.2")
    ft = ET.SubElement(root, "FixtureType", Name=p.name, ShortName=p.name,
                       LongName=p.description or p.name, Manufacturer=p.manufacturer or p.name,
                       Description=p.description, FixtureTypeID=fixture_id or
                       str(uuid.uuid5(uuid.NAMESPACE_URL, f"vj:{p.name}")).upper(),
                       Thumbnail="", RefFT="", CanHaveChildren="No")
    ad = ET.SubElement(ft, "AttributeDefinitions")
    ET.SubElement(ad, "ActivationGroups")
    fgs = ET.SubElement(ad, "FeatureGroups")
    for g in ("Dimmer", "Beam", "Color", "Control"):
        ET.SubElement(ET.SubElement(fgs, "FeatureGroup", Name=g, Pretty=g), "Feature", Name=g)
    attrs = ET.SubElement(ad, "Attributes")
    used = [f for f in GDTF if any(c.function == f for m in mode_names
                                   for c in p.mode(m).channels)]
    for f in used:
        name, feature = GDTF[f]
        ET.SubElement(attrs, "Attribute", Name=name, Pretty=TITLES[f], Feature=feature,
                      PhysicalUnit="None")
    for tag in ("Wheels", "PhysicalDescriptions", "Models"):
        ET.SubElement(ft, tag)
    geo = ET.SubElement(ft, "Geometries")
    ET.SubElement(geo, "Geometry", Name="Base", Model="",
                  Position="{1,0,0,0}{0,1,0,0}{0,0,1,0}{0,0,0,1}")
    modes = ET.SubElement(ft, "DMXModes")
    for m in mode_names:
        mode = p.mode(m)
        dm = ET.SubElement(modes, "DMXMode", Name=mode.name, Description=mode.description,
                           Geometry="Base")
        chans = ET.SubElement(dm, "DMXChannels")
        for c in mode.channels:
            name, _ = GDTF[c.function]
            nbytes = c.width
            full = (1 << (8 * nbytes)) - 1
            default = DEFAULTS[c.function] * (257 if c.fine else 1)
            offset = f"{c.offset + 1},{c.offset + 2}" if c.fine else f"{c.offset + 1}"
            ch = ET.SubElement(chans, "DMXChannel", DMXBreak="1", Offset=offset,
                               InitialFunction=f"Base_{name}.{name}.{name} 1", Highlight="None",
                               Geometry="Base")
            lc = ET.SubElement(ch, "LogicalChannel", Attribute=name, Snap="No",
                               Master="Grand" if c.function == "master" else "None",
                               MibFade="0", DMXChangeTimeLimit="0")
            cf = ET.SubElement(lc, "ChannelFunction", Name=f"{name} 1", Attribute=name,
                               OriginalAttribute="", DMXFrom=f"0/{nbytes}",
                               Default=f"{default}/{nbytes}", PhysicalFrom="0",
                               PhysicalTo="1", RealFade="0", RealAcceleration="0")
            for lo, _hi, what in ranges(c.function, c.fine, presets, list(banks)):
                start = lo * (257 if c.fine else 1) if lo else 0
                ET.SubElement(cf, "ChannelSet", Name=what[:64], DMXFrom=f"{min(start, full)}/{nbytes}",
                              WheelSlotIndex="0")
        ET.SubElement(dm, "Relations")
        ET.SubElement(dm, "FTMacros")
    rev = ET.SubElement(ft, "Revisions")
    ET.SubElement(rev, "Revision", Text="written by vj dmx fixture", UserID="0")
    ET.SubElement(ft, "FTPresets")
    ET.SubElement(ft, "Protocols")
    xml = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("description.xml", xml)
    return buf.getvalue()


# -- QLC+ ------------------------------------------------------------------------------------------

def qxf(p: Personality, mode_names: list[str], presets: list[str], banks=()) -> bytes:
    """A QLC+ fixture definition with the given modes."""
    ns = "http://www.qlcplus.org/FixtureDefinition"
    root = ET.Element("FixtureDefinition", xmlns=ns)
    cr = ET.SubElement(root, "Creator")
    for tag, text in (("Name", "vj dmx fixture"), ("Version", "1"), ("Author", "vj")):
        ET.SubElement(cr, tag).text = text
    ET.SubElement(root, "Manufacturer").text = p.manufacturer or p.name
    ET.SubElement(root, "Model").text = p.name
    ET.SubElement(root, "Type").text = "Other"
    names: dict = {}
    for m in mode_names:
        for c in p.mode(m).channels:
            for part in ((False, True) if c.fine else (False,)):
                title = TITLES[c.function] + (" fine" if part else "")
                if title in names:
                    continue
                names[title] = True
                if c.function == "master":
                    # an attribute, as every fixture QLC+ ships writes it (QLC+ 4.12 reads
                    # a <Preset> element as an unknown tag and loses it)
                    ET.SubElement(root, "Channel", Name=title, Preset=(
                        "IntensityMasterDimmerFine" if part else "IntensityMasterDimmer"))
                    continue
                ch = ET.SubElement(root, "Channel", Name=title)
                ET.SubElement(ch, "Group", Byte="1" if part else "0").text = \
                    QLC_GROUP.get(c.function, "Effect")
                if part:
                    ET.SubElement(ch, "Capability", Min="0", Max="255").text = "fine"
                    continue
                for lo, hi, what in ranges(c.function, c.fine, presets, list(banks)):
                    ET.SubElement(ch, "Capability", Min=str(lo), Max=str(hi)).text = what
    for m in mode_names:
        mode = p.mode(m)
        me = ET.SubElement(root, "Mode", Name=mode.name)
        n = 0
        for c in mode.channels:
            for part in ((False, True) if c.fine else (False,)):
                ET.SubElement(me, "Channel", Number=str(n)).text = \
                    TITLES[c.function] + (" fine" if part else "")
                n += 1
    phys = ET.SubElement(root, "Physical")
    ET.SubElement(phys, "Bulb", Type="Other", Lumens="0", ColourTemperature="0")
    ET.SubElement(phys, "Dimensions", Weight="0", Width="0", Height="0", Depth="0")
    ET.SubElement(phys, "Lens", Name="Other", DegreesMin="0", DegreesMax="0")
    ET.SubElement(phys, "Focus", Type="Fixed", PanMax="0", TiltMax="0")
    ET.SubElement(phys, "Technical", PowerConsumption="0", DmxConnector="Other")
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE FixtureDefinition>\n'
    return head + ET.tostring(root, encoding="unicode").encode()
