#version 330
// The operator's preview window: the projector's clean picture (drawn into a texture
// the preview's context shares, in image order) with the HUD over its top-left corner.
uniform sampler2D u_image;
uniform sampler2D u_hud;
uniform vec2 u_hud_size;        // pixels
uniform vec2 u_dst;             // window size in pixels
uniform float u_has_hud;
in vec2 v_uv;
out vec4 f_color;
void main() {
    vec2 uv = vec2(v_uv.x, 1.0 - v_uv.y);                     // image order
    f_color = vec4(texture(u_image, uv).rgb, 1.0);
    vec2 q = (uv * u_dst - vec2(8.0)) / u_hud_size;
    if (u_has_hud > 0.5 && q.x >= 0.0 && q.y >= 0.0 && q.x <= 1.0 && q.y <= 1.0) {
        vec4 h = texture(u_hud, q);
        f_color.rgb = mix(f_color.rgb, h.rgb, h.a);
    }
}
