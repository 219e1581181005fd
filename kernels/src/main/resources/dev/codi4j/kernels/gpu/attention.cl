// Scaled dot-product attention in key tiles with an online softmax (FlashAttention's recurrence), so
// no (Sq x Sk) score matrix is stored. A work-group of ATT_BQ rows x ATT_LANES work-items takes ATT_BQ
// query rows of one (batch, kv head); with grouped-query attention the rows are (query head in the
// group, query position) pairs, so K/V tiles are loaded once for the whole group. Keys may be split
// over get_num_groups(2) work-groups (flash-decoding): each writes unnormalised partial results that
// attention_combine merges.
#include "common.h"

#define ATT_BQ 16
#define ATT_LANES 8
#define ATT_WG (ATT_BQ * ATT_LANES)
#define ATT_DMAX 256          // head size limit of q rows held in local memory
#define ATT_KV_LOCAL 2048     // floats of local memory for each of the K and V tiles
#define ATT_BK_MAX 64         // keys per tile at most
#define ATT_DV_LANE 32        // output features per work-item: Dv chunk <= ATT_LANES * ATT_DV_LANE

KERNEL attention(GLOBAL const uchar* q, int q_dt, i64 q_off, i64 q_sb, i64 q_sh, i64 q_ss, i64 q_sd,
                 GLOBAL const uchar* k, int k_dt, i64 k_off, i64 k_sb, i64 k_sh, i64 k_ss, i64 k_sd,
                 GLOBAL const uchar* v, int v_dt, i64 v_off, i64 v_sb, i64 v_sh, i64 v_ss, i64 v_sd,
                 GLOBAL const uchar* msk, int m_dt, int has_mask, i64 m_off, i64 m_sb, i64 m_sh, i64 m_ss, i64 m_sk,
                 GLOBAL float* o, i64 o_off, i64 o_sb, i64 o_sh, i64 o_ss, i64 o_sd,
                 GLOBAL float* part, int B, int H, int Hk, int Sq, int Sk, int D, int dv0, int dvn,
                 float scale, int causal, int bk, int keys_per_split) {
    LOCAL float qs[ATT_BQ * ATT_DMAX];
    LOCAL float ks[ATT_KV_LOCAL];
    LOCAL float vs[ATT_KV_LOCAL];
    LOCAL float ps[ATT_BQ * ATT_BK_MAX];
    LOCAL float red[ATT_WG];

    int lid = get_local_id(0);
    int r = lid / ATT_LANES, lane = lid % ATT_LANES;
    int bh = get_group_id(1);
    int bi = bh / Hk, kh = bh % Hk;
    int split = get_group_id(2), splits = get_num_groups(2);
    int G = H / Hk;
    int row = get_group_id(0) * ATT_BQ + r;
    int active = row < G * Sq;
    int hq = kh * G + (active ? row / Sq : 0);
    int qi = active ? row % Sq : 0;

    for (int e = lane; e < D; e += ATT_LANES) qs[r * ATT_DMAX + e] = active ? load_f(q, q_dt, q_off + bi * q_sb + hq * q_sh + qi * q_ss + e * q_sd) : 0.0f;

    // K and V are read in their stored dtype (an F16 KV cache stays F16): element offsets, not pointers
    i64 kb = k_off + bi * k_sb + kh * k_sh;
    i64 vb = v_off + bi * v_sb + kh * v_sh + dv0 * v_sd;
    int kbeg = split * keys_per_split;
    int kend = min(Sk, kbeg + keys_per_split);
    int last = qi + Sk - Sq; // causal: the last key this row sees

    float m_run = NEG_INF, l_run = 0.0f;
    float acc[ATT_DV_LANE];
#pragma unroll
    for (int c = 0; c < ATT_DV_LANE; c++) acc[c] = 0.0f;

    for (int kt = kbeg; kt < kend; kt += bk) {
        int nk = min(bk, kend - kt);
        BARRIER(); // the previous tile is no longer read (and qs is written before the first)
        for (int e = lid; e < nk * D; e += ATT_WG) { int j = e / D, d = e % D; ks[j * D + d] = load_f(k, k_dt, kb + (i64)(kt + j) * k_ss + d * k_sd); }
        for (int e = lid; e < nk * dvn; e += ATT_WG) { int j = e / dvn, d = e % dvn; vs[j * dvn + d] = load_f(v, v_dt, vb + (i64)(kt + j) * v_ss + d * v_sd); }
        BARRIER();
        float tmax = NEG_INF;
        for (int j = lane; j < nk; j += ATT_LANES) {
            int kj = kt + j;
            float s = NEG_INF;
            if (active && !(causal && kj > last)) {
                float a = 0.0f;
                for (int d = 0; d < D; d++) a = fmaf(qs[r * ATT_DMAX + d], ks[j * D + d], a);
                s = a * scale;
                if (has_mask) s += load_f(msk, m_dt, m_off + bi * m_sb + hq * m_sh + qi * m_ss + kj * m_sk);
            }
            ps[r * ATT_BK_MAX + j] = s;
            tmax = fmaxf(tmax, s);
        }
        red[lid] = tmax;
        BARRIER();
        float mt = NEG_INF;
        for (int l = 0; l < ATT_LANES; l++) mt = fmaxf(mt, red[r * ATT_LANES + l]);
        float m_new = fmaxf(m_run, mt);
        float lsum = 0.0f;
        for (int j = lane; j < nk; j += ATT_LANES) {
            float s = ps[r * ATT_BK_MAX + j];
            float p = s == NEG_INF ? 0.0f : expf(s - m_new);
            ps[r * ATT_BK_MAX + j] = p;
            lsum += p;
        }
        BARRIER();
        red[lid] = lsum;
        BARRIER();
        float st = 0.0f;
        for (int l = 0; l < ATT_LANES; l++) st += red[r * ATT_LANES + l];
        float alpha = m_run == NEG_INF ? 0.0f : expf(m_run - m_new);
        l_run = l_run * alpha + st;
        m_run = m_new;
#pragma unroll
        for (int c = 0; c < ATT_DV_LANE; c++) {
            int d = lane + c * ATT_LANES;
            if (d < dvn) {
                float a = acc[c] * alpha;
                for (int j = 0; j < nk; j++) a = fmaf(ps[r * ATT_BK_MAX + j], vs[j * dvn + d], a);
                acc[c] = a;
            }
        }
    }
    if (!active) return;
    if (splits == 1) {
        float inv = l_run == 0.0f ? 0.0f : 1.0f / l_run;
        GLOBAL float* orow = o + o_off + bi * o_sb + hq * o_sh + qi * o_ss;
#pragma unroll
        for (int c = 0; c < ATT_DV_LANE; c++) {
            int d = lane + c * ATT_LANES;
            if (d < dvn) orow[(dv0 + d) * o_sd] = acc[c] * inv;
        }
    } else {
        // part: per split, per (b, h, i): m, l, then dvn unnormalised outputs
        i64 rowIdx = ((i64)bi * H + hq) * Sq + qi;
        GLOBAL float* pp = part + ((i64)split * B * H * Sq + rowIdx) * (dvn + 2);
        if (lane == 0) { pp[0] = m_run; pp[1] = l_run; }
#pragma unroll
        for (int c = 0; c < ATT_DV_LANE; c++) {
            int d = lane + c * ATT_LANES;
            if (d < dvn) pp[2 + d] = acc[c];
        }
    }
}

