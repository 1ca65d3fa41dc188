#version 330
// The look: crossfade, hue rotation, feedback trail with zoom, beat flash.
// Works in image order (row 0 of the picture at v = 0) and at the bank's size.
// With every effect at 0 it passes the frame through unchanged.
uniform sampler2D u_frame;      // the decoded frame
uniform sampler2D u_prev;       // this pass's previous output (feedback)
uniform sampler2D u_from;       // the picture a crossfade starts from
uniform float u_crossfade;      // 1 = all u_from, 0 = all u_frame
uniform float u_hue;            // hue rotation, in turns
uniform float u_trail;          // 0..1: how much of the last output stays
uniform float u_zoom;           // feedback zoom per frame (0.0 .. 0.05)
uniform float u_flash;          // 0..1: white flash on the beat
in vec2 v_uv;
out vec4 f_color;

vec3 rotate_hue(vec3 c, float turns) {
    // rotation about the grey axis (Rodrigues), keeps luminance roughly
    float a = turns * 6.28318530718;
    vec3 k = vec3(0.57735026919);
    float ca = cos(a);
    return c * ca + cross(k, c) * sin(a) + k * dot(k, c) * (1.0 - ca);
}

void main() {
    vec3 cur = texture(u_frame, v_uv).rgb;
    if (u_crossfade > 0.0) {
        cur = mix(cur, texture(u_from, v_uv).rgb, u_crossfade);
    }
    if (u_hue != 0.0) {
        cur = clamp(rotate_hue(cur, u_hue), 0.0, 1.0);
    }
    vec3 col = cur;
    if (u_trail > 0.0) {
        vec2 zuv = (v_uv - 0.5) * (1.0 - u_zoom) + 0.5;
        col = max(cur, texture(u_prev, zuv).rgb * u_trail);
    }
    col = mix(col, vec3(1.0), u_flash);
    f_color = vec4(col, 1.0);
}
