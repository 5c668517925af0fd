// Row-wise softmax and log_softmax over the last dim of a contiguous (rows, cols) array: one block of
// mt_block_size threads per row (rows beyond the grid are taken in turn), reductions in shared memory,
// computed and accumulated in float for half. cross_entropy.cu reuses mt_row_exp_sum.

struct mt_maximum_op {
    template <typename C> __device__ C operator()(C a, C b) const { return mt_maximum(a, b); }
};
struct mt_sum_op {
    template <typename C> __device__ C operator()(C a, C b) const { return a + b; }
};

// Combines one value per thread of the block; every thread gets the result.
template <typename C, typename Combine>
__device__ C mt_block_reduce(C value, C* shared, Combine combine) {
    shared[threadIdx.x] = value;
    __syncthreads();
    for (unsigned int stride = blockDim.x / 2; stride > 0; stride /= 2) {
        if (threadIdx.x < stride) {
            shared[threadIdx.x] = combine(shared[threadIdx.x], shared[threadIdx.x + stride]);
        }
        __syncthreads();
    }
    C result = shared[0];
    __syncthreads();  // before the next reduction overwrites shared
    return result;
}

template <typename C> struct mt_exp_sum {
    C max;  // NaN if the row holds a NaN, as NumPy's max
    C sum;  // Σ e^(x - max)
};

template <typename T>
__device__ mt_exp_sum<mt_compute_t<T>> mt_row_exp_sum(const T* row, long long cols, mt_compute_t<T>* shared) {
    typedef mt_compute_t<T> C;
    C thread_max = -mt_infinity<C>();
    for (long long j = threadIdx.x; j < cols; j += blockDim.x) {
        thread_max = mt_maximum(thread_max, mt_load(row[j]));
    }
    C row_max = mt_block_reduce(thread_max, shared, mt_maximum_op());
    C thread_sum = 0;
    for (long long j = threadIdx.x; j < cols; j += blockDim.x) {
        thread_sum += mt_exp(mt_load(row[j]) - row_max);
    }
    return {row_max, mt_block_reduce(thread_sum, shared, mt_sum_op())};
}

// y = e^(x - max) / Σ e^(x - max), or with log: y = (x - max) - log Σ e^(x - max)
template <typename T, bool log>
__device__ void mt_softmax_forward(const T* x, T* y, long long rows, long long cols) {
    typedef mt_compute_t<T> C;
    __shared__ C shared[mt_block_size];
    for (long long row = blockIdx.x; row < rows; row += gridDim.x) {
        mt_exp_sum<C> stats = mt_row_exp_sum(x + row * cols, cols, shared);
        C log_sum = mt_log(stats.sum);
        for (long long j = threadIdx.x; j < cols; j += blockDim.x) {
            C shifted = mt_load(x[row * cols + j]) - stats.max;
            mt_store(y + row * cols + j, log ? shifted - log_sum : mt_exp(shifted) / stats.sum);
        }
    }
}
