// out (M, N) = x (M, K) . w (N, K)^T + bias for up to GEMV_MAXM rows (decode): one work-group per
// output column reads that weight row once, in its stored dtype W_DT (a program define, so the
// dequantisation is specialised at compile time); the reduction runs in local memory.
#include "common.h"

FN float load_w(GLOBAL const uchar* w, i64 i) { return load_f(w, W_DT, i); }

#define GEMV_WG 128
#define GEMV_MAXM 8

KERNEL linear_gemv(GLOBAL const float* x, i64 x_off, i64 x_rs, GLOBAL const uchar* w, i64 w_off, i64 w_rs,
                   GLOBAL const float* bias, i64 bias_off, i64 bias_st, int has_bias, GLOBAL float* o, i64 o_off, i64 o_rs,
                   int M, int N, int K) {
    LOCAL float red[GEMV_WG];
    int n = get_group_id(0);
    int lid = get_local_id(0);
    i64 wrow = w_off + (i64)n * w_rs;
    float acc[GEMV_MAXM];
    for (int m = 0; m < GEMV_MAXM; m++) acc[m] = 0.0f;
#if W_DT == DT_Q8_0 || W_DT == DT_Q4_0
    // whole blocks per work-item: the scale is read once per 32 weights
    GLOBAL const uchar* wb = w + (wrow >> 5) * (W_DT == DT_Q8_0 ? 34 : 18);
    int nb = K / 32;
    for (int blk = lid; blk < nb; blk += GEMV_WG) {
        GLOBAL const uchar* bp = wb + blk * (W_DT == DT_Q8_0 ? 34 : 18);
        float d = LD_F16((GLOBAL const ushort*)bp, 0);
        int k0 = blk * 32;
        for (int j = 0; j < 32; j++) {
#if W_DT == DT_Q8_0
            float wv = d * (float)((GLOBAL const schar*)bp)[2 + j];
#else
            int q = bp[2 + (j & 15)];
            float wv = d * (float)((j < 16 ? (q & 15) : (q >> 4)) - 8);
#endif
            for (int m = 0; m < GEMV_MAXM; m++) if (m < M) acc[m] = fmaf(wv, x[x_off + m * x_rs + k0 + j], acc[m]);
        }
    }
#else
    for (int k = lid; k < K; k += GEMV_WG) {
        float wv = load_w(w, wrow + k);
        for (int m = 0; m < GEMV_MAXM; m++) if (m < M) acc[m] = fmaf(wv, x[x_off + m * x_rs + k], acc[m]);
    }
#endif
    for (int m = 0; m < GEMV_MAXM; m++) {
        if (m >= M) break; // M is uniform across the work-group, so every work-item takes the same barriers
        float s = wg_sum(red, acc[m]);
        if (lid == 0) o[o_off + m * o_rs + n] = s + (has_bias ? bias[bias_off + n * bias_st] : 0.0f);
    }
}
