// Row-wise and gather kernels: softmax and norms (one work-group of ROW_WG per row, reductions in
// local memory), group norm, reductions, argmax, rotary embedding, embedding lookup, upsampling.
// A "row layout" is (offset, row stride, column stride) in elements, set up by GpuBackend.
#include "common.h"

#define ROW_WG 256

KERNEL softmax(GLOBAL const float* x, i64 x_off, i64 x_rs, i64 x_cs,
               GLOBAL float* o, i64 o_off, i64 o_rs, i64 o_cs, int n) {
    LOCAL float red[ROW_WG];
    i64 row = get_group_id(0);
    int lid = get_local_id(0);
    GLOBAL const float* xr = x + x_off + row * x_rs;
    GLOBAL float* orow = o + o_off + row * o_rs;
    float m = NEG_INF;
    for (int i = lid; i < n; i += ROW_WG) m = fmaxf(m, xr[i * x_cs]);
    m = wg_max(red, m);
    float s = 0.0f;
    if (m != NEG_INF) for (int i = lid; i < n; i += ROW_WG) s += expf(xr[i * x_cs] - m);
    s = wg_sum(red, s);
    for (int i = lid; i < n; i += ROW_WG) {
        float e = m == NEG_INF ? 0.0f : expf(xr[i * x_cs] - m);
        orow[i * o_cs] = s == 0.0f ? 0.0f : e / s;
    }
}

// two passes (mean, then squared deviations), like the reference
KERNEL layer_norm(GLOBAL const float* x, i64 x_off, i64 x_rs, i64 x_cs,
                  GLOBAL const float* w, i64 w_off, i64 w_st, int has_w,
                  GLOBAL const float* b, i64 b_off, i64 b_st, int has_b,
                  GLOBAL float* o, i64 o_off, i64 o_rs, i64 o_cs, int n, float eps) {
    LOCAL float red[ROW_WG];
    i64 row = get_group_id(0);
    int lid = get_local_id(0);
    GLOBAL const float* xr = x + x_off + row * x_rs;
    GLOBAL float* orow = o + o_off + row * o_rs;
    float s = 0.0f;
    for (int i = lid; i < n; i += ROW_WG) s += xr[i * x_cs];
    float mean = wg_sum(red, s) / (float)n;
    float v = 0.0f;
    for (int i = lid; i < n; i += ROW_WG) { float d = xr[i * x_cs] - mean; v = fmaf(d, d, v); }
    float inv = 1.0f / sqrtf(wg_sum(red, v) / (float)n + eps);
    for (int i = lid; i < n; i += ROW_WG) {
        float y = (xr[i * x_cs] - mean) * inv;
        if (has_w) y *= w[w_off + i * w_st];
        if (has_b) y += b[b_off + i * b_st];
        orow[i * o_cs] = y;
    }
}

KERNEL rms_norm(GLOBAL const float* x, i64 x_off, i64 x_rs, i64 x_cs,
                GLOBAL const float* w, i64 w_off, i64 w_st, int has_w,
                GLOBAL float* o, i64 o_off, i64 o_rs, i64 o_cs, int n, float eps) {
    LOCAL float red[ROW_WG];
    i64 row = get_group_id(0);
    int lid = get_local_id(0);
    GLOBAL const float* xr = x + x_off + row * x_rs;
    GLOBAL float* orow = o + o_off + row * o_rs;
    float ss = 0.0f;
    for (int i = lid; i < n; i += ROW_WG) { float e = xr[i * x_cs]; ss = fmaf(e, e, ss); }
    float inv = 1.0f / sqrtf(wg_sum(red, ss) / (float)n + eps);
    for (int i = lid; i < n; i += ROW_WG) {
        float y = xr[i * x_cs] * inv;
        if (has_w) y *= w[w_off + i * w_st];
        orow[i * o_cs] = y;
    }
}

