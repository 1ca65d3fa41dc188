#version 330
// The HUD: a small RGBA picture of text drawn over the top-left corner.
uniform sampler2D u_hud;
uniform vec2 u_hud_size;        // pixels
uniform vec2 u_dst;             // target size in pixels
uniform float u_flip;
in vec2 v_uv;
out vec4 f_color;
void main() {
    vec2 px = vec2(v_uv.x, u_flip > 0.5 ? 1.0 - v_uv.y : v_uv.y) * u_dst;
    vec2 q = (px - vec2(12.0)) / u_hud_size;
    if (q.x < 0.0 || q.y < 0.0 || q.x > 1.0 || q.y > 1.0) discard;
    f_color = texture(u_hud, q);
}
