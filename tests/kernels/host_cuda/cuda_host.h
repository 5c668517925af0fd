// The CUDA thread model on the host, just what kernels/ uses, so that g++ builds the kernels themselves
// (kernel_source(), not a re-implementation) and tests/kernels/host_runtime.py launches them on NumPy buffers.
//
// - __global__, __device__ and __host__ mean nothing here; __shared__ is a static variable: one copy per
//   block, since the blocks of a grid run one after another.
// - Each CUDA thread of a block is a fiber (ucontext) on the launching OS thread; blockIdx, threadIdx,
//   blockDim and gridDim are set for the fiber that runs.
// - __syncthreads() is a real barrier: a fiber that reaches it waits until every thread of its block has,
//   and a block some of whose threads return while others wait fails the launch (undefined on a GPU).
//   Between barriers the threads run in turn, forwards in one phase and backwards in the next (odd blocks
//   the other way round), so that a race on shared memory (a read not separated from another thread's
//   write by a barrier) shows in some block.
// - A memory fault in a kernel (a NULL or wild pointer) fails the launch, as cudaErrorIllegalAddress does,
//   instead of killing the process: SIGSEGV and SIGBUS jump back to the launch, on a signal stack of
//   their own, and the previous handlers are put back afterwards.
// - __int_as_float and friends, and float16 conversion with round-to-nearest-even (kernels/dtypes.cuh's
//   PTX cvt instructions on the device) through GCC's _Float16.
//
// Included first (g++ -include), before kernel_source(); build with precise math (no -ffast-math).
#pragma once

#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

#include <functional>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __shared__ static thread_local

struct uint3 {
    unsigned int x, y, z;
};
typedef uint3 dim3;

inline thread_local uint3 threadIdx, blockIdx;
inline thread_local dim3 blockDim, gridDim;

namespace mt_host {

constexpr unsigned int max_threads_per_block = 1024;  // CUDA's limit
constexpr size_t fiber_stack_bytes = 64 * 1024;

struct Fiber {
    ucontext_t context;
    std::vector<char> stack = std::vector<char>(fiber_stack_bytes);
    bool returned = false;
    bool waiting = false;  // at __syncthreads()
};

struct Block {
    ucontext_t scheduler;
    std::vector<Fiber> fibers;
    unsigned int running = 0;
    const std::function<void()>* kernel = nullptr;
};

inline thread_local Block block;
inline thread_local char error[512];
inline thread_local sigjmp_buf fault_return;
inline thread_local void* fault_address;
inline thread_local std::vector<char> signal_stack(64 * 1024);

inline void on_fault(int, siginfo_t* info, void*) {
    fault_address = info->si_addr;
    siglongjmp(fault_return, 1);
}

// Memory faults go to on_fault while it lives; the previous handlers and signal stack come back after.
struct FaultTrap {
    struct sigaction previous_segv, previous_bus;
    stack_t previous_stack;

    FaultTrap() {
        stack_t stack = {};
        stack.ss_sp = signal_stack.data();
        stack.ss_size = signal_stack.size();
        sigaltstack(&stack, &previous_stack);
        struct sigaction action = {};
        action.sa_sigaction = on_fault;
        action.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigemptyset(&action.sa_mask);
        sigaction(SIGSEGV, &action, &previous_segv);
        sigaction(SIGBUS, &action, &previous_bus);
    }
    ~FaultTrap() {
        sigaction(SIGSEGV, &previous_segv, nullptr);
        sigaction(SIGBUS, &previous_bus, nullptr);
        sigaltstack(&previous_stack, nullptr);
    }
};

inline void fiber_main() {
    (*block.kernel)();
    block.fibers[block.running].returned = true;
}  // and uc_link resumes the scheduler

inline void syncthreads() {
    Fiber& self = block.fibers[block.running];
    self.waiting = true;
    swapcontext(&self.context, &block.scheduler);
}

// Runs block `index` of the grid: every thread to its end, barrier by barrier. False (and error) on divergence.
inline bool run_block(unsigned int index) {
    unsigned int threads = blockDim.x;
    blockIdx = {index, 0, 0};
    for (unsigned int t = 0; t < threads; ++t) {
        Fiber& fiber = block.fibers[t];
        getcontext(&fiber.context);
        fiber.context.uc_stack.ss_sp = fiber.stack.data();
        fiber.context.uc_stack.ss_size = fiber.stack.size();
        fiber.context.uc_link = &block.scheduler;
        makecontext(&fiber.context, fiber_main, 0);
        fiber.returned = fiber.waiting = false;
    }
    for (unsigned int phase = 0;; ++phase) {
        unsigned int returned = 0;
        for (unsigned int k = 0; k < threads; ++k) {
            unsigned int t = (phase + index) % 2 == 0 ? k : threads - 1 - k;  // odd blocks start backwards
            Fiber& fiber = block.fibers[t];
            if (!fiber.returned) {
                fiber.waiting = false;
                block.running = t;
                threadIdx = {t, 0, 0};
                swapcontext(&block.scheduler, &fiber.context);
            }
            returned += fiber.returned;
        }
        if (returned == threads) {
            return true;
        }
        if (returned != 0) {
            snprintf(error, sizeof error, "block %u: %u of %u threads returned while the others wait at "
                     "__syncthreads() (phase %u)", index, returned, threads, phase);
            return false;
        }
    }
}

// A launch of grid x block threads running kernel (the extern "C" kernel called with its arguments).
// 0 on success; 1 with error set.
inline int launch(unsigned int grid, unsigned int threads, const std::function<void()>& kernel) {
    error[0] = '\0';
    if (grid == 0 || threads == 0 || threads > max_threads_per_block) {
        snprintf(error, sizeof error, "invalid launch: grid %u, block %u (CUDA: grid >= 1, 1 <= block <= %u)",
                 grid, threads, max_threads_per_block);
        return 1;
    }
    gridDim = {grid, 1, 1};
    blockDim = {threads, 1, 1};
    if (block.fibers.size() < threads) {
        block.fibers.resize(threads);
    }
    block.kernel = &kernel;
    FaultTrap trap;
    if (sigsetjmp(fault_return, 1) != 0) {  // a fault in a kernel thread (or the scheduler) came back here
        snprintf(error, sizeof error, "illegal memory access at address %p by thread %u of block %u",
                 fault_address, threadIdx.x, blockIdx.x);
        return 1;
    }
    for (unsigned int index = 0; index < grid; ++index) {
        if (!run_block(index)) {
            return 1;
        }
    }
    return 0;
}

inline float half_to_float(unsigned short bits) {
    _Float16 half;
    memcpy(&half, &bits, sizeof bits);
    return (float)half;
}

inline unsigned short float_to_half(float value) {
    _Float16 half = (_Float16)value;  // round to nearest even; overflow to ±inf; NaN stays NaN
    unsigned short bits;
    memcpy(&bits, &half, sizeof bits);
    return bits;
}

}  // namespace mt_host

inline void __syncthreads() { mt_host::syncthreads(); }

inline float __int_as_float(int bits) {
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

inline double __longlong_as_double(long long bits) {
    double value;
    memcpy(&value, &bits, sizeof value);
    return value;
}
