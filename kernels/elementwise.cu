// The activation kernels. minitorch/backends/cuda_kernels.py makes, for every registered activation N and
// storage type, the extern "C" kernels N_forward_DT, N_backward_DT and N_bias_forward_DT, each calling one
// template below with N's function pair from activations.cuh. Blocks of mt_block_size threads, any grid.

template <typename C> using mt_activation_function = C (*)(C, C, C);

// y = f(x)
template <typename T, mt_activation_function<mt_compute_t<T>> forward>
__device__ void mt_activation_forward(const T* x, T* y, long long n, double p0, double p1) {
    typedef mt_compute_t<T> C;
    for (long long i = mt_first_index(); i < n; i += mt_grid_stride()) {
        mt_store(y + i, forward(mt_load(x[i]), C(p0), C(p1)));
    }
}

// grad_input = grad_output * f'(saved), saved being the input or (sigmoid, tanh) the output
template <typename T, mt_activation_function<mt_compute_t<T>> derivative>
__device__ void mt_activation_backward(const T* grad_output, const T* saved, T* grad_input, long long n, double p0,
                                       double p1) {
    typedef mt_compute_t<T> C;
    for (long long i = mt_first_index(); i < n; i += mt_grid_stride()) {
        mt_store(grad_input + i, mt_load(grad_output[i]) * derivative(mt_load(saved[i]), C(p0), C(p1)));
    }
}

// pre_activation = x + bias (bias along the last dim, of size features), y = f(pre_activation): Linear's
// bias and activation in one pass. pre_activation may be NULL (not written) when the backward needs only y.
template <typename T, mt_activation_function<mt_compute_t<T>> forward>
__device__ void mt_bias_activation_forward(const T* x, const T* bias, T* pre_activation, T* y, long long n,
                                           long long features, double p0, double p1) {
    typedef mt_compute_t<T> C;
    for (long long i = mt_first_index(); i < n; i += mt_grid_stride()) {
        T z;  // rounded to the storage type first, as x + bias then f(...) would be
        mt_store(&z, mt_load(x[i]) + mt_load(bias[i % features]));
        if (pre_activation != nullptr) {
            pre_activation[i] = z;
        }
        mt_store(y + i, forward(mt_load(z), C(p0), C(p1)));
    }
}
