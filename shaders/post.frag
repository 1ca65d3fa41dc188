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
uniform float u_seed;           // changes every frame: the dither's noise moves
in vec2 v_uv;
out vec4 f_color;

vec3 rotate_hue(vec3 c, float turns) {
    // rotation about the grey axis (Rodrigues), keeps luminance roughly
    float a = turns * 6.28318530718;
    vec3 k = vec3(0.57735026919);
    float ca = cos(a);
    return c * ca + cross(k, c) * sin(a) + k * dot(k, c) * (1.0 - ca);
}

// uniform noise in [0, 1) per pixel and frame (an integer hash: no sin() precision issues)
float noise(vec2 p, float seed) {
    uint h = uint(p.x) * 1664525u + uint(p.y) * 1013904223u + uint(seed) * 2654435761u;
    h ^= h >> 16; h *= 0x7feb352du; h ^= h >> 15; h *= 0x846ca68bu; h ^= h >> 16;
    return float(h) * (1.0 / 4294967296.0);
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
        // The feedback is 8-bit: without noise, value * trail rounds back to value below
        // 0.5 / (1 - trail) levels (16 at 60 Hz and trail 0.97) and the trail sticks.
        // Noise of under half a level before rounding keeps every 8-bit value as it is
        // and makes the stored value right on average, so the trail decays to black.
        col += (noise(gl_FragCoord.xy, u_seed) - 0.5) * (0.998 / 255.0);
    }
    col = mix(col, vec3(1.0), u_flash);
    f_color = vec4(col, 1.0);
}
