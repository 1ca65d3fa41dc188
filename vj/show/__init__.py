"""A whole set: the show file (:mod:`.file`, its ``[options]`` in :mod:`.options`), the
set list and where the show is in it (:mod:`.setlist`), the runner that plays it in
the live show (:mod:`.runner`: GO, BACK, jumps, fades, resume), the autosave
(:mod:`.autosave`), cues recorded into the file (:mod:`.store`), the starting file of
``vj show new`` (:mod:`.template`) and the heartbeat to the supervisor
(:mod:`.heartbeat`).  Nothing here imports GL, torch or a model."""
