// The three tiled GEMMs (gemm_core.h): batched strided matmul, linear (x . w^T + bias with the
// weight of any dtype dequantised while its tile is staged) and convolution as an implicit GEMM.
// Weight dtypes are run-time arguments here: a tile load is a small part of the work, and one
// program instead of one per dtype keeps compile times (LLVM on PoCL, NVRTC) down.
#include "common.h"

// ---- matmul: out (..., M, N) = a (..., M, K) . b (..., K, N) over strided F32 views; up to two
// (collapsed) batch dimensions with broadcast strides, z = z0 + group id 2 = b0 * nb1 + b1
#define GEMM_NAME matmul
#define GEMM_PARAMS GLOBAL const float* a, i64 a_off, i64 a_sb0, i64 a_sb1, i64 a_sm, i64 a_sk, \
    GLOBAL const float* b, i64 b_off, i64 b_sb0, i64 b_sb1, i64 b_sk, i64 b_sn, \
    GLOBAL float* c, i64 c_off, i64 c_sb0, i64 c_sb1, i64 c_sm, i64 c_sn, \
    int nb1, int z0, int M, int N, int K, int a_kfast, int b_kfast
#define GEMM_SETUP \
    int z = z0 + get_group_id(2); \
    int zb0 = z / nb1, zb1 = z % nb1; \
    GLOBAL const float* ap = a + a_off + zb0 * a_sb0 + zb1 * a_sb1; \
    GLOBAL const float* bp = b + b_off + zb0 * b_sb0 + zb1 * b_sb1; \
    GLOBAL float* cp = c + c_off + zb0 * c_sb0 + zb1 * c_sb1;
#define LOAD_A(m, k) ap[(m) * a_sm + (k) * a_sk]
#define LOAD_B(k, n) bp[(k) * b_sk + (n) * b_sn]
#define STORE_C(m, n, v) cp[(m) * c_sm + (n) * c_sn] = (v)
#include "gemm_core.h"
#undef GEMM_NAME
#undef GEMM_PARAMS
#undef GEMM_SETUP
#undef LOAD_A
#undef LOAD_B
#undef STORE_C

// ---- linear: out (M, N) = x (M, K) . w (N, K)^T + bias, rows of x and out with unit column stride
#define GEMM_NAME linear_gemm
#define GEMM_PARAMS GLOBAL const float* x, i64 x_off, i64 x_rs, GLOBAL const uchar* w, int w_dt, i64 w_off, i64 w_rs, \
    GLOBAL const float* bias, i64 bias_off, i64 bias_st, int has_bias, GLOBAL float* o, i64 o_off, i64 o_rs, \
    int M, int N, int K, int a_kfast, int b_kfast
#define GEMM_SETUP
#define LOAD_A(m, k) x[x_off + (m) * x_rs + (k)]
#define LOAD_B(k, n) load_f(w, w_dt, w_off + (n) * w_rs + (k))
#define STORE_C(m, n, v) o[o_off + (m) * o_rs + (n)] = (v) + (has_bias ? bias[bias_off + (n) * bias_st] : 0.0f)
#include "gemm_core.h"
#undef GEMM_NAME
#undef GEMM_PARAMS
#undef GEMM_SETUP
#undef LOAD_A
#undef LOAD_B
#undef STORE_C

// ---- conv over 1 to 3 spatial dimensions (padded to 3 by the host), per (sample, group):
// C (O/g x P) = W (O/g x C/g*KS) . im2col(x) (C/g*KS x P); the im2col matrix is never built, LOAD_B
// gathers x with stride, padding and dilation
FN float conv_gather(GLOBAL const float* xg, int k, int p, int KS, int KH, int KW, int ID, int IH, int IW,
                     int OH, int OW, int sd, int sh, int sw, int pd, int ph, int pw, int dd, int dh, int dw) {
    int c = k / KS, r = k % KS;
    int kd = r / (KH * KW), kh = (r / KW) % KH, kw = r % KW;
    int od = p / (OH * OW), oh = (p / OW) % OH, ow = p % OW;
    int id = od * sd - pd + kd * dd, ih = oh * sh - ph + kh * dh, iw = ow * sw - pw + kw * dw;
    if (id < 0 || id >= ID || ih < 0 || ih >= IH || iw < 0 || iw >= IW) return 0.0f;
    return xg[(((i64)c * ID + id) * IH + ih) * IW + iw];
}

#define GEMM_NAME conv
#define GEMM_PARAMS GLOBAL const float* x, i64 x_off, GLOBAL const uchar* w, int w_dt, i64 w_off, \
    GLOBAL const float* bias, i64 bias_off, i64 bias_st, int has_bias, GLOBAL float* o, i64 o_off, \
    int C, int O, int groups, int ID, int IH, int IW, int KD, int KH, int KW, int OD, int OH, int OW, \
    int sd, int sh, int sw, int pd, int ph, int pw, int dd, int dh, int dw, \
    int M, int N, int K, int a_kfast, int b_kfast
#define GEMM_SETUP \
    int z = get_group_id(2); \
    int bn = z / groups, g = z % groups; \
    int cg = C / groups, KS = KD * KH * KW; \
    GLOBAL const float* xg = x + x_off + ((i64)bn * C + (i64)g * cg) * ID * IH * IW; \
    i64 wg0 = w_off + (i64)g * M * K; \
    GLOBAL float* og = o + o_off + ((i64)bn * O + (i64)g * M) * N;
#define LOAD_A(m, k) load_f(w, w_dt, wg0 + (i64)(m) * K + (k))
#define LOAD_B(k, n) conv_gather(xg, (k), (n), KS, KH, KW, ID, IH, IW, OH, OW, sd, sh, sw, pd, ph, pw, dd, dh, dw)
#define STORE_C(m, n, v) og[(i64)(m) * N + (n)] = (v) + (has_bias ? bias[bias_off + (g * M + (m)) * bias_st] : 0.0f)
#include "gemm_core.h"
