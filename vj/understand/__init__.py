"""Music understanding: tagging (musicnn in PyTorch), genre and mood from tags."""
