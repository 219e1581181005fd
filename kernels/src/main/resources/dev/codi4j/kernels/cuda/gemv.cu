// Decode GEMV for CUDA: out (M, N) = x (M, K) . w (N, K)^T + bias for M <= GEMV_MAXM rows. One warp
// per weight row, 8 rows per 256-thread block; float weights are read 16 bytes per lane per step
// (uint4), block-quantised rows one 32-value block per lane per step. The weight is read exactly
// once and the loop is bandwidth-bound: this is the kernel whose speed decides tokens/s.
// Needs (host-checked) rows starting on 16-byte boundaries for F32/F16/BF16.
// NOT VERIFIED ON HARDWARE (compiled with nvcc in the tests only).
#include "common.h"

#define GEMV_WARPS 8
#define GEMV_MAXM 8

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float half_lo(uint v) { return codi4j_f16_to_f32((ushort)(v & 0xffffu)); }
__device__ __forceinline__ float half_hi(uint v) { return codi4j_f16_to_f32((ushort)(v >> 16)); }
__device__ __forceinline__ float bf16_lo(uint v) { return __uint_as_float(v << 16); }
__device__ __forceinline__ float bf16_hi(uint v) { return __uint_as_float(v & 0xffff0000u); }

template <int WDT>
__device__ __forceinline__ void gemv_row(const float* __restrict__ x, i64 x_off, i64 x_rs, const uchar* __restrict__ w, i64 wrow,
                                         int M, int K, int lane, float* acc) {
    if (WDT == DT_F16 || WDT == DT_BF16) {
        const uint4* p = (const uint4*)((const ushort*)w + wrow);
        int nvec = K / 8;
        for (int i = lane; i < nvec; i += 32) {
            uint4 q = __ldg(p + i);
            float wv[8];
            if (WDT == DT_F16) {
                wv[0] = half_lo(q.x); wv[1] = half_hi(q.x); wv[2] = half_lo(q.y); wv[3] = half_hi(q.y);
                wv[4] = half_lo(q.z); wv[5] = half_hi(q.z); wv[6] = half_lo(q.w); wv[7] = half_hi(q.w);
            } else {
                wv[0] = bf16_lo(q.x); wv[1] = bf16_hi(q.x); wv[2] = bf16_lo(q.y); wv[3] = bf16_hi(q.y);
                wv[4] = bf16_lo(q.z); wv[5] = bf16_hi(q.z); wv[6] = bf16_lo(q.w); wv[7] = bf16_hi(q.w);
            }
            int k = i * 8;
#pragma unroll
            for (int m = 0; m < GEMV_MAXM; m++) {
                if (m < M) {
                    const float* xr = x + x_off + m * x_rs + k;
                    float a = acc[m];
#pragma unroll
                    for (int j = 0; j < 8; j++) a = fmaf(wv[j], __ldg(xr + j), a);
                    acc[m] = a;
                }
            }
        }
        for (int k = nvec * 8 + lane; k < K; k += 32) {
            float wv = load_f(w, WDT, wrow + k);
            for (int m = 0; m < GEMV_MAXM; m++) if (m < M) acc[m] = fmaf(wv, __ldg(x + x_off + m * x_rs + k), acc[m]);
        }
    } else if (WDT == DT_F32) {
        const float4* p = (const float4*)((const float*)w + wrow);
        int nvec = K / 4;
        for (int i = lane; i < nvec; i += 32) {
            float4 q = __ldg(p + i);
            int k = i * 4;
#pragma unroll
            for (int m = 0; m < GEMV_MAXM; m++) {
                if (m < M) {
                    const float* xr = x + x_off + m * x_rs + k;
                    acc[m] = fmaf(q.x, __ldg(xr), fmaf(q.y, __ldg(xr + 1), fmaf(q.z, __ldg(xr + 2), fmaf(q.w, __ldg(xr + 3), acc[m]))));
                }
            }
        }
        for (int k = nvec * 4 + lane; k < K; k += 32) {
            float wv = ((const float*)w)[wrow + k];
            for (int m = 0; m < GEMV_MAXM; m++) if (m < M) acc[m] = fmaf(wv, __ldg(x + x_off + m * x_rs + k), acc[m]);
        }
    } else {
        // Q8_0 (34-byte blocks) or Q4_0 (18-byte blocks): 2-byte aligned, read as ushort pairs
        const int BB = WDT == DT_Q8_0 ? 34 : 18;
        const uchar* wb = w + (wrow >> 5) * BB;
        int nb = K / 32;
        for (int blk = lane; blk < nb; blk += 32) {
            const ushort* bp = (const ushort*)(wb + blk * BB);
            float d = codi4j_f16_to_f32(__ldg(bp));
            int k0 = blk * 32;
            float wv[32];
            if (WDT == DT_Q8_0) {
#pragma unroll
                for (int j = 0; j < 16; j++) {
                    ushort pr = __ldg(bp + 1 + j);
                    wv[2 * j] = d * (float)(schar)(pr & 0xff);
                    wv[2 * j + 1] = d * (float)(schar)(pr >> 8);
                }
            } else {
#pragma unroll
                for (int j = 0; j < 8; j++) {
                    ushort pr = __ldg(bp + 1 + j);
                    int b0 = pr & 0xff, b1 = pr >> 8;
                    wv[2 * j] = d * (float)((b0 & 15) - 8);
                    wv[2 * j + 1] = d * (float)((b1 & 15) - 8);
                    wv[16 + 2 * j] = d * (float)((b0 >> 4) - 8);
                    wv[16 + 2 * j + 1] = d * (float)((b1 >> 4) - 8);
                }
            }
#pragma unroll
            for (int m = 0; m < GEMV_MAXM; m++) {
                if (m < M) {
                    const float* xr = x + x_off + m * x_rs + k0;
                    float a = acc[m];
#pragma unroll
                    for (int j = 0; j < 32; j++) a = fmaf(wv[j], __ldg(xr + j), a);
                    acc[m] = a;
                }
            }
        }
    }
}

