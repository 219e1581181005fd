// Shared definitions of the codi4j GPU kernels (OpenCL C and CUDA C through the dialect preludes).
// Element loads and stores follow dev.codi4j.tensor.Elements and Numerics exactly: the Java
// reference is the specification, including rounding and saturation.

// dtype codes: dev.codi4j.tensor.DType ordinals (checked by KernelSourcesTest)
#define DT_F32 0
#define DT_F16 1
#define DT_BF16 2
#define DT_I8 3
#define DT_U8 4
#define DT_BOOL 5
#define DT_I32 6
#define DT_I64 7
#define DT_Q8_0 8
#define DT_Q4_0 9

// UnaryOp ordinals
#define OP_GELU 0
#define OP_GELU_TANH 1
#define OP_QUICK_GELU 2
#define OP_SILU 3
#define OP_RELU 4
#define OP_SIGMOID 5
#define OP_TANH 6
#define OP_EXP 7
#define OP_LOG 8
#define OP_SQRT 9
#define OP_RSQRT 10
#define OP_NEG 11
#define OP_ABS 12
#define OP_SQUARE 13
#define OP_SIN 14
#define OP_COS 15
#define OP_RECIPROCAL 16

// BinaryOp ordinals
#define BOP_ADD 0
#define BOP_SUB 1
#define BOP_MUL 2
#define BOP_DIV 3
#define BOP_MAX 4
#define BOP_MIN 5
#define BOP_POW 6

// ReduceOp ordinals
#define ROP_SUM 0
#define ROP_MEAN 1
#define ROP_MAX 2
#define ROP_MIN 3

#define POS_INF as_float(0x7f800000u)
#define NEG_INF as_float(0xff800000u)
#define QNAN as_float(0x7fc00000u)

// ---- scalar conversions ---------------------------------------------------------------------

FN float bf16_to_f32(ushort b) { return as_float(((uint)b) << 16); }

// Numerics.f32ToBf16: round to nearest even, NaN stays a quiet NaN of the same sign
FN ushort f32_to_bf16(float f) {
    uint bits = as_uint(f);
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return (ushort)((bits >> 16) | 0x40u);
    return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}

// Float.float16ToFloat. OpenCL's vload_half keeps NaN payloads; PTX's cvt is not documented to, so
// CUDA rebuilds a NaN the way Java does (the branch is never taken for numbers)
FN float load_f16(GLOBAL const ushort* p, i64 i) {
#ifdef CODI4J_CUDA
    uint h = p[i];
    if ((h & 0x7c00u) == 0x7c00u && (h & 0x3ffu) != 0u) return as_float(((h & 0x8000u) << 16) | 0x7f800000u | ((h & 0x3ffu) << 13));
#endif
    return LD_F16(p, i);
}

// Float.floatToFloat16: the hardware's round-to-nearest-even, except NaNs, whose sign and payload
// bits Java keeps in a documented way that conversion instructions do not follow
FN void store_f16(GLOBAL ushort* p, i64 i, float v) {
    if (v != v) {
        uint b = as_uint(v);
        p[i] = (ushort)(((b >> 16) & 0x8000u) | 0x7c00u | ((b & 0x007fe000u) >> 13) | ((b & 0x00001ff0u) >> 4) | (b & 0x0000000fu));
    } else {
        ST_F16(p, i, v);
    }
}

// Java's Math.round(float) (ties toward +inf), then clamped, as Elements.saturate does
FN int java_round_clamp(float v, int lo, int hi) {
    if (v != v) return 0;
    float r = floorf(v);
    if (v - r >= 0.5f) r += 1.0f;
    if (r <= (float)lo) return lo;
    if (r >= (float)hi) return hi;
    return (int)r;
}

// Java's (int) cast of a float: NaN -> 0, saturating
FN int java_f2i(float v) {
    if (v != v) return 0;
    if (v >= 2147483648.0f) return 2147483647;
    if (v <= -2147483648.0f) return (int)0x80000000u;
    return (int)v;
}

