// Kernels that test the emulation itself (tests/kernels/test_host_emulation.py), not part of minitorch.

// out[b * n + t] = shared[(t + 1) % n] after every thread t of block b wrote shared[t] = 1000 * b + t
extern "C" __global__ void exchange_after_barrier(float* out) {
    __shared__ float shared[1024];
    shared[threadIdx.x] = 1000.0f * blockIdx.x + threadIdx.x;
    __syncthreads();
    out[blockIdx.x * blockDim.x + threadIdx.x] = shared[(threadIdx.x + 1) % blockDim.x];
}

// the same without the barrier: a race
extern "C" __global__ void exchange_without_barrier(float* out) {
    __shared__ float shared[1024];
    shared[threadIdx.x] = 1000.0f * blockIdx.x + threadIdx.x;
    out[blockIdx.x * blockDim.x + threadIdx.x] = shared[(threadIdx.x + 1) % blockDim.x];
}

// thread 0 returns early while the others wait at the barrier: undefined on a GPU
extern "C" __global__ void divergent_barrier(float* out) {
    if (threadIdx.x == 0) {
        return;
    }
    __syncthreads();
    out[threadIdx.x] = 1.0f;
}

// out[4 * i + k] for global thread i: blockIdx.x, threadIdx.x, blockDim.x, gridDim.x
extern "C" __global__ void launch_shape(long long* out, int scale, double offset) {
    long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    out[4 * i] = blockIdx.x * scale + (long long)offset;
    out[4 * i + 1] = threadIdx.x;
    out[4 * i + 2] = blockDim.x;
    out[4 * i + 3] = gridDim.x;
}

// writes n elements: an n larger than out's writes past its end
extern "C" __global__ void fill(float* out, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        out[i] = 1.0f;
    }
}

// reads through a NULL pointer
extern "C" __global__ void read_through_null(float* out, const float* momentum_buffer) {
    out[threadIdx.x] = momentum_buffer[threadIdx.x];
}