template <int WDT>
__device__ __forceinline__ void gemv(const float* x, i64 x_off, i64 x_rs, const uchar* w, i64 w_off, i64 w_rs,
                                     const float* bias, i64 bias_off, i64 bias_st, int has_bias, float* o, i64 o_off, i64 o_rs,
                                     int M, int N, int K) {
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int n = blockIdx.x * GEMV_WARPS + warp;
    if (n >= N) return;
    float acc[GEMV_MAXM];
#pragma unroll
    for (int m = 0; m < GEMV_MAXM; m++) acc[m] = 0.0f;
    gemv_row<WDT>(x, x_off, x_rs, w, w_off + (i64)n * w_rs, M, K, lane, acc);
    float b = has_bias ? bias[bias_off + n * bias_st] : 0.0f;
#pragma unroll
    for (int m = 0; m < GEMV_MAXM; m++) {
        float s = warp_sum(acc[m]);
        if (lane == 0 && m < M) o[o_off + m * o_rs + n] = s + b;
    }
}

#define GEMV_PARAMS const float* x, i64 x_off, i64 x_rs, const uchar* w, i64 w_off, i64 w_rs, \
    const float* bias, i64 bias_off, i64 bias_st, int has_bias, float* o, i64 o_off, i64 o_rs, int M, int N, int K
#define GEMV_ARGS x, x_off, x_rs, w, w_off, w_rs, bias, bias_off, bias_st, has_bias, o, o_off, o_rs, M, N, K

extern "C" __global__ void __launch_bounds__(256) gemv_f32(GEMV_PARAMS) { gemv<DT_F32>(GEMV_ARGS); }
extern "C" __global__ void __launch_bounds__(256) gemv_f16(GEMV_PARAMS) { gemv<DT_F16>(GEMV_ARGS); }
extern "C" __global__ void __launch_bounds__(256) gemv_bf16(GEMV_PARAMS) { gemv<DT_BF16>(GEMV_ARGS); }
extern "C" __global__ void __launch_bounds__(256) gemv_q8_0(GEMV_PARAMS) { gemv<DT_Q8_0>(GEMV_ARGS); }
extern "C" __global__ void __launch_bounds__(256) gemv_q4_0(GEMV_PARAMS) { gemv<DT_Q4_0>(GEMV_ARGS); }
