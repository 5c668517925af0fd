// Cross entropy of logits (rows, cols) against class indices (rows,), one block of mt_block_size threads per
// row. Rows whose target is ignore_index give 0; a target outside [0, cols) gives NaN (and is never read).

// loss[row] = log Σ e^(x - max) - (row[target] - max): the target's logit is shifted by the max before the
// difference, so that logits of ±1e4 lose no digits to cancellation. row_max and log_sum are kept apart for
// the backward.
template <typename T>
__device__ void mt_cross_entropy_forward(const T* logits, const long long* target, T* loss, T* row_max,
                                         T* log_sum, long long rows, long long cols, long long ignore_index) {
    typedef mt_compute_t<T> C;
    __shared__ C shared[mt_block_size];
    for (long long row = blockIdx.x; row < rows; row += gridDim.x) {
        mt_exp_sum<C> stats = mt_row_exp_sum(logits + row * cols, cols, shared);
        if (threadIdx.x == 0) {
            C row_log_sum = mt_log(stats.sum);
            long long label = target[row];
            C row_loss = mt_nan<C>();
            if (label == ignore_index) {
                row_loss = 0;
            } else if (label >= 0 && label < cols) {
                row_loss = row_log_sum - (mt_load(logits[row * cols + label]) - stats.max);
            }
            mt_store(row_max + row, stats.max);
            mt_store(log_sum + row, row_log_sum);
            mt_store(loss + row, row_loss);
        }
    }
}

// grad_logits = (e^((logits - max) - log_sum) - one_hot(target)) * grad_loss[row], times 0 where ignored
template <typename T>
__device__ void mt_cross_entropy_backward(const T* logits, const long long* target, const T* row_max,
                                          const T* log_sum, const T* grad_loss, T* grad_logits, long long rows,
                                          long long cols, long long ignore_index) {
    typedef mt_compute_t<T> C;
    for (long long row = blockIdx.x; row < rows; row += gridDim.x) {
        long long label = target[row];
        C scale = mt_nan<C>();
        if (label == ignore_index) {
            scale = 0;
        } else if (label >= 0 && label < cols) {
            scale = mt_load(grad_loss[row]);
        }
        C shift = mt_load(row_max[row]);
        C row_log_sum = mt_load(log_sum[row]);
        for (long long j = threadIdx.x; j < cols; j += blockDim.x) {
            C probability = mt_exp((mt_load(logits[row * cols + j]) - shift) - row_log_sum);
            mt_store(grad_logits + row * cols + j, (j == label ? probability - 1 : probability) * scale);
        }
    }
}
