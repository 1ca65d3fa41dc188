#version 330
// A picture drawn below the output size (the show shedding load, --render-scale)
// stretched onto the target, bilinear.  u_flip = 1 for the screen.
uniform sampler2D u_image;
uniform float u_flip;
in vec2 v_uv;
out vec4 f_color;
void main() {
    vec2 uv = v_uv;
    if (u_flip > 0.5) uv.y = 1.0 - uv.y;
    f_color = vec4(texture(u_image, uv).rgb, 1.0);
}
