#version 330
// Presentation of the look on the target: drawn into the picture's rectangle (the
// letterbox or pillarbox around it is cleared to black), or over the whole target
// with the centre of the look (u_crop < 1: cover), upscaled, then strobe,
// master dimmer and blackout.  u_flip = 1 for the screen (GL's row 0 is the bottom).
// Compiled twice: with BICUBIC defined (Catmull-Rom, the default when scaling) and
// without (bilinear: at 1:1, and when the show sheds load).  A uniform switch would
// cost the bicubic path on a software renderer even when it is off.
uniform sampler2D u_image;
uniform vec2 u_src;             // look size in pixels
uniform vec2 u_crop;            // share of the look's width and height shown (cover: < 1)
uniform float u_flip;
uniform float u_strobe;         // 0..1 white
uniform float u_master;         // 0..1
uniform float u_blackout;       // 0 or 1
in vec2 v_uv;
out vec4 f_color;

#ifdef BICUBIC
vec3 catmull_rom(sampler2D tex, vec2 uv, vec2 size) {
    vec2 p = uv * size - 0.5;
    vec2 f = fract(p);
    ivec2 base = ivec2(floor(p));
    vec2 f2 = f * f, f3 = f2 * f;
    vec2 w0 = -0.5 * f3 + f2 - 0.5 * f;
    vec2 w1 = 1.5 * f3 - 2.5 * f2 + 1.0;
    vec2 w2 = -1.5 * f3 + 2.0 * f2 + 0.5 * f;
    vec2 w3 = 0.5 * f3 - 0.5 * f2;
    ivec2 hi = ivec2(size) - 1;
    vec3 acc = vec3(0.0);
    for (int j = 0; j < 4; j++) {
        float wy = j == 0 ? w0.y : (j == 1 ? w1.y : (j == 2 ? w2.y : w3.y));
        for (int i = 0; i < 4; i++) {
            float wx = i == 0 ? w0.x : (i == 1 ? w1.x : (i == 2 ? w2.x : w3.x));
            ivec2 q = clamp(base + ivec2(i - 1, j - 1), ivec2(0), hi);
            acc += texelFetch(tex, q, 0).rgb * (wx * wy);
        }
    }
    return clamp(acc, 0.0, 1.0);
}
#endif

void main() {
    vec2 uv = v_uv;
    if (u_flip > 0.5) uv.y = 1.0 - uv.y;
    uv = 0.5 + (uv - 0.5) * u_crop;
#ifdef BICUBIC
    vec3 c = catmull_rom(u_image, uv, u_src);
#else
    vec3 c = texture(u_image, uv).rgb;
#endif
    c = mix(c, vec3(1.0), u_strobe);
    c *= u_master * (1.0 - u_blackout);
    f_color = vec4(c, 1.0);
}
