"""A whole set: the show file (:mod:`.file`, its ``[options]`` in :mod:`.options`), the
set list and where the show is in it (:mod:`.setlist`), the runner that plays it in
the live show (:mod:`.runner`: GO, BACK, jumps, resume; the glides in :mod:`.fade`),
the autosave (:mod:`.autosave`), cues recorded into the file (:mod:`.store`), the next
song after a silence (:mod:`.advance`), chasing LTC or MTC (:mod:`.timecode`), ``vj
live --show``'s loading and checks (:mod:`.load`), the starting file of ``vj show
new`` and ``vj show check`` (:mod:`.template`), and the show process's heartbeat,
signals and options towards its supervisor (:mod:`.process`).  Nothing here imports
GL, torch or a model."""
