// The fused cell updates of nn.LSTM and nn.GRU, one time step each: one thread per element (n, j) of the
// (batch, hidden) state, looping with the grid's stride, the math rnn_cells.cuh's (in float for half). The
// gate arrays are (batch, k * hidden), k column blocks of width hidden in PyTorch's order: element (n, j) of
// block b is column b * hidden + j of row n. The caller computes the pre-activations with matmuls.

// Where block b of element e = n * hidden + j lies in a (batch, blocks * hidden) gate array.
__device__ inline long long mt_gate_offset(long long e, long long hidden, int blocks) {
    return (e / hidden) * blocks * hidden + e % hidden;
}

// gates (batch, 4 hidden) and c_prev -> h, c and activated = [i | f | g | o] (batch, 4 hidden)
template <typename T>
__device__ void mt_lstm_cell_forward(const T* gates, const T* c_prev, T* h, T* c, T* activated, long long batch,
                                     long long hidden) {
    typedef mt_compute_t<T> C;
    for (long long e = mt_first_index(); e < batch * hidden; e += mt_grid_stride()) {
        long long at = mt_gate_offset(e, hidden, 4);
        mt_lstm_gates<C> pre = {mt_load(gates[at]), mt_load(gates[at + hidden]), mt_load(gates[at + 2 * hidden]),
                                mt_load(gates[at + 3 * hidden])};
        mt_lstm_gates<C> gate = mt_lstm_activate(pre);
        C cell = mt_lstm_cell(gate, mt_load(c_prev[e]));
        mt_store(c + e, cell);
        mt_store(h + e, mt_lstm_hidden(gate, cell));
        mt_store(activated + at, gate.i);
        mt_store(activated + at + hidden, gate.f);
        mt_store(activated + at + 2 * hidden, gate.g);
        mt_store(activated + at + 3 * hidden, gate.o);
    }
}

// grad_h, grad_c, activated, c_prev, c -> grad_gates (batch, 4 hidden) and grad_c_prev
template <typename T>
__device__ void mt_lstm_cell_backward(const T* grad_h, const T* grad_c, const T* activated, const T* c_prev,
                                      const T* c, T* grad_gates, T* grad_c_prev, long long batch, long long hidden) {
    typedef mt_compute_t<T> C;
    for (long long e = mt_first_index(); e < batch * hidden; e += mt_grid_stride()) {
        long long at = mt_gate_offset(e, hidden, 4);
        mt_lstm_gates<C> gate = {mt_load(activated[at]), mt_load(activated[at + hidden]),
                                 mt_load(activated[at + 2 * hidden]), mt_load(activated[at + 3 * hidden])};
        C grad_cell;
        mt_lstm_gates<C> grad = mt_lstm_backward(mt_load(grad_h[e]), mt_load(grad_c[e]), gate, mt_load(c_prev[e]),
                                                 mt_load(c[e]), &grad_cell);
        mt_store(grad_c_prev + e, grad_cell);
        mt_store(grad_gates + at, grad.i);
        mt_store(grad_gates + at + hidden, grad.f);
        mt_store(grad_gates + at + 2 * hidden, grad.g);
        mt_store(grad_gates + at + 3 * hidden, grad.o);
    }
}

// input_gates, hidden_gates (batch, 3 hidden) and h_prev -> h and activated = [r | z | n] (batch, 3 hidden)
template <typename T>
__device__ void mt_gru_cell_forward(const T* input_gates, const T* hidden_gates, const T* h_prev, T* h,
                                    T* activated, long long batch, long long hidden) {
    typedef mt_compute_t<T> C;
    for (long long e = mt_first_index(); e < batch * hidden; e += mt_grid_stride()) {
        long long at = mt_gate_offset(e, hidden, 3);
        mt_gru_gates<C> input = {mt_load(input_gates[at]), mt_load(input_gates[at + hidden]),
                                 mt_load(input_gates[at + 2 * hidden])};
        mt_gru_gates<C> recurrent = {mt_load(hidden_gates[at]), mt_load(hidden_gates[at + hidden]),
                                     mt_load(hidden_gates[at + 2 * hidden])};
        mt_gru_gates<C> gate = mt_gru_activate(input, recurrent);
        mt_store(h + e, mt_gru_hidden(gate, mt_load(h_prev[e])));
        mt_store(activated + at, gate.r);
        mt_store(activated + at + hidden, gate.z);
        mt_store(activated + at + 2 * hidden, gate.n);
    }
}

// grad_h, activated, hidden_gates, h_prev -> grad_input_gates, grad_hidden_gates (batch, 3 hidden), grad_h_prev
template <typename T>
__device__ void mt_gru_cell_backward(const T* grad_h, const T* activated, const T* hidden_gates, const T* h_prev,
                                     T* grad_input_gates, T* grad_hidden_gates, T* grad_h_prev, long long batch,
                                     long long hidden) {
    typedef mt_compute_t<T> C;
    for (long long e = mt_first_index(); e < batch * hidden; e += mt_grid_stride()) {
        long long at = mt_gate_offset(e, hidden, 3);
        mt_gru_gates<C> gate = {mt_load(activated[at]), mt_load(activated[at + hidden]),
                                mt_load(activated[at + 2 * hidden])};
        C grad_hidden_n, grad_previous;
        mt_gru_gates<C> grad = mt_gru_backward(mt_load(grad_h[e]), gate, mt_load(hidden_gates[at + 2 * hidden]),
                                               mt_load(h_prev[e]), &grad_hidden_n, &grad_previous);
        mt_store(grad_h_prev + e, grad_previous);
        mt_store(grad_input_gates + at, grad.r);
        mt_store(grad_input_gates + at + hidden, grad.z);
        mt_store(grad_input_gates + at + 2 * hidden, grad.n);
        mt_store(grad_hidden_gates + at, grad.r);
        mt_store(grad_hidden_gates + at + hidden, grad.z);
        mt_store(grad_hidden_gates + at + 2 * hidden, grad_hidden_n);
    }
}
