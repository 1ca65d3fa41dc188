"""Offline rendering (``vj record``): a song through a bank to an H.264 video with the
song as AAC audio, on a fixed time step, through the same decoders and shaders as
the show (:mod:`.render`); the decode thread that runs ahead of drawing
(:mod:`.prefetch`) and the video writer (:mod:`.video`)."""