// Java's (long) cast of a float
FN i64 java_f2l(float v) {
    if (v != v) return 0;
    if (v >= 9223372036854775808.0f) return (i64)0x7FFFFFFFFFFFFFFF;
    if (v <= -9223372036854775808.0f) return -(i64)0x7FFFFFFFFFFFFFFF - 1;
    return (i64)v;
}

// ---- element access by dtype ------------------------------------------------------------------
// p is the start of the buffer, i an element index (block types: 32 elements per block)

FN float load_f(GLOBAL const uchar* p, int dt, i64 i) {
    switch (dt) {
    case DT_F32: return ((GLOBAL const float*)p)[i];
    case DT_F16: return load_f16((GLOBAL const ushort*)p, i);
    case DT_BF16: return bf16_to_f32(((GLOBAL const ushort*)p)[i]);
    case DT_I8: return (float)((GLOBAL const schar*)p)[i];
    case DT_U8: case DT_BOOL: return (float)p[i];
    case DT_I32: return (float)((GLOBAL const int*)p)[i];
    case DT_I64: return (float)((GLOBAL const i64*)p)[i];
    case DT_Q8_0: {
        GLOBAL const uchar* b = p + (i >> 5) * 34;
        return LD_F16((GLOBAL const ushort*)b, 0) * (float)((GLOBAL const schar*)b)[2 + (int)(i & 31)];
    }
    case DT_Q4_0: {
        GLOBAL const uchar* b = p + (i >> 5) * 18;
        int j = (int)(i & 31);
        int q = b[2 + (j & 15)];
        int nib = j < 16 ? (q & 15) : (q >> 4);
        return LD_F16((GLOBAL const ushort*)b, 0) * (float)(nib - 8);
    }
    default: return QNAN;
    }
}

// Elements.getLong: integers exact, floats truncated like Java's (long) cast
FN i64 load_l(GLOBAL const uchar* p, int dt, i64 i) {
    switch (dt) {
    case DT_I32: return ((GLOBAL const int*)p)[i];
    case DT_I64: return ((GLOBAL const i64*)p)[i];
    case DT_I8: return ((GLOBAL const schar*)p)[i];
    case DT_U8: case DT_BOOL: return p[i];
    default: return java_f2l(load_f(p, dt, i));
    }
}

// Elements.set (block types are written by the quantize kernel, never per element)
FN void store_f(GLOBAL uchar* p, int dt, i64 i, float v) {
    switch (dt) {
    case DT_F32: ((GLOBAL float*)p)[i] = v; break;
    case DT_F16: store_f16((GLOBAL ushort*)p, i, v); break;
    case DT_BF16: ((GLOBAL ushort*)p)[i] = f32_to_bf16(v); break;
    case DT_I8: ((GLOBAL schar*)p)[i] = (schar)java_round_clamp(v, -128, 127); break;
    case DT_U8: p[i] = (uchar)java_round_clamp(v, 0, 255); break;
    case DT_BOOL: p[i] = (uchar)(v != 0.0f ? 1 : 0); break;
    case DT_I32: ((GLOBAL int*)p)[i] = java_f2i(v); break;
    case DT_I64: ((GLOBAL i64*)p)[i] = java_f2l(v); break;
    default: break;
    }
}

// Elements.setLong: integer dtypes wrap like Java's narrowing casts
FN void store_l(GLOBAL uchar* p, int dt, i64 i, i64 v) {
    switch (dt) {
    case DT_I32: ((GLOBAL int*)p)[i] = (int)v; break;
    case DT_I64: ((GLOBAL i64*)p)[i] = v; break;
    case DT_I8: case DT_U8: case DT_BOOL: p[i] = (uchar)(v & 255); break;
    default: store_f(p, dt, i, (float)v); break;
    }
}

// ---- element-wise functions (float; the reference computes in double) -------------------------