// mean and 1/sqrt(var + eps) of each group: x is contiguous (N, C, S), group gi spans len elements
KERNEL group_norm_stats(GLOBAL const float* x, i64 x_off, i64 len, float eps, GLOBAL float* stats) {
    LOCAL float red[ROW_WG];
    i64 gi = get_group_id(0);
    int lid = get_local_id(0);
    GLOBAL const float* xg = x + x_off + gi * len;
    float s = 0.0f;
    for (i64 i = lid; i < len; i += ROW_WG) s += xg[i];
    float mean = wg_sum(red, s) / (float)len;
    float v = 0.0f;
    for (i64 i = lid; i < len; i += ROW_WG) { float d = xg[i] - mean; v = fmaf(d, d, v); }
    float var = wg_sum(red, v) / (float)len;
    if (lid == 0) { stats[2 * gi] = mean; stats[2 * gi + 1] = 1.0f / sqrtf(var + eps); }
}

KERNEL group_norm_apply(i64 total, GLOBAL const float* x, i64 x_off, GLOBAL const float* stats,
                        GLOBAL const float* w, i64 w_off, i64 w_st, int has_w,
                        GLOBAL const float* b, i64 b_off, i64 b_st, int has_b,
                        GLOBAL float* o, i64 o_off, int C, i64 S, int cg) {
    i64 idx = get_global_id(0);
    if (idx >= total) return;
    i64 nc = idx / S;
    int c = (int)(nc % C);
    i64 gi = nc / C * (C / cg) + c / cg;
    float y = (x[x_off + idx] - stats[2 * gi]) * stats[2 * gi + 1];
    if (has_w) y *= w[w_off + c * w_st];
    if (has_b) y += b[b_off + c * b_st];
    o[o_off + idx] = y;
}

// reduction of each row (the reduced dimension is the last one)
KERNEL reduce_rows(GLOBAL const float* x, i64 x_off, i64 x_rs, i64 x_cs,
                   GLOBAL float* o, i64 o_off, i64 o_rs, int n, int op) {
    LOCAL float red[ROW_WG];
    i64 row = get_group_id(0);
    int lid = get_local_id(0);
    GLOBAL const float* xr = x + x_off + row * x_rs;
    float r;
    if (op == ROP_MAX || op == ROP_MIN) {
        float a = op == ROP_MAX ? NEG_INF : POS_INF;
        for (int i = lid; i < n; i += ROW_WG) a = op == ROP_MAX ? fmaxf(a, xr[i * x_cs]) : fminf(a, xr[i * x_cs]);
        r = op == ROP_MAX ? wg_max(red, a) : wg_min(red, a);
    } else {
        float a = 0.0f;
        for (int i = lid; i < n; i += ROW_WG) a += xr[i * x_cs];
        r = wg_sum(red, a);
        if (op == ROP_MEAN) r /= (float)n;
    }
    if (lid == 0) o[o_off + row * o_rs] = r;
}

// reduction over the middle dimension of a contiguous (outer, len, inner) tensor: one work-item per output
KERNEL reduce_mid(i64 total, GLOBAL const float* x, i64 x_off, int len, i64 inner, GLOBAL float* o, i64 o_off, int op) {
    i64 idx = get_global_id(0);
    if (idx >= total) return;
    i64 outer = idx / inner, in = idx % inner;
    GLOBAL const float* xp = x + x_off + outer * len * inner + in;
    float a = op == ROP_MAX ? NEG_INF : op == ROP_MIN ? POS_INF : 0.0f;
    for (int i = 0; i < len; i++) {
        float v = xp[i * inner];
        a = op == ROP_MAX ? fmaxf(a, v) : op == ROP_MIN ? fminf(a, v) : a + v;
    }
    if (op == ROP_MEAN) a /= (float)len;
    o[o_off + idx] = a;
}

// first index of the largest value of each row
KERNEL argmax(GLOBAL const float* x, i64 x_off, i64 x_rs, i64 x_cs,
              GLOBAL uchar* o, int o_dt, i64 o_off, i64 o_rs, int n) {
    LOCAL float rv[ROW_WG];
    LOCAL int ri[ROW_WG];
    i64 row = get_group_id(0);
    int lid = get_local_id(0);
    GLOBAL const float* xr = x + x_off + row * x_rs;
    float best = NEG_INF;
    int at = -1;
    for (int i = lid; i < n; i += ROW_WG) {
        float v = xr[i * x_cs];
        if (at < 0 || v > best) { best = v; at = i; }
    }
    rv[lid] = best;
    ri[lid] = at;
    BARRIER();
    for (int s = ROW_WG / 2; s > 0; s >>= 1) {
        if (lid < s) {
            float v2 = rv[lid + s];
            int i2 = ri[lid + s];
            if (i2 >= 0 && (ri[lid] < 0 || v2 > rv[lid] || (v2 == rv[lid] && i2 < ri[lid]))) { rv[lid] = v2; ri[lid] = i2; }
        }
        BARRIER();
    }
    if (lid == 0) store_l(o, o_dt, o_off + row * o_rs, ri[0] < 0 ? 0 : ri[0]);
}

