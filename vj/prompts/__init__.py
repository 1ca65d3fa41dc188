"""Prompts from the music and its lyrics (`vj prompts`, `vj prepare --prompts auto`):
Whisper lyrics, a CLAP caption and a local instruct LLM.  Slow, large models: used
while preparing a bank, never in the live loop."""