FN float apply_unary(int op, float x) {
    switch (op) {
    case OP_GELU: return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
    case OP_GELU_TANH: return 0.5f * x * (1.0f + tanhf(0.79788456080286536f * (x + 0.044715f * x * x * x)));
    case OP_QUICK_GELU: return x / (1.0f + expf(-1.702f * x));
    case OP_SILU: return x / (1.0f + expf(-x));
    case OP_RELU: return x > 0.0f ? x : (x != x ? x : 0.0f);
    case OP_SIGMOID: return 1.0f / (1.0f + expf(-x));
    case OP_TANH: return tanhf(x);
    case OP_EXP: return expf(x);
    case OP_LOG: return logf(x);
    case OP_SQRT: return sqrtf(x);
    case OP_RSQRT: return 1.0f / sqrtf(x);
    case OP_NEG: return -x;
    case OP_ABS: return fabsf(x);
    case OP_SQUARE: return x * x;
    case OP_SIN: return sinf(x);
    case OP_COS: return cosf(x);
    case OP_RECIPROCAL: return 1.0f / x;
    default: return QNAN;
    }
}

FN float apply_binary(int op, float a, float b) {
    switch (op) {
    case BOP_ADD: return a + b;
    case BOP_SUB: return a - b;
    case BOP_MUL: return a * b;
    case BOP_DIV: return a / b;
    case BOP_MAX: return (a != a || b != b) ? QNAN : fmaxf(a, b); // Math.max propagates NaN
    case BOP_MIN: return (a != a || b != b) ? QNAN : fminf(a, b);
    case BOP_POW: return powf(a, b);
    default: return QNAN;
    }
}

// ---- strided layouts of up to 6 dimensions ----------------------------------------------------
// The host collapses dimensions that are contiguous in every tensor of an op, so most calls arrive
// as one dimension; n0 is outermost and padded with 1s.

#define SHAPE6 int n0, int n1, int n2, int n3, int n4, int n5
#define VIEW6(p) GLOBAL uchar* p, int p##_dt, i64 p##_off, i64 p##_s0, i64 p##_s1, i64 p##_s2, i64 p##_s3, i64 p##_s4, i64 p##_s5
#define CVIEW6(p) GLOBAL const uchar* p, int p##_dt, i64 p##_off, i64 p##_s0, i64 p##_s1, i64 p##_s2, i64 p##_s3, i64 p##_s4, i64 p##_s5

// multi-index c0..c5 of flat (row-major) index idx
#define INDEX6(idx) \
    int c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5; \
    if ((i64)n5 == total) { c5 = (int)(idx); } else { \
        i64 r_ = (idx); c5 = (int)(r_ % n5); r_ /= n5; c4 = (int)(r_ % n4); r_ /= n4; c3 = (int)(r_ % n3); r_ /= n3; \
        c2 = (int)(r_ % n2); r_ /= n2; c1 = (int)(r_ % n1); c0 = (int)(r_ / n1); }

#define OFF6(p) (p##_off + c0 * p##_s0 + c1 * p##_s1 + c2 * p##_s2 + c3 * p##_s3 + c4 * p##_s4 + c5 * p##_s5)

// ---- work-group reductions over get_local_size(0) = a power of two work-items -------------------

FN float wg_sum(LOCALP float* red, float v) {
    int lid = get_local_id(0), n = get_local_size(0);
    red[lid] = v;
    BARRIER();
    for (int s = n >> 1; s > 0; s >>= 1) {
        if (lid < s) red[lid] += red[lid + s];
        BARRIER();
    }
    float r = red[0];
    BARRIER();
    return r;
}

FN float wg_max(LOCALP float* red, float v) {
    int lid = get_local_id(0), n = get_local_size(0);
    red[lid] = v;
    BARRIER();
    for (int s = n >> 1; s > 0; s >>= 1) {
        if (lid < s) red[lid] = fmaxf(red[lid], red[lid + s]);
        BARRIER();
    }
    float r = red[0];
    BARRIER();
    return r;
}

FN float wg_min(LOCALP float* red, float v) {
    int lid = get_local_id(0), n = get_local_size(0);
    red[lid] = v;
    BARRIER();
    for (int s = n >> 1; s > 0; s >>= 1) {
        if (lid < s) red[lid] = fminf(red[lid], red[lid + s]);
        BARRIER();
    }
    float r = red[0];
    BARRIER();
    return r;
}
