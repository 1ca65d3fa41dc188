"""OpenGL rendering: GLSL programs from shaders/, the look and presentation passes,
and the targets (a headless EGL context, a glfw window)."""
