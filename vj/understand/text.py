"""Free-text music description -> genre preset, by keywords and synonyms.

For captions from a music-captioning model or a line typed by the user.  Each
preset has words and phrases (whole-word, case-insensitive); the preset with
the most matched weight wins, the earlier in GENRE_WORDS on a tie.  A
description with no genre cue at all maps to :data:`FALLBACK`, documented in
docs/understand.md: "electronic", the style that fits most club and
installation settings.
"""
from __future__ import annotations

import re

FALLBACK = "electronic"

# preset -> (phrase, weight).  Multi-word phrases count more than single words.
GENRE_WORDS: dict[str, list[tuple[str, float]]] = {
    "reggaeton": [("reggaeton", 3), ("dembow", 3), ("perreo", 3), ("urbano latino", 2)],
    "hip hop": [("hip hop", 3), ("hip-hop", 3), ("hiphop", 3), ("boom bap", 3), ("turntablism", 2),
                ("breakbeat", 1), ("sampled loop", 1)],
    "rap": [("rap", 3), ("rapper", 3), ("rapping", 3), ("trap", 2), ("mc", 2), ("bars", 1),
            ("808", 1), ("drill", 2), ("spitting", 1)],
    "r&b": [("r&b", 3), ("rnb", 3), ("rhythm and blues", 3), ("neo soul", 2), ("slow jam", 2),
            ("falsetto", 1), ("soul", 1)],
    "techno": [("techno", 3), ("four on the floor", 1), ("warehouse", 1), ("minimal", 1),
               ("industrial", 1), ("acid", 1), ("berghain", 2)],
    "house": [("house", 3), ("deep house", 3), ("garage", 1), ("piano house", 3), ("disco house", 2)],
    "electro": [("electro", 3), ("vocoder", 2), ("robotic", 1)],
    "electronic": [("electronic", 2), ("edm", 3), ("synth", 1), ("synthesizer", 1),
                   ("synthesizers", 1), ("ambient", 2), ("idm", 3), ("drum and bass", 3),
                   ("dubstep", 3), ("trance", 3), ("electronica", 3), ("beat-driven", 1)],
    "metal": [("metal", 3), ("heavy metal", 3), ("death metal", 3), ("thrash", 3),
              ("double bass drum", 2), ("blast beats", 3), ("growl", 2), ("growling", 2),
              ("screamed vocals", 2)],
    "punk": [("punk", 3), ("hardcore", 2), ("three chords", 2), ("snotty", 1), ("mosh", 2)],
    "rock": [("rock", 3), ("distorted guitar", 2), ("distorted guitars", 2), ("power chords", 2),
             ("guitar solo", 2), ("riff", 1), ("riffs", 1), ("grunge", 2), ("arena", 1)],
    "indie": [("indie", 3), ("lo-fi", 2), ("lofi", 2), ("jangly", 2), ("bedroom pop", 3),
              ("shoegaze", 3), ("dream pop", 3)],
    "pop": [("pop", 3), ("catchy", 1), ("chart", 1), ("radio-friendly", 2), ("hook", 1),
            ("boy band", 3), ("girl group", 3), ("sing-along", 1)],
    "jazz": [("jazz", 3), ("swing", 2), ("bebop", 3), ("saxophone", 1), ("sax", 1),
             ("walking bass", 2), ("big band", 3), ("improvisation", 1), ("improvised", 1),
             ("trumpet", 1), ("scat", 2)],
    "blues": [("blues", 3), ("twelve-bar", 3), ("12-bar", 3), ("slide guitar", 2),
              ("harmonica", 1), ("delta", 1)],
    "classical": [("classical", 3), ("orchestra", 2), ("orchestral", 2), ("symphony", 3),
                  ("concerto", 3), ("string quartet", 3), ("sonata", 3), ("opera", 2),
                  ("baroque", 3), ("harpsichord", 2), ("chamber music", 3), ("piano solo", 1)],
    "country": [("country", 3), ("honky-tonk", 3), ("honky tonk", 3), ("pedal steel", 2),
                ("banjo", 1), ("twang", 2), ("nashville", 2), ("cowboy", 2)],
    "folk": [("folk", 3), ("acoustic guitar", 1), ("singer-songwriter", 2), ("fiddle", 1),
             ("ballad", 1), ("traditional", 1), ("mandolin", 1)],
    "gospel": [("gospel", 3), ("choir", 2), ("church", 2), ("praise", 2), ("hallelujah", 3),
               ("spiritual", 2), ("worship", 2)],
    "latin": [("latin", 3), ("salsa", 3), ("bossa nova", 3), ("samba", 3), ("cumbia", 3),
              ("tango", 3), ("bachata", 3), ("merengue", 3), ("congas", 1), ("timbales", 2)],
    "reggae": [("reggae", 3), ("dub", 2), ("ska", 2), ("rocksteady", 3), ("offbeat skank", 3),
               ("jamaica", 2), ("jamaican", 2), ("roots", 1)],
    "funk": [("funk", 3), ("funky", 3), ("slap bass", 3), ("groove", 1), ("wah", 1),
             ("horn section", 1)],
    "disco": [("disco", 3), ("mirror ball", 2), ("glitter", 1), ("seventies dance", 2),
              ("string stabs", 2), ("octave bass", 2)],
}

_PATTERNS = {g: [(re.compile(r"(?<![\w&-])" + re.escape(w) + r"(?![\w&-])", re.I), wt)
                 for w, wt in words] for g, words in GENRE_WORDS.items()}


def classify(text: str) -> tuple[str, float]:
    """(preset, score) for a description; (FALLBACK, 0.0) when nothing matches."""
    best, best_score = FALLBACK, 0.0
    for genre, patterns in _PATTERNS.items():
        score = sum(wt for pat, wt in patterns if pat.search(text or ""))
        if score > best_score:
            best, best_score = genre, score
    return best, best_score
