// Max and average pooling over x of (planes = N * C, height, width) into (planes, out_h, out_w), blocks of
// mt_block_size threads, any grid, with PyTorch's windows: window (oh, ow) starts at
// (oh * stride_h - pad_h, ow * stride_w - pad_w); the padding is never read.

// One thread per output: the window's maximum, computed in the compute type and copied from x, and its flat
// index h * width + w in the plane. The first maximum in row-major window order wins; a NaN is taken
// wherever it is (as in PyTorch, a later NaN replaces an earlier one).
template <typename T>
__device__ void mt_max_pool2d_forward(const T* x, T* y, long long* indices, long long planes, long long height,
                                      long long width, long long kernel_h, long long kernel_w, long long stride_h,
                                      long long stride_w, long long pad_h, long long pad_w, long long dilation_h,
                                      long long dilation_w, long long out_h, long long out_w) {
    typedef mt_compute_t<T> C;
    long long n = planes * out_h * out_w;
    for (long long index = mt_first_index(); index < n; index += mt_grid_stride()) {
        long long ow = index % out_w;
        long long oh = index / out_w % out_h;
        const T* plane = x + index / (out_w * out_h) * height * width;
        bool found = false;  // false only for a window entirely in the padding
        long long best_index = -1;
        C best = -mt_infinity<C>();
        for (long long i = 0; i < kernel_h; ++i) {
            long long h = oh * stride_h - pad_h + i * dilation_h;
            if (h < 0 || h >= height) {
                continue;
            }
            for (long long j = 0; j < kernel_w; ++j) {
                long long w = ow * stride_w - pad_w + j * dilation_w;
                if (w < 0 || w >= width) {
                    continue;
                }
                C value = mt_load(plane[h * width + w]);
                if (!found || value > best || value != value) {
                    found = true;
                    best = value;
                    best_index = h * width + w;
                }
            }
        }
        if (found) {
            y[index] = plane[best_index];
        } else {  // a window entirely in the padding (the callers' geometry never makes one)
            mt_store(y + index, -mt_infinity<C>());
        }
        indices[index] = best_index;
    }
}

// One thread per plane walks its outputs in row-major order, adding each grad onto the input pixel its saved
// index names: deterministic, no atomics, the order the CPU sums overlapping windows in. Indices outside the
// plane are skipped.
template <typename T>
__device__ void mt_max_pool2d_backward(const T* grad_output, const long long* indices, T* grad_input,
                                       long long planes, long long plane_size, long long outputs_per_plane) {
    typedef mt_compute_t<T> C;
    for (long long plane = mt_first_index(); plane < planes; plane += mt_grid_stride()) {
        T* target = grad_input + plane * plane_size;
        for (long long k = 0; k < plane_size; ++k) {
            mt_store(target + k, C(0));
        }
        for (long long k = plane * outputs_per_plane; k < (plane + 1) * outputs_per_plane; ++k) {
            long long pixel = indices[k];
            if (pixel >= 0 && pixel < plane_size) {
                mt_store(target + pixel, mt_load(target[pixel]) + mt_load(grad_output[k]));
            }
        }
    }
}

// PyTorch's divisor of window (oh, ow) and its rows [*h_start, *h_end) and columns [*w_start, *w_end) inside
// x: the window is cut at height + pad_h (width + pad_w) to count the padding, then at x's edges.
// divisor_override 0 means none (PyTorch refuses 0).
__device__ inline long long mt_avg_pool2d_window(long long oh, long long ow, long long height, long long width,
                                                 long long kernel_h, long long kernel_w, long long stride_h,
                                                 long long stride_w, long long pad_h, long long pad_w,
                                                 int count_include_pad, long long divisor_override,
                                                 long long* h_start, long long* h_end, long long* w_start,
                                                 long long* w_end) {
    long long h0 = oh * stride_h - pad_h, w0 = ow * stride_w - pad_w;
    long long h1 = h0 + kernel_h < height + pad_h ? h0 + kernel_h : height + pad_h;
    long long w1 = w0 + kernel_w < width + pad_w ? w0 + kernel_w : width + pad_w;
    long long pool_size = (h1 - h0) * (w1 - w0);
    *h_start = h0 > 0 ? h0 : 0;
    *w_start = w0 > 0 ? w0 : 0;
    *h_end = h1 < height ? h1 : height;
    *w_end = w1 < width ? w1 : width;
    if (divisor_override != 0) {
        return divisor_override;
    }
    return count_include_pad ? pool_size : (*h_end - *h_start) * (*w_end - *w_start);
}

