"""vj: real-time visuals that move with the music."""

__version__ = "0.1.0"
