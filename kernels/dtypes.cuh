// The storage types of the kernels and how they load and store: half (float16 bits, computed in float),
// float and double; on the host (tests/kernels' build, without __CUDA_ARCH__) half converts through the
// emulation's functions. Also the launch shape every kernel assumes: blocks of mt_block_size threads.

// float16 as its 16 bits, converted by PTX instructions (no cuda_fp16.h, so NVRTC needs no include path)
struct mt_half {
    unsigned short bits;
};

template <typename T> struct mt_compute_type { typedef T type; };
template <> struct mt_compute_type<mt_half> { typedef float type; };
template <typename T> using mt_compute_t = typename mt_compute_type<T>::type;

#if defined(__CUDA_ARCH__)
__device__ inline float mt_load(mt_half value) {
    float result;
    asm("cvt.f32.f16 %0, %1;" : "=f"(result) : "h"(value.bits));
    return result;
}
#else  // the host build of tests/kernels, whose tests/kernels/host_cuda/cuda_host.h converts the same way
inline float mt_load(mt_half value) { return mt_host::half_to_float(value.bits); }
#endif
__device__ inline float mt_load(float value) { return value; }
__device__ inline double mt_load(double value) { return value; }

// to the nearest float16, ties to even (as NumPy's astype); overflow gives ±inf, NaN stays NaN
#if defined(__CUDA_ARCH__)
__device__ inline void mt_store(mt_half* target, float value) {
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(target->bits) : "f"(value));
}
#else
inline void mt_store(mt_half* target, float value) { target->bits = mt_host::float_to_half(value); }
#endif
__device__ inline void mt_store(float* target, float value) { *target = value; }
__device__ inline void mt_store(double* target, double value) { *target = value; }

template <typename C> __device__ inline C mt_infinity();
template <> __device__ inline float mt_infinity<float>() { return __int_as_float(0x7f800000); }
template <> __device__ inline double mt_infinity<double>() { return __longlong_as_double(0x7ff0000000000000LL); }

template <typename C> __device__ inline C mt_nan();
template <> __device__ inline float mt_nan<float>() { return __int_as_float(0x7fc00000); }
template <> __device__ inline double mt_nan<double>() { return __longlong_as_double(0x7ff8000000000000LL); }

constexpr int mt_block_size = 256;

// Elementwise kernels loop with a stride of the whole grid, so any grid size covers any n.
__device__ inline long long mt_first_index() { return blockIdx.x * (long long)blockDim.x + threadIdx.x; }
__device__ inline long long mt_grid_stride() { return (long long)gridDim.x * blockDim.x; }
