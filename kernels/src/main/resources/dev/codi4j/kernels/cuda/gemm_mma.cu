// Prefill / UNet GEMM on tensor cores (sm_80+): out (M, N) = x (M, K) . w (N, K)^T + bias with x F32
// and w F16, through mma.sync.m16n8k16 (f16 inputs, f32 accumulation). A 128-thread block computes a
// 64x64 tile, each of its 4 warps 32x32 (2 x 4 mma tiles), staging 64x32 slices of x (converted to
// f16) and of w in shared memory.
//
// split = 1 ("f16x2", the default): x = hi + lo with hi = f16(x), lo = f16(x - hi), and both halves
// are multiplied, so the result keeps ~22 bits of x like a float GEMM (w is exactly f16 already).
// split = 0 ("f16"): x rounded to f16 once, as PyTorch's half-precision inference does.
// Limit: |x| beyond 65504 overflows f16; the host uses the SIMT GEMM when codi4j.cuda.tensorCores=off.
//
// Fragment layouts are those of the PTX ISA for mma.m16n8k16 .f16 (g = lane / 4, t = lane % 4):
//   A (16x16, row): a0 = A[g][2t..2t+1], a1 = A[g+8][2t..], a2 = A[g][2t+8..], a3 = A[g+8][2t+8..]
//   B (16x8, col):  b0 = B[2t..2t+1][g], b1 = B[2t+8..2t+9][g]
//   C (16x8):       c0, c1 = C[g][2t..2t+1], c2, c3 = C[g+8][2t..2t+1]
// NOT VERIFIED ON HARDWARE (compiled with nvcc in the tests only).
#include "common.h"

#define MMA_BM 64
#define MMA_BN 64
#define MMA_BK 32
#define MMA_LD (MMA_BK + 8)   // padded row (halves): rows start 16 bytes apart in different banks

__device__ __forceinline__ void mma_16816(float* c, const uint* a, const uint* b) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

__device__ __forceinline__ uint ld_pair(const ushort* p) { return *(const uint*)p; }

extern "C" __global__ void __launch_bounds__(128) linear_f16_mma(
        const float* __restrict__ x, i64 x_off, i64 x_rs, const ushort* __restrict__ w, i64 w_off, i64 w_rs,
        const float* bias, i64 bias_off, i64 bias_st, int has_bias, float* o, i64 o_off, i64 o_rs,
        int M, int N, int K, int split) {
    __shared__ __align__(16) ushort as_hi[MMA_BM * MMA_LD];
    __shared__ __align__(16) ushort as_lo[MMA_BM * MMA_LD];
    __shared__ __align__(16) ushort bs[MMA_BN * MMA_LD];
    int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    int g = lane >> 2, t = lane & 3;
    int wm = (warp >> 1) * 32, wn = (warp & 1) * 32;
    int m0 = blockIdx.y * MMA_BM, n0 = blockIdx.x * MMA_BN;
    float acc[2][4][4];
#pragma unroll
    for (int i = 0; i < 2; i++)
#pragma unroll
        for (int j = 0; j < 4; j++)
#pragma unroll
            for (int r = 0; r < 4; r++) acc[i][j][r] = 0.0f;

    for (int k0 = 0; k0 < K; k0 += MMA_BK) {
        for (int e = tid; e < MMA_BM * MMA_BK; e += 128) {
            int r = e / MMA_BK, c = e % MMA_BK, gm = m0 + r, gk = k0 + c;
            float v = (gm < M && gk < K) ? x[x_off + gm * x_rs + gk] : 0.0f;
            ushort hi = codi4j_f32_to_f16(v);
            as_hi[r * MMA_LD + c] = hi;
            as_lo[r * MMA_LD + c] = split ? codi4j_f32_to_f16(v - codi4j_f16_to_f32(hi)) : (ushort)0;
        }
        for (int e = tid; e < MMA_BN * MMA_BK; e += 128) {
            int r = e / MMA_BK, c = e % MMA_BK, gn = n0 + r, gk = k0 + c;
            bs[r * MMA_LD + c] = (gn < N && gk < K) ? w[w_off + gn * w_rs + gk] : (ushort)0;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < MMA_BK; kk += 16) {
            uint a[2][4], al[2][4], b[4][2];
#pragma unroll
            for (int mi = 0; mi < 2; mi++) {
                int r0 = (wm + mi * 16 + g) * MMA_LD + kk + 2 * t, r1 = r0 + 8 * MMA_LD;
                a[mi][0] = ld_pair(as_hi + r0); a[mi][1] = ld_pair(as_hi + r1); a[mi][2] = ld_pair(as_hi + r0 + 8); a[mi][3] = ld_pair(as_hi + r1 + 8);
                al[mi][0] = ld_pair(as_lo + r0); al[mi][1] = ld_pair(as_lo + r1); al[mi][2] = ld_pair(as_lo + r0 + 8); al[mi][3] = ld_pair(as_lo + r1 + 8);
            }
#pragma unroll
            for (int ni = 0; ni < 4; ni++) {
                int c0 = (wn + ni * 8 + g) * MMA_LD + kk + 2 * t;
                b[ni][0] = ld_pair(bs + c0);
                b[ni][1] = ld_pair(bs + c0 + 8);
            }
#pragma unroll
            for (int mi = 0; mi < 2; mi++)
#pragma unroll
                for (int ni = 0; ni < 4; ni++) {
                    mma_16816(acc[mi][ni], a[mi], b[ni]);
                    if (split) mma_16816(acc[mi][ni], al[mi], b[ni]);
                }
        }
        __syncthreads();
    }
#pragma unroll
    for (int mi = 0; mi < 2; mi++)
#pragma unroll
        for (int ni = 0; ni < 4; ni++)
#pragma unroll
            for (int r = 0; r < 4; r++) {
                int m = m0 + wm + mi * 16 + g + (r >= 2 ? 8 : 0);
                int n = n0 + wn + ni * 8 + 2 * t + (r & 1);
                if (m < M && n < N) o[o_off + m * o_rs + n] = acc[mi][ni][r] + (has_bias ? bias[bias_off + n * bias_st] : 0.0f);
            }
}
