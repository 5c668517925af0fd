// The activations' math, written once: the CUDA kernels (elementwise.cu) and the host test build
// (tests/kernels/host_shim.cpp) use it, and minitorch/functions/activation.py registers the same formulas
// over NumPy. For each activation N: mt_N_forward(x, p0, p1) and mt_N_derivative(saved, p0, p1), `saved`
// being the output for sigmoid, tanh and relu and the input otherwise. Each gives the mathematical limit at
// ±inf and keeps NaN.
//
// No #include and no std:: here, so that NVRTC compiles it without include paths; on the host,
// <math.h> is included first.
#pragma once

#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
#define MT_HOST_DEVICE __host__ __device__
#else
#define MT_HOST_DEVICE
#endif

// ---- the math library: CUDA's precise functions on the device, <math.h> on the host ----
MT_HOST_DEVICE inline float mt_exp(float x) { return expf(x); }
MT_HOST_DEVICE inline double mt_exp(double x) { return exp(x); }
MT_HOST_DEVICE inline float mt_expm1(float x) { return expm1f(x); }
MT_HOST_DEVICE inline double mt_expm1(double x) { return expm1(x); }
MT_HOST_DEVICE inline float mt_log(float x) { return logf(x); }
MT_HOST_DEVICE inline double mt_log(double x) { return log(x); }
MT_HOST_DEVICE inline float mt_log1p(float x) { return log1pf(x); }
MT_HOST_DEVICE inline double mt_log1p(double x) { return log1p(x); }
MT_HOST_DEVICE inline float mt_erf(float x) { return erff(x); }
MT_HOST_DEVICE inline double mt_erf(double x) { return erf(x); }
MT_HOST_DEVICE inline float mt_erfc(float x) { return erfcf(x); }
MT_HOST_DEVICE inline double mt_erfc(double x) { return erfc(x); }
MT_HOST_DEVICE inline float mt_tanh(float x) { return tanhf(x); }
MT_HOST_DEVICE inline double mt_tanh(double x) { return tanh(x); }
MT_HOST_DEVICE inline float mt_sqrt(float x) { return sqrtf(x); }
MT_HOST_DEVICE inline double mt_sqrt(double x) { return sqrt(x); }
MT_HOST_DEVICE inline float mt_fabs(float x) { return fabsf(x); }
MT_HOST_DEVICE inline double mt_fabs(double x) { return fabs(x); }
MT_HOST_DEVICE inline bool mt_isfinite(float x) { return isfinite(x); }
MT_HOST_DEVICE inline bool mt_isfinite(double x) { return isfinite(x); }

template <typename T> MT_HOST_DEVICE inline bool mt_is_minus_infinity(T x) { return x < 0 && !mt_isfinite(x); }

// NaN when either is NaN, as NumPy's maximum (fmax would drop the NaN)
template <typename T> MT_HOST_DEVICE inline T mt_maximum(T a, T b) { return (a != a || a > b) ? a : b; }

// 1 / (1 + e^-x) from e^-|x|, which never overflows
template <typename T> MT_HOST_DEVICE inline T mt_sigmoid(T x) {
    T decay = mt_exp(-mt_fabs(x));
    return x >= 0 ? T(1) / (1 + decay) : decay / (1 + decay);
}

// The registry's constants, to the last bit (activation.py computes them in Python)
constexpr double mt_sqrt_half = 0.70710678118654746;      // 1 / math.sqrt(2.0)
constexpr double mt_inv_sqrt_2pi = 0.3989422804014327;     // 1 / math.sqrt(2 * math.pi)
constexpr double mt_gelu_tanh_scale = 0.79788456080286541; // math.sqrt(2 / math.pi)
constexpr double mt_gelu_tanh_cubic = 0.044715;

// ---- the activations, in the registry's order; parameters that an activation does not use are unnamed ----
template <typename T> MT_HOST_DEVICE inline T mt_step_forward(T x, T, T) {
    return x > 0 ? T(1) : (x == x ? T(0) : x);
}
template <typename T> MT_HOST_DEVICE inline T mt_step_derivative(T, T, T) { return T(0); }

template <typename T> MT_HOST_DEVICE inline T mt_identity_forward(T x, T, T) { return x; }
template <typename T> MT_HOST_DEVICE inline T mt_identity_derivative(T, T, T) { return T(1); }