// merges the per-split partial results: one work-item per output element
KERNEL attention_combine(i64 total, GLOBAL const float* part, int splits, int H, int Sq, int dv0, int dvn, i64 rows,
                         GLOBAL float* o, i64 o_off, i64 o_sb, i64 o_sh, i64 o_ss, i64 o_sd) {
    i64 idx = get_global_id(0);
    if (idx >= total) return;
    int d = (int)(idx % dvn);
    i64 row = idx / dvn;
    float m = NEG_INF;
    for (int s = 0; s < splits; s++) m = fmaxf(m, part[((i64)s * rows + row) * (dvn + 2)]);
    float l = 0.0f, a = 0.0f;
    if (m != NEG_INF) {
        for (int s = 0; s < splits; s++) {
            GLOBAL const float* pp = part + ((i64)s * rows + row) * (dvn + 2);
            float w = pp[0] == NEG_INF ? 0.0f : expf(pp[0] - m);
            l += pp[1] * w;
            a += pp[2 + d] * w;
        }
    }
    int qi = (int)(row % Sq);
    i64 bh = row / Sq;
    int h = (int)(bh % H);
    i64 bi = bh / H;
    o[o_off + bi * o_sb + h * o_sh + qi * o_ss + (dv0 + d) * o_sd] = l == 0.0f ? 0.0f : a / l;
}
