// OpenCL C 1.2 dialect of the codi4j GPU kernels: maps the shared macros onto OpenCL.
// Kernels are written once (see ../gpu/*.cl); CUDA gets the same names from ../cuda/prelude.cuh.
#define CODI4J_OPENCL 1
#pragma OPENCL FP_CONTRACT OFF

typedef long i64;
typedef char schar;

#define KERNEL __kernel void
#define FN
#define GLOBAL __global
#define LOCAL __local
#define LOCALP __local
#define RESTRICT restrict
#define BARRIER() barrier(CLK_LOCAL_MEM_FENCE)

// IEEE half loads/stores through the core vload_half/vstore_half_rte (no cl_khr_fp16 needed)
#define LD_F16(p, i) vload_half((size_t)(i), (GLOBAL const half*)(p))
#define ST_F16(p, i, v) vstore_half_rte((v), (size_t)(i), (GLOBAL half*)(p))

// the shared code uses the C99 float names; OpenCL overloads the plain ones
#define expf exp
#define logf log
#define sqrtf sqrt
#define rsqrtf rsqrt
#define tanhf tanh
#define erff erf
#define sinf sin
#define cosf cos
#define powf pow
#define fabsf fabs
#define floorf floor
#define fmaxf fmax
#define fminf fmin
#define fmaf fma