template <typename T> MT_HOST_DEVICE inline T mt_sigmoid_forward(T x, T, T) { return mt_sigmoid(x); }
template <typename T> MT_HOST_DEVICE inline T mt_sigmoid_derivative(T y, T, T) { return y * (1 - y); }

template <typename T> MT_HOST_DEVICE inline T mt_tanh_forward(T x, T, T) { return mt_tanh(x); }
template <typename T> MT_HOST_DEVICE inline T mt_tanh_derivative(T y, T, T) { return 1 - y * y; }

// x < 0 rather than max(x, 0): NaN and -0.0 pass through, as PyTorch's CPU relu
template <typename T> MT_HOST_DEVICE inline T mt_relu_forward(T x, T, T) { return x < 0 ? T(0) : x; }
template <typename T> MT_HOST_DEVICE inline T mt_relu_derivative(T y, T, T) { return y <= 0 ? T(0) : T(1); }

template <typename T> MT_HOST_DEVICE inline T mt_leaky_relu_forward(T x, T slope, T) {
    return x > 0 ? x : x * slope;
}
template <typename T> MT_HOST_DEVICE inline T mt_leaky_relu_derivative(T x, T slope, T) {
    return x > 0 ? T(1) : slope;
}

template <typename T> MT_HOST_DEVICE inline T mt_elu_forward(T x, T alpha, T) {
    return x > 0 ? x : mt_expm1(x) * alpha;
}
template <typename T> MT_HOST_DEVICE inline T mt_elu_derivative(T x, T alpha, T) {
    return x <= 0 ? mt_exp(x) * alpha : T(1);
}

// Φ(x) as erfc(-x/√2) / 2, not (1 + erf(x/√2)) / 2, which cancels to 0 for x << 0 (below -5.9 in float)
template <typename T> MT_HOST_DEVICE inline T mt_gelu_forward(T x, T, T) {
    return mt_is_minus_infinity(x) ? T(0) : x * T(0.5) * mt_erfc(x * T(-mt_sqrt_half));
}
template <typename T> MT_HOST_DEVICE inline T mt_gelu_derivative(T x, T, T) {
    return T(0.5) * mt_erfc(x * T(-mt_sqrt_half))
           + (mt_isfinite(x) ? x * mt_exp(x * x * T(-0.5)) * T(mt_inv_sqrt_2pi) : T(0));
}

template <typename T> MT_HOST_DEVICE inline T mt_gelu_tanh_inner(T x) {
    return (x + x * x * x * T(mt_gelu_tanh_cubic)) * T(mt_gelu_tanh_scale);
}
template <typename T> MT_HOST_DEVICE inline T mt_gelu_tanh_forward(T x, T, T) {
    return mt_is_minus_infinity(x) ? T(0) : x * mt_sigmoid(mt_gelu_tanh_inner(x) * T(2));
}
template <typename T> MT_HOST_DEVICE inline T mt_gelu_tanh_derivative(T x, T, T) {
    T inner = mt_tanh(mt_gelu_tanh_inner(x));
    T sech_squared = 1 - inner * inner;
    T slope = sech_squared == 0 ? T(0) : x * sech_squared * (1 + x * x * T(3 * mt_gelu_tanh_cubic));
    return T(0.5) * (1 + inner) + slope * T(0.5 * mt_gelu_tanh_scale);
}

template <typename T> MT_HOST_DEVICE inline T mt_silu_forward(T x, T, T) {
    return mt_is_minus_infinity(x) ? T(0) : x * mt_sigmoid(x);
}
template <typename T> MT_HOST_DEVICE inline T mt_silu_derivative(T x, T, T) {
    T s = mt_sigmoid(x);
    return mt_isfinite(x) ? s * (1 + x * (1 - s)) : s;
}

template <typename T> MT_HOST_DEVICE inline T mt_softplus_forward(T x, T beta, T threshold) {
    return x * beta > threshold ? x : (mt_log1p(mt_exp(-mt_fabs(x * beta))) + mt_maximum(x * beta, T(0))) / beta;
}
template <typename T> MT_HOST_DEVICE inline T mt_softplus_derivative(T x, T beta, T threshold) {
    return x * beta > threshold ? T(1) : mt_sigmoid(x * beta);
}
