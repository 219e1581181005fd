// Element-wise kernels over strided, broadcast views of any dtype: one work-item per output element.
// Argument order (GpuBackend.elementwise): total, shape, the views in order, then the op's scalars.
#include "common.h"

KERNEL copy_f(i64 total, SHAPE6, CVIEW6(s), VIEW6(d)) {
    i64 idx = get_global_id(0);
    if (idx >= total) return;
    INDEX6(idx);
    store_f(d, d_dt, OFF6(d), load_f(s, s_dt, OFF6(s)));
}

// integer to integer: exact 64-bit values
KERNEL copy_l(i64 total, SHAPE6, CVIEW6(s), VIEW6(d)) {
    i64 idx = get_global_id(0);
    if (idx >= total) return;
    INDEX6(idx);
    store_l(d, d_dt, OFF6(d), load_l(s, s_dt, OFF6(s)));
}

KERNEL fill(i64 total, SHAPE6, VIEW6(d), float v) {
    i64 idx = get_global_id(0);
    if (idx >= total) return;
    INDEX6(idx);
    store_f(d, d_dt, OFF6(d), v);
}

KERNEL unary(i64 total, SHAPE6, CVIEW6(x), VIEW6(o), int op) {
    i64 idx = get_global_id(0);
    if (idx >= total) return;
    INDEX6(idx);
    store_f(o, o_dt, OFF6(o), apply_unary(op, load_f(x, x_dt, OFF6(x))));
}

KERNEL binary(i64 total, SHAPE6, CVIEW6(a), CVIEW6(b), VIEW6(o), int op) {
    i64 idx = get_global_id(0);
    if (idx >= total) return;
    INDEX6(idx);
    store_f(o, o_dt, OFF6(o), apply_binary(op, load_f(a, a_dt, OFF6(a)), load_f(b, b_dt, OFF6(b))));
}

// alpha*x + beta with one rounding, as the reference's double expression
KERNEL affine(i64 total, SHAPE6, CVIEW6(x), VIEW6(o), float alpha, float beta) {
    i64 idx = get_global_id(0);
    if (idx >= total) return;
    INDEX6(idx);
    store_f(o, o_dt, OFF6(o), fmaf(alpha, load_f(x, x_dt, OFF6(x)), beta));
}

KERNEL gated(i64 total, SHAPE6, CVIEW6(g), CVIEW6(u), VIEW6(o), int op) {
    i64 idx = get_global_id(0);
    if (idx >= total) return;
    INDEX6(idx);
    store_f(o, o_dt, OFF6(o), apply_unary(op, load_f(g, g_dt, OFF6(g))) * load_f(u, u_dt, OFF6(u)));
}

// GGML's reference quantisation (Numerics.quantQ8_0 / quantQ4_0), bit for bit: one work-item per
// 32-value block of the destination. `total` counts blocks; the shape is the destination's, whose
// innermost dimension is contiguous and a multiple of 32, so a block never crosses a row.
KERNEL quantize(i64 total, SHAPE6, CVIEW6(s), VIEW6(d)) {
    i64 blk = get_global_id(0);
    if (blk >= total) return;
    total = total * 32; // INDEX6 compares against the element count
    INDEX6(blk * 32);
    i64 so = OFF6(s);
    float v[32];
    for (int j = 0; j < 32; j++) v[j] = load_f(s, s_dt, so + j * s_s5);
    GLOBAL uchar* out = d + (OFF6(d) >> 5) * (d_dt == DT_Q8_0 ? 34 : 18);
    if (d_dt == DT_Q8_0) {
        float amax = 0.0f;
        for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(v[j]));
        float dd = amax / 127.0f;
        float id = dd != 0.0f ? 1.0f / dd : 0.0f;
        store_f16((GLOBAL ushort*)out, 0, dd);
        for (int j = 0; j < 32; j++) {
            float x = v[j] * id;
            // C's roundf: half away from zero
            float a = fabsf(x), r = floorf(a);
            if (a - r >= 0.5f) r += 1.0f;
            int q = (int)(x < 0.0f ? -r : r);
            ((GLOBAL schar*)out)[2 + j] = (schar)q;
        }
    } else {
        float amax = 0.0f, mx = 0.0f;
        for (int j = 0; j < 32; j++) {
            if (amax < fabsf(v[j])) { amax = fabsf(v[j]); mx = v[j]; }
        }
        float dd = mx / -8.0f;
        float id = dd != 0.0f ? 1.0f / dd : 0.0f;
        store_f16((GLOBAL ushort*)out, 0, dd);
        for (int j = 0; j < 16; j++) {
            float x0 = v[j] * id, x1 = v[16 + j] * id;
            int q0 = min(15, (int)(schar)(int)(x0 + 8.5f));
            int q1 = min(15, (int)(schar)(int)(x1 + 8.5f));
            out[2 + j] = (uchar)(q0 | (q1 << 4));
        }
    }
}
