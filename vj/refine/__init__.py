"""Diffusion on the beat: a one-step refinement of each decoded frame, its strength
driven by the music (docs/refine.md).

:mod:`vj.refine.models` loads the distilled one-step UNet and its text encoder
(SD-Turbo by default) and the tiny autoencoder (TAESD), fetched only when asked for,
or builds tiny random-weight ones for tests; :mod:`vj.refine.stage` refines frames
(encode, noise fixed per keyframe pair and carried by the slerp, one or two UNet
steps conditioned on the keyframes' blended prompt embeddings, decode), the same
code live (on the decode worker) and offline (``vj record --refine``);
:mod:`vj.refine.strength` turns the music into a strength.
"""
