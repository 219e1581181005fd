// CUDA C++ dialect of the codi4j GPU kernels (compiled by NVRTC at run time, or nvcc for checks):
// maps the shared macros and the OpenCL built-ins the kernels use onto CUDA. Needs no header.
#define CODI4J_CUDA 1

typedef unsigned int uint;
typedef unsigned short ushort;
typedef unsigned char uchar;
typedef signed char schar;
typedef long long i64;

#define KERNEL extern "C" __global__ void
#define FN __device__ __forceinline__
#define GLOBAL
#define LOCAL __shared__
#define LOCALP
#define RESTRICT __restrict__
#define BARRIER() __syncthreads()

__device__ __forceinline__ uint get_local_id(int d) { return d == 0 ? threadIdx.x : d == 1 ? threadIdx.y : threadIdx.z; }
__device__ __forceinline__ uint get_group_id(int d) { return d == 0 ? blockIdx.x : d == 1 ? blockIdx.y : blockIdx.z; }
__device__ __forceinline__ uint get_local_size(int d) { return d == 0 ? blockDim.x : d == 1 ? blockDim.y : blockDim.z; }
__device__ __forceinline__ uint get_num_groups(int d) { return d == 0 ? gridDim.x : d == 1 ? gridDim.y : gridDim.z; }
__device__ __forceinline__ size_t get_global_id(int d) { return (size_t)get_group_id(d) * get_local_size(d) + get_local_id(d); }

#define as_float(x) __uint_as_float((uint)(x))
#define as_uint(x) __float_as_uint(x)

// hardware conversions (one cvt each); .rn is round-to-nearest-even like Java's Float.floatToFloat16
__device__ __forceinline__ float codi4j_f16_to_f32(ushort h) { float f; asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h)); return f; }
__device__ __forceinline__ ushort codi4j_f32_to_f16(float f) { ushort h; asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f)); return h; }
#define LD_F16(p, i) codi4j_f16_to_f32(((const ushort*)(p))[i])
#define ST_F16(p, i, v) (((ushort*)(p))[i] = codi4j_f32_to_f16(v))
