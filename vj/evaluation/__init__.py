"""How closely the visuals follow the music, on songs nobody here wrote: ``vj analyze``
(a song's energy, onsets and tags per segment, :mod:`.analyze`), ``vj avs --compare``
(the drivers side by side, :mod:`.compare`), ``vj eval`` (the live engine against the
offline reference, AVS and hit response, :mod:`.evaluate`) and the corpus of real
recorded music (:mod:`.corpus`).  The scores themselves are in vj.metrics."""
