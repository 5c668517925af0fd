// kernels/activations.cuh built for the host, for tests/kernels: for each activation N that the command line
// lists as MT_ACTIVATIONS(X) = X(step) X(identity) ... (from the registry), loops over arrays exported as
// N_forward_float, N_forward_double, N_derivative_float and N_derivative_double, taking the parameters as
// double and converting them to the array's type, as the kernels do.
#include <math.h>

#include "activations.cuh"

template <typename T> using activation_function = T (*)(T, T, T);

template <typename T, activation_function<T> function>
void apply(const T* input, T* output, long long n, double p0, double p1) {
    for (long long i = 0; i < n; ++i) {
        output[i] = function(input[i], T(p0), T(p1));
    }
}

#define MT_EXPORT(name, T)                                                                              \
    extern "C" void name##_forward_##T(const T* x, T* y, long long n, double p0, double p1) {          \
        apply<T, mt_##name##_forward<T>>(x, y, n, p0, p1);                                              \
    }                                                                                                   \
    extern "C" void name##_derivative_##T(const T* saved, T* derivative, long long n, double p0, double p1) { \
        apply<T, mt_##name##_derivative<T>>(saved, derivative, n, p0, p1);                              \
    }
#define MT_EXPORT_FLOAT_AND_DOUBLE(name) MT_EXPORT(name, float) MT_EXPORT(name, double)

MT_ACTIVATIONS(MT_EXPORT_FLOAT_AND_DOUBLE)
