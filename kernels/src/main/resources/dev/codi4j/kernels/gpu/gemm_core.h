// Tiled GEMM body shared by matmul, linear and conv: C (M x N) = A (M x K) . B (K x N), accumulated
// in float with fma. A work-group of 16x16 work-items computes a 64x64 tile of C, 4x4 outputs each,
// staging 64x16 slices of A and 16x64 slices of B in local memory.
//
// The includer defines, before #include:
//   GEMM_NAME            kernel name
//   GEMM_PARAMS          the kernel's parameters; they must provide int M, N, K, a_kfast, b_kfast
//   GEMM_SETUP           statements run first (per-batch offsets from get_group_id(2))
//   LOAD_A(m, k)         A element (m < M, k < K guaranteed)
//   LOAD_B(k, n)         B element (k < K, n < N guaranteed)
//   STORE_C(m, n, v)     writes one result
// a_kfast / b_kfast say whether consecutive k are adjacent in memory for A / B, which picks the
// order in which the work-group loads the tiles (so that neighbouring work-items read neighbouring
// addresses).

#ifndef GEMM_TM
#define GEMM_TM 64
#define GEMM_TN 64
#define GEMM_TK 16
#endif

KERNEL GEMM_NAME(GEMM_PARAMS) {
    LOCAL float As[GEMM_TK][GEMM_TM];
    LOCAL float Bs[GEMM_TK][GEMM_TN];
    int tx = get_local_id(0), ty = get_local_id(1);
    int tid = ty * 16 + tx;
    int m0 = get_group_id(1) * GEMM_TM, n0 = get_group_id(0) * GEMM_TN;
    GEMM_SETUP
    float acc[4][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;
    for (int k0 = 0; k0 < K; k0 += GEMM_TK) {
        for (int e = tid; e < GEMM_TM * GEMM_TK; e += 256) {
            int kk, mm;
            if (a_kfast) { kk = e % GEMM_TK; mm = e / GEMM_TK; } else { mm = e % GEMM_TM; kk = e / GEMM_TM; }
            int gm = m0 + mm, gk = k0 + kk;
            As[kk][mm] = (gm < M && gk < K) ? LOAD_A(gm, gk) : 0.0f;
        }
        for (int e = tid; e < GEMM_TN * GEMM_TK; e += 256) {
            int kk, nn;
            if (b_kfast) { kk = e % GEMM_TK; nn = e / GEMM_TK; } else { nn = e % GEMM_TN; kk = e / GEMM_TN; }
            int gn = n0 + nn, gk = k0 + kk;
            Bs[kk][nn] = (gn < N && gk < K) ? LOAD_B(gk, gn) : 0.0f;
        }
        BARRIER();
#pragma unroll
        for (int kk = 0; kk < GEMM_TK; kk++) {
            float a[4], b[4];
#pragma unroll
            for (int i = 0; i < 4; i++) a[i] = As[kk][ty + 16 * i];
#pragma unroll
            for (int j = 0; j < 4; j++) b[j] = Bs[kk][tx + 16 * j];
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        BARRIER();
    }
#pragma unroll
    for (int i = 0; i < 4; i++) {
        int m = m0 + ty + 16 * i;
        if (m >= M) continue;
        for (int j = 0; j < 4; j++) {
            int n = n0 + tx + 16 * j;
            if (n < N) STORE_C(m, n, acc[i][j]);
        }
    }
}
