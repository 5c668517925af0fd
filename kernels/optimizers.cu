// Fused optimizer steps, one launch per parameter, in place: the formulas and order of operations of
// torch.optim (and of CPUBackend.sgd_update / adam_update), computed in float for half.

// SGD with momentum, dampening, weight decay, Nesterov and maximize. momentum_buffer may be NULL when
// momentum == 0; on the first step it starts as the step itself, without dampening.
template <typename T>
__device__ void mt_sgd_update(T* param, const T* grad, T* momentum_buffer, long long n, double lr, double momentum,
                              double dampening, double weight_decay, int nesterov, int first_step, int maximize) {
    typedef mt_compute_t<T> C;
    for (long long i = mt_first_index(); i < n; i += mt_grid_stride()) {
        C value = mt_load(param[i]);
        C step = maximize ? -mt_load(grad[i]) : mt_load(grad[i]);
        if (weight_decay != 0) {
            step = step + C(weight_decay) * value;
        }
        if (momentum != 0) {
            C buffer = first_step ? step : mt_load(momentum_buffer[i]) * C(momentum) + C(1 - dampening) * step;
            mt_store(momentum_buffer + i, buffer);
            step = nesterov ? step + C(momentum) * buffer : buffer;
        }
        mt_store(param + i, value - C(lr) * step);
    }
}

// Adam, or AdamW when decoupled_weight_decay; the caller gives 1 - beta1^step and sqrt(1 - beta2^step).
template <typename T>
__device__ void mt_adam_update(T* param, const T* grad, T* exp_avg, T* exp_avg_sq, long long n, double lr,
                               double beta1, double beta2, double eps, double weight_decay, double bias_correction1,
                               double bias_correction2_sqrt, int decoupled_weight_decay) {
    typedef mt_compute_t<T> C;
    for (long long i = mt_first_index(); i < n; i += mt_grid_stride()) {
        C value = mt_load(param[i]);
        C gradient = mt_load(grad[i]);
        if (weight_decay != 0) {
            if (decoupled_weight_decay) {
                value = value * C(1 - lr * weight_decay);
            } else {
                gradient = gradient + C(weight_decay) * value;
            }
        }
        C average = mt_load(exp_avg[i]);
        average = average + (gradient - average) * C(1 - beta1);
        C average_sq = mt_load(exp_avg_sq[i]) * C(beta2) + C(1 - beta2) * gradient * gradient;
        mt_store(exp_avg + i, average);
        mt_store(exp_avg_sq + i, average_sq);
        C denominator = mt_sqrt(average_sq) / C(bias_correction2_sqrt) + C(eps);
        mt_store(param + i, value - C(lr / bias_correction1) * average / denominator);
    }
}