// Rotary embedding of x (L, S, H, D): work-item (l, s, h, j) rotates pair j < rot/2 and, when
// copy_rest, copies feature rot + j (j < D - rot) through to o.
KERNEL rope(i64 total, GLOBAL const float* x, i64 x_off, i64 x_sl, i64 x_ss, i64 x_sh, i64 x_sd,
            GLOBAL float* o, i64 o_off, i64 o_sl, i64 o_ss, i64 o_sh, i64 o_sd,
            GLOBAL const uchar* pos, int pos_dt, i64 pos_off, i64 pos_st, GLOBAL const float* inv_freq,
            int S, int H, int D, int rot, int width, int interleaved, int copy_rest) {
    i64 idx = get_global_id(0);
    if (idx >= total) return;
    int j = (int)(idx % width);
    i64 r = idx / width;
    int h = (int)(r % H);
    r /= H;
    int s = (int)(r % S);
    i64 l = r / S;
    i64 xb = x_off + l * x_sl + s * x_ss + h * x_sh;
    i64 ob = o_off + l * o_sl + s * o_ss + h * o_sh;
    int halfRot = rot / 2;
    if (j < halfRot) {
        float angle = (float)load_l(pos, pos_dt, pos_off + s * pos_st) * inv_freq[j];
        float c = cosf(angle), sn = sinf(angle);
        int i1 = interleaved ? 2 * j : j;
        int i2 = interleaved ? 2 * j + 1 : j + halfRot;
        float x1 = x[xb + i1 * x_sd], x2 = x[xb + i2 * x_sd];
        o[ob + i1 * o_sd] = x1 * c - x2 * sn;
        o[ob + i2 * o_sd] = x2 * c + x1 * sn;
    }
    if (copy_rest && j < D - rot) o[ob + (rot + j) * o_sd] = x[xb + (rot + j) * x_sd];
}

// rows of a (V, D) table of any dtype at ids (contiguous, I32/I64) into contiguous out (n, D);
// an id outside [0, V) writes zeros and is reported through err (checked by the host at the next sync)
KERNEL embedding(i64 total, GLOBAL const uchar* t, int t_dt, i64 t_off, i64 t_rs, i64 t_cs, int V, int D,
                 GLOBAL const uchar* ids, int id_dt, i64 id_off, GLOBAL float* o, i64 o_off, GLOBAL int* err) {
    i64 idx = get_global_id(0);
    if (idx >= total) return;
    i64 i = idx / D;
    int j = (int)(idx % D);
    i64 id = load_l(ids, id_dt, id_off + i);
    if (id < 0 || id >= V) {
        err[0] = 1;
        err[1] = (int)id;
        err[2] = V;
        o[o_off + idx] = 0.0f;
        return;
    }
    o[o_off + idx] = load_f(t, t_dt, t_off + id * t_rs + j * t_cs);
}

// nearest upsampling of a strided (N, C, H, W) x into contiguous out (N, C, H*sh, W*sw)
KERNEL upsample_nearest(i64 total, GLOBAL const float* x, i64 x_off, i64 x_s0, i64 x_s1, i64 x_s2, i64 x_s3,
                        GLOBAL float* o, i64 o_off, int C, int OH, int OW, int sh, int sw) {
    i64 idx = get_global_id(0);
    if (idx >= total) return;
    int ow = (int)(idx % OW);
    i64 r = idx / OW;
    int oh = (int)(r % OH);
    r /= OH;
    int c = (int)(r % C);
    i64 n = r / C;
    o[o_off + idx] = x[x_off + n * x_s0 + c * x_s1 + (oh / sh) * x_s2 + (ow / sw) * x_s3];
}
