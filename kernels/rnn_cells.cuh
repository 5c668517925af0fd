// The LSTM and GRU cells' math for one element (n, j) of the state, written once: the cell kernels (rnn.cu)
// compile it, the host build of tests/kernels runs it, and minitorch/backends/cpu_rnn.py computes the same
// formulas with NumPy. C is the compute type (float for half). The formulas and the order of the gates are
// PyTorch's (LSTM: i, f, g, o; GRU: r, z, n with b_hn inside the reset product). Uses activations.cuh's
// mt_sigmoid and mt_tanh, so it keeps NaN and saturates without overflow.
#pragma once

template <typename C> struct mt_lstm_gates {
    C i, f, g, o;
};

template <typename C> struct mt_gru_gates {
    C r, z, n;
};

// The activated gates [i | f | g | o] of the pre-activations; then c = f c_prev + i g and h = o tanh(c).
template <typename C> MT_HOST_DEVICE inline mt_lstm_gates<C> mt_lstm_activate(mt_lstm_gates<C> pre) {
    return {mt_sigmoid(pre.i), mt_sigmoid(pre.f), mt_tanh(pre.g), mt_sigmoid(pre.o)};
}
template <typename C> MT_HOST_DEVICE inline C mt_lstm_cell(mt_lstm_gates<C> gate, C c_prev) {
    return gate.f * c_prev + gate.i * gate.g;
}
template <typename C> MT_HOST_DEVICE inline C mt_lstm_hidden(mt_lstm_gates<C> gate, C c) {
    return gate.o * mt_tanh(c);
}

// The gradient of the pre-activations [di i(1-i) | df f(1-f) | dg (1-g²) | do o(1-o)] from grad_h and grad_c,
// with dc = grad_c + grad_h o (1 - tanh²(c)); *grad_c_prev = dc f.
template <typename C>
MT_HOST_DEVICE inline mt_lstm_gates<C> mt_lstm_backward(C grad_h, C grad_c, mt_lstm_gates<C> gate, C c_prev, C c,
                                                        C* grad_c_prev) {
    C tanh_c = mt_tanh(c);
    C dc = grad_c + grad_h * gate.o * (1 - tanh_c * tanh_c);
    *grad_c_prev = dc * gate.f;
    return {dc * gate.g * (gate.i * (1 - gate.i)), dc * c_prev * (gate.f * (1 - gate.f)),
            dc * gate.i * (1 - gate.g * gate.g), grad_h * tanh_c * (gate.o * (1 - gate.o))};
}

// The activated gates [r | z | n]: r = σ(xr + hr), z = σ(xz + hz), n = tanh(xn + r hn); then
// h = (1 - z) n + z h_prev.
template <typename C>
MT_HOST_DEVICE inline mt_gru_gates<C> mt_gru_activate(mt_gru_gates<C> input, mt_gru_gates<C> hidden) {
    C r = mt_sigmoid(input.r + hidden.r);
    return {r, mt_sigmoid(input.z + hidden.z), mt_tanh(input.n + r * hidden.n)};
}
template <typename C> MT_HOST_DEVICE inline C mt_gru_hidden(mt_gru_gates<C> gate, C h_prev) {
    return (1 - gate.z) * gate.n + gate.z * h_prev;
}

// The gradient of the input gates' pre-activations [dr_pre | dz_pre | dn_pre] from grad_h; the hidden gates'
// is the same but for its n block, *grad_hidden_n = dn_pre r (hn sits inside the reset product), and
// *grad_h_prev = grad_h z is the part of h_prev's gradient that does not pass through W_hh.
template <typename C>
MT_HOST_DEVICE inline mt_gru_gates<C> mt_gru_backward(C grad_h, mt_gru_gates<C> gate, C hidden_n, C h_prev,
                                                      C* grad_hidden_n, C* grad_h_prev) {
    C dn_pre = grad_h * (1 - gate.z) * (1 - gate.n * gate.n);
    C dz_pre = grad_h * (h_prev - gate.n) * (gate.z * (1 - gate.z));
    *grad_hidden_n = dn_pre * gate.r;
    *grad_h_prev = grad_h * gate.z;
    return {dn_pre * hidden_n * (gate.r * (1 - gate.r)), dz_pre, dn_pre};
}