// One thread per output: the window's sum in the compute type, divided by PyTorch's divisor.
template <typename T>
__device__ void mt_avg_pool2d_forward(const T* x, T* y, long long planes, long long height, long long width,
                                      long long kernel_h, long long kernel_w, long long stride_h, long long stride_w,
                                      long long pad_h, long long pad_w, long long out_h, long long out_w,
                                      int count_include_pad, long long divisor_override) {
    typedef mt_compute_t<T> C;
    long long n = planes * out_h * out_w;
    for (long long index = mt_first_index(); index < n; index += mt_grid_stride()) {
        long long ow = index % out_w;
        long long oh = index / out_w % out_h;
        const T* plane = x + index / (out_w * out_h) * height * width;
        long long h_start, h_end, w_start, w_end;
        long long divisor = mt_avg_pool2d_window(oh, ow, height, width, kernel_h, kernel_w, stride_h, stride_w,
                                                 pad_h, pad_w, count_include_pad, divisor_override, &h_start, &h_end,
                                                 &w_start, &w_end);
        C sum = 0;
        for (long long h = h_start; h < h_end; ++h) {
            for (long long w = w_start; w < w_end; ++w) {
                sum += mt_load(plane[h * width + w]);
            }
        }
        mt_store(y + index, sum / C(divisor));
    }
}

// The adjoint: one thread per input pixel sums grad / divisor over the windows that contain it, in row-major
// window order (deterministic, no atomics).
template <typename T>
__device__ void mt_avg_pool2d_backward(const T* grad_output, T* grad_input, long long planes, long long height,
                                       long long width, long long kernel_h, long long kernel_w, long long stride_h,
                                       long long stride_w, long long pad_h, long long pad_w, long long out_h,
                                       long long out_w, int count_include_pad, long long divisor_override) {
    typedef mt_compute_t<T> C;
    long long n = planes * height * width;
    for (long long index = mt_first_index(); index < n; index += mt_grid_stride()) {
        long long w = index % width;
        long long h = index / width % height;
        const T* grad_plane = grad_output + index / (width * height) * out_h * out_w;
        // windows oh with oh * stride_h - pad_h <= h < oh * stride_h - pad_h + kernel_h, likewise ow
        long long oh_first = h + pad_h - kernel_h + 1 > 0 ? (h + pad_h - kernel_h + 1 + stride_h - 1) / stride_h : 0;
        long long oh_last = (h + pad_h) / stride_h < out_h - 1 ? (h + pad_h) / stride_h : out_h - 1;
        long long ow_first = w + pad_w - kernel_w + 1 > 0 ? (w + pad_w - kernel_w + 1 + stride_w - 1) / stride_w : 0;
        long long ow_last = (w + pad_w) / stride_w < out_w - 1 ? (w + pad_w) / stride_w : out_w - 1;
        C sum = 0;
        for (long long oh = oh_first; oh <= oh_last; ++oh) {
            for (long long ow = ow_first; ow <= ow_last; ++ow) {
                long long h_start, h_end, w_start, w_end;
                long long divisor = mt_avg_pool2d_window(oh, ow, height, width, kernel_h, kernel_w, stride_h,
                                                         stride_w, pad_h, pad_w, count_include_pad, divisor_override,
                                                         &h_start, &h_end, &w_start, &w_end);
                sum += mt_load(grad_plane[oh * out_w + ow]) / C(divisor);
            }
        }
        mt_store(grad_input + index, sum);
    }
}
