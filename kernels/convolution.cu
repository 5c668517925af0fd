// im2col and col2im for convolution (the layout of torch.nn.functional.unfold and fold), blocks of
// mt_block_size threads, any grid. x is (planes = N * C, height, width); cols is (planes, kernel_h, kernel_w,
// out_h, out_w): cols[p, i, j, oh, ow] = x[p, oh * stride_h + i * dilation_h - pad_top,
// ow * stride_w + j * dilation_w - pad_left], 0 where that lies in the padding. The convolution itself is a
// cuBLAS matmul over cols.

// cols from x, one thread per cols element: a copy of x's bits, or +0
template <typename T>
__device__ void mt_im2col(const T* x, T* cols, long long planes, long long height, long long width,
                          long long kernel_h, long long kernel_w, long long stride_h, long long stride_w,
                          long long pad_top, long long pad_left, long long dilation_h, long long dilation_w,
                          long long out_h, long long out_w) {
    long long n = planes * kernel_h * kernel_w * out_h * out_w;
    for (long long index = mt_first_index(); index < n; index += mt_grid_stride()) {
        long long ow = index % out_w;
        long long oh = index / out_w % out_h;
        long long j = index / (out_w * out_h) % kernel_w;
        long long i = index / (out_w * out_h * kernel_w) % kernel_h;
        long long plane = index / (out_w * out_h * kernel_w * kernel_h);
        long long h = oh * stride_h + i * dilation_h - pad_top;
        long long w = ow * stride_w + j * dilation_w - pad_left;
        T value = T();  // zero bits: +0 in every storage type
        if (h >= 0 && h < height && w >= 0 && w < width) {
            value = x[(plane * height + h) * width + w];
        }
        cols[index] = value;
    }
}

// The adjoint of im2col: one thread per input pixel sums, in (i, j) order, the cols entries read from it
// (deterministic: no atomics), in the compute type.
template <typename T>
__device__ void mt_col2im(const T* cols, T* x, long long planes, long long height, long long width,
                          long long kernel_h, long long kernel_w, long long stride_h, long long stride_w,
                          long long pad_top, long long pad_left, long long dilation_h, long long dilation_w,
                          long long out_h, long long out_w) {
    typedef mt_compute_t<T> C;
    long long n = planes * height * width;
    for (long long index = mt_first_index(); index < n; index += mt_grid_stride()) {
        long long w = index % width;
        long long h = index / width % height;
        long long plane = index / (width * height);
        C sum = 0;
        for (long long i = 0; i < kernel_h; ++i) {
            long long oh_stride = h + pad_top - i * dilation_h;  // oh * stride_h, if this row reads h
            if (oh_stride < 0 || oh_stride % stride_h != 0 || oh_stride / stride_h >= out_h) {
                continue;
            }
            for (long long j = 0; j < kernel_w; ++j) {
                long long ow_stride = w + pad_left - j * dilation_w;
                if (ow_stride < 0 || ow_stride % stride_w != 0 || ow_stride / stride_w >= out_w) {
                    continue;
                }
                long long oh = oh_stride / stride_h, ow = ow_stride / stride_w;
                sum += mt_load(cols[(((plane * kernel_h + i) * kernel_w + j) * out_h + oh) * out_w + ow]);
            }
        }
        mt_store(x + index, sum);
    }
}
