"""Show control: the show state, the OSC address space, desk profiles, the OSC server."""
