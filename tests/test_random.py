"""Random numbers: the distributions (moments, ranges, uniqueness without replacement), seeding, Generator's
streams and state, the argument forms and PyTorch's errors. Same seed, same numbers within minitorch (not
PyTorch's numbers: its streams are its own)."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt
from minitorch import backends, nn

N = 200_000  # draws for the moment checks: a mean is then within 5 standard errors at 5 / √N ≈ 0.011 σ


def arr(tensor: mt.Tensor) -> np.ndarray:
    return tensor.numpy()


@pytest.fixture(autouse=True)
def seeded() -> None:
    mt.manual_seed(1234)


def assert_moments(values: np.ndarray, mean: float, std: float) -> None:
    values = values.astype(np.float64)
    assert abs(values.mean() - mean) < 5 * std / np.sqrt(values.size)
    assert abs(values.std() - std) < 0.02 * std


# ---- distributions ----
def test_rand_is_uniform_on_zero_one() -> None:
    values = arr(mt.rand(N))
    assert values.min() >= 0 and values.max() < 1
    assert_moments(values, 0.5, np.sqrt(1 / 12))


@pytest.mark.parametrize("dtype", [mt.float16, mt.float32, mt.float64])
def test_randn_is_standard_normal_in_its_dtype(dtype) -> None:
    values = mt.randn(N, dtype=dtype)
    assert values.dtype is dtype
    assert_moments(arr(values), 0.0, 1.0)


def test_randint_covers_its_range_and_nothing_else() -> None:
    values = arr(mt.randint(-3, 4, (N,)))
    assert values.dtype == np.int64
    counts = np.bincount(values + 3)
    assert len(counts) == 7 and (abs(counts - N / 7) < 5 * np.sqrt(N / 7)).all()


def test_randperm_is_a_permutation_of_int64_by_default() -> None:
    values = mt.randperm(1000)
    assert values.dtype is mt.int64
    assert sorted(arr(values).tolist()) == list(range(1000))
    assert arr(values).tolist() != list(range(1000))
    assert mt.randperm(5, dtype=mt.float32).dtype is mt.float32
    assert mt.randperm(0).shape == (0,)


def test_randperm_puts_every_value_everywhere_equally_often() -> None:
    first = np.array([arr(mt.randperm(4))[0] for _ in range(4000)])
    assert (abs(np.bincount(first) - 1000) < 5 * np.sqrt(1000)).all()


def test_normal_with_numbers_and_a_size() -> None:
    values = mt.normal(2.0, 3.0, (N,))
    assert values.dtype is mt.float32 and values.shape == (N,)
    assert_moments(arr(values), 2.0, 3.0)
    assert mt.normal(0.0, 1.0, size=(2, 3), dtype=mt.float64).dtype is mt.float64


def test_normal_with_tensor_mean_and_std_broadcasts() -> None:
    mean = mt.tensor([[-10.0], [10.0]])
    std = mt.tensor([1.0, 2.0, 0.0])
    values = arr(mt.normal(mean, std))
    assert values.shape == (2, 3)
    draws = np.stack([arr(mt.normal(mean, std)) for _ in range(4000)])
    np.testing.assert_allclose(draws.mean(0), [[-10] * 3, [10] * 3], atol=5 * 2 / np.sqrt(4000))
    np.testing.assert_allclose(draws.std(0), [[1, 2, 0], [1, 2, 0]], atol=0.1)


def test_normal_with_one_tensor_parameter_takes_its_shape_and_dtype() -> None:
    mean = mt.full((N,), 5.0, dtype=mt.float64)
    values = mt.normal(mean, 0.5)
    assert values.dtype is mt.float64
    assert_moments(arr(values), 5.0, 0.5)
    std = mt.full((N,), 2.0)
    assert_moments(arr(mt.normal(-1.0, std)), -1.0, 2.0)


def test_bernoulli_takes_probabilities_from_the_tensor_or_p() -> None:
    probabilities = mt.tensor([0.0, 0.2, 0.9, 1.0]).expand(N // 4, 4)
    draws = arr(mt.bernoulli(probabilities))
    assert set(np.unique(draws)) <= {0.0, 1.0}
    np.testing.assert_allclose(draws.mean(0), [0, 0.2, 0.9, 1], atol=5 * 0.5 / np.sqrt(N / 4))
    with_p = mt.bernoulli(mt.zeros(N, dtype=mt.float64), p=0.3)
    assert with_p.dtype is mt.float64 and abs(arr(with_p).mean() - 0.3) < 0.01
    assert mt.bernoulli(mt.zeros(3, dtype=mt.int64), p=0.5).dtype is mt.int64


def test_multinomial_with_replacement_follows_the_weights() -> None:
    weights = mt.tensor([1.0, 0.0, 3.0, 4.0])
    draws = arr(mt.multinomial(weights, N, replacement=True))
    assert draws.shape == (N,) and draws.dtype == np.int64
    expected = np.array([1, 0, 3, 4]) / 8 * N
    assert (abs(np.bincount(draws, minlength=4) - expected) <= 5 * np.sqrt(expected) + 1e-9).all()


def test_multinomial_2d_draws_one_distribution_per_row() -> None:
    weights = mt.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]])
    assert arr(mt.multinomial(weights, 5, True)).tolist() == [[0] * 5, [2] * 5]
    assert mt.multinomial(mt.ones(0, 3), 2).shape == (0, 2)


def test_multinomial_without_replacement_never_repeats_an_index() -> None:
    draws = arr(mt.multinomial(mt.rand(500, 10) + 0.01, 10))
    assert (np.sort(draws, axis=1) == np.arange(10)).all()
    assert sorted(arr(mt.multinomial(mt.tensor([0.0, 2.0, 0.0, 1.0]), 2)).tolist()) == [1, 3]


def test_multinomial_without_replacement_picks_heavier_weights_first() -> None:
    weights = mt.tensor([1.0, 2.0, 7.0]).expand(20_000, 3)
    first = arr(mt.multinomial(weights, 2))[:, 0]
    np.testing.assert_allclose(np.bincount(first) / 20_000, [0.1, 0.2, 0.7], atol=0.015)


def test_uniform_and_normal_fill_in_place() -> None:
    x = mt.empty(N)
    assert x.uniform_(-2, 6) is x
    values = arr(x)
    assert values.min() >= -2 and values.max() < 6
    assert_moments(values, 2.0, 8 / np.sqrt(12))
    assert_moments(arr(x.normal_(1.0, 0.5)), 1.0, 0.5)
    assert_moments(arr(x.uniform_()), 0.5, np.sqrt(1 / 12))


def test_random_fills_integers_of_its_ranges() -> None:
    x = mt.empty(N)
    assert set(np.unique(arr(x.random_(5)))) == {0, 1, 2, 3, 4}
    assert set(np.unique(arr(x.random_(2, 5)))) == {2, 3, 4}
    assert set(np.unique(arr(x.random_(to=3)))) == {0, 1, 2}
    assert set(np.unique(arr(x.random_(1, to=3)))) == {1, 2}
    assert set(np.unique(arr(x.random_(**{"from": -2, "to": 0})))) == {-2, -1}
    default = arr(x.random_())
    assert default.min() >= 0 and default.max() <= 2 ** 24 and default.max() > 2 ** 23  # exact float32 integers
    ints = arr(mt.zeros(N, dtype=mt.int32).random_())
    assert ints.dtype == np.int32 and ints.min() >= 0 and ints.max() > 2 ** 30
    assert set(np.unique(arr(mt.zeros(100, dtype=mt.bool).random_()))) == {False, True}


# ---- seeding and generators ----
def test_manual_seed_repeats_every_random_function() -> None:
    def draw_all() -> list:
        return [arr(f()) for f in (lambda: mt.rand(3), lambda: mt.randn(3), lambda: mt.randint(9, (3,)),
                                   lambda: mt.randperm(5), lambda: mt.normal(0.0, 1.0, (3,)),
                                   lambda: mt.bernoulli(mt.full((6,), 0.5)), lambda: mt.multinomial(mt.ones(5), 3),
                                   lambda: mt.empty(3).uniform_(), lambda: mt.empty(3).random_(100))]
    mt.manual_seed(7)
    first = draw_all()
    mt.manual_seed(7)
    for a, b in zip(first, draw_all()):
        np.testing.assert_array_equal(a, b)
    mt.manual_seed(8)
    assert not np.array_equal(first[0], arr(mt.rand(3)))


def test_manual_seed_returns_the_default_generator_and_sets_initial_seed() -> None:
    assert mt.manual_seed(42) is mt.default_generator
    assert mt.initial_seed() == 42 == mt.default_generator.initial_seed()
    assert mt.manual_seed(-1).initial_seed() == 2 ** 64 - 1  # negatives wrap around, as PyTorch


def test_seed_reseeds_from_entropy_and_reports_it() -> None:
    new_seed = mt.seed()
    assert mt.initial_seed() == new_seed
    values = arr(mt.rand(4))
    mt.manual_seed(new_seed)
    np.testing.assert_array_equal(arr(mt.rand(4)), values)
    assert mt.seed() != new_seed


def test_generator_seeds_repeat_and_differ() -> None:
    g = mt.Generator()
    assert g.manual_seed(3) is g and g.initial_seed() == 3 and g.device == mt.device("cpu")
    first = arr(mt.randn(5, generator=g))
    np.testing.assert_array_equal(arr(mt.randn(5, generator=mt.Generator().manual_seed(3))), first)
    assert not np.array_equal(arr(mt.randn(5, generator=mt.Generator().manual_seed(4))), first)
    fresh = g.seed()
    assert g.initial_seed() == fresh
    again = mt.Generator().manual_seed(fresh)
    np.testing.assert_array_equal(arr(mt.rand(3, generator=g)), arr(mt.rand(3, generator=again)))


RANDOM_CALLS = {
    "rand": lambda g: mt.rand(3, generator=g), "randn": lambda g: mt.randn(2, 2, generator=g),
    "randint": lambda g: mt.randint(5, (3,), generator=g), "randperm": lambda g: mt.randperm(6, generator=g),
    "rand_like": lambda g: mt.rand_like(mt.zeros(3), generator=g),
    "randn_like": lambda g: mt.randn_like(mt.zeros(3), generator=g),
    "randint_like": lambda g: mt.randint_like(mt.zeros(3), 2, 9, generator=g),
    "normal": lambda g: mt.normal(mt.zeros(3), 1.0, generator=g),
    "normal_numbers": lambda g: mt.normal(0.0, 1.0, (3,), generator=g),
    "bernoulli": lambda g: mt.bernoulli(mt.full((8,), 0.5), generator=g),
    "bernoulli_p": lambda g: mt.bernoulli(mt.zeros(8), 0.5, generator=g),
    "multinomial": lambda g: mt.multinomial(mt.ones(6), 3, generator=g),
    "multinomial_replacement": lambda g: mt.multinomial(mt.ones(2, 6), 4, True, generator=g),
    "uniform_": lambda g: mt.empty(3).uniform_(0, 1, generator=g),
    "normal_": lambda g: mt.empty(3).normal_(generator=g),
    "random_": lambda g: mt.empty(3).random_(50, generator=g),
    "init.uniform_": lambda g: nn.init.uniform_(mt.empty(3), generator=g),
    "init.kaiming_normal_": lambda g: nn.init.kaiming_normal_(mt.empty(3, 4), generator=g),
}


@pytest.mark.parametrize("name", list(RANDOM_CALLS))
def test_a_generator_alone_decides_the_numbers_and_leaves_the_global_stream_alone(name) -> None:
    call = RANDOM_CALLS[name]
    mt.manual_seed(0)
    expected_global = arr(mt.rand(4))
    mt.manual_seed(0)
    first = arr(call(mt.Generator().manual_seed(11)))
    np.testing.assert_array_equal(arr(mt.rand(4)), expected_global)
    mt.manual_seed(99)  # another global seed: the generator's numbers stay
    np.testing.assert_array_equal(arr(call(mt.Generator().manual_seed(11))), first)


@pytest.mark.parametrize("name", list(RANDOM_CALLS))
def test_the_default_generator_is_the_global_stream(name) -> None:
    call = RANDOM_CALLS[name]
    mt.manual_seed(5)
    through_default = arr(call(mt.default_generator))
    mt.manual_seed(5)
    np.testing.assert_array_equal(arr(call(None)), through_default)


def test_state_round_trip() -> None:
    g = mt.Generator().manual_seed(21)
    mt.randn(7, generator=g)
    state = g.get_state()
    assert state.dtype is mt.uint8 and state.device == mt.device("cpu") and state.ndim == 1
    after = arr(mt.randn(10, generator=g))
    other = mt.Generator().set_state(state)
    assert other.initial_seed() == 21  # the state carries the initial seed, as PyTorch's
    np.testing.assert_array_equal(arr(mt.randn(10, generator=other)), after)
    g.set_state(state)
    np.testing.assert_array_equal(arr(mt.randn(10, generator=g)), after)
    np.testing.assert_array_equal(arr(g.get_state()), arr(other.get_state()))


def test_state_round_trip_of_the_default_generator_after_an_odd_number_of_draws() -> None:
    mt.randint(0, 2 ** 31, (3,), dtype=mt.int32)
    state = mt.default_generator.get_state()
    after = [arr(mt.rand(3)), arr(mt.randint(9, (5,)))]
    mt.default_generator.set_state(state)
    np.testing.assert_array_equal(arr(mt.rand(3)), after[0])
    np.testing.assert_array_equal(arr(mt.randint(9, (5,))), after[1])


def test_a_saved_state_loads_back(tmp_path) -> None:
    g = mt.Generator().manual_seed(2)
    mt.save(g.get_state(), tmp_path / "state.pt")
    expected = arr(mt.rand(4, generator=g))
    np.testing.assert_array_equal(arr(mt.rand(4, generator=mt.Generator().set_state(mt.load(tmp_path / "state.pt")))),
                                  expected)


def test_size_as_varargs_tuple_or_list() -> None:
    for function in (mt.rand, mt.randn):
        results = []
        for size in ((2, 3), ((2, 3),), ([2, 3],)):
            mt.manual_seed(0)
            results.append(arr(function(*size)))
        assert results[0].shape == (2, 3)
        np.testing.assert_array_equal(results[0], results[1])
        np.testing.assert_array_equal(results[0], results[2])
    mt.manual_seed(0)
    low_form = arr(mt.randint(0, 5, (4,)))
    mt.manual_seed(0)
    np.testing.assert_array_equal(arr(mt.randint(5, (4,))), low_form)
    assert mt.randint_like(mt.zeros(2, 2, dtype=mt.int32), 4).dtype is mt.int32
    assert mt.rand_like(mt.zeros(2, dtype=mt.float64)).dtype is mt.float64


def test_nn_init_with_a_generator_repeats() -> None:
    first = nn.init.xavier_uniform_(mt.empty(4, 5), generator=mt.Generator().manual_seed(1))
    second = nn.init.xavier_uniform_(mt.empty(4, 5), generator=mt.Generator().manual_seed(1))
    np.testing.assert_array_equal(arr(first), arr(second))


# ---- devices ----
def test_a_cpu_generator_cannot_fill_a_cuda_tensor(fake_cuda) -> None:
    with pytest.raises(RuntimeError, match="Expected a 'cuda:0' device type for generator but found 'cpu'"):
        mt.rand(3, device="cuda", generator=mt.Generator())
    with pytest.raises(RuntimeError, match="device type for generator"):
        mt.zeros(3, device="cuda").uniform_(generator=mt.Generator())


def test_a_cuda_generator_fills_cuda_tensors_only(fake_cuda) -> None:
    g = mt.Generator("cuda")
    assert g.device == mt.device("cuda:0")
    values = mt.randn(4, device="cuda", generator=g.manual_seed(3))
    assert values.device == mt.device("cuda:0")
    again = mt.randn(4, device="cuda", generator=mt.Generator("cuda").manual_seed(3))
    np.testing.assert_array_equal(arr(values.to("cpu")), arr(again.to("cpu")))
    with pytest.raises(RuntimeError, match="Expected a 'cpu' device type for generator but found 'cuda:0'"):
        mt.rand(3, generator=g)
    with pytest.raises(NotImplementedError, match="CPU generators only"):
        g.get_state()


def test_a_generator_on_a_missing_gpu_says_why(monkeypatch) -> None:
    monkeypatch.setattr(backends, "_cuda_backends", {})
    monkeypatch.setattr(backends.cuda, "unavailable_reason", lambda: "no GPU here")
    with pytest.raises(RuntimeError, match="no GPU here"):
        mt.Generator("cuda")


# ---- errors, of PyTorch's types ----
@pytest.mark.parametrize("call, error, message", [
    (lambda: mt.rand(2, generator=5), TypeError, "must be a minitorch.Generator, not int"),
    (lambda: mt.rand(2, dtype=mt.int64), RuntimeError, "not implemented for 'int64'"),
    (lambda: mt.randperm(-1), RuntimeError, "negative dimension -1"),
    (lambda: mt.randint(5, 5, (2,)), RuntimeError, "from=5 >= to=5"),
    (lambda: mt.normal(0.0, 1.0), TypeError, "size is required"),
    (lambda: mt.normal(0.0, -1.0, (2,)), RuntimeError, "std >= 0.0, but found std -1.0"),
    (lambda: mt.normal(mt.zeros(2), mt.tensor([1.0, -1.0])), RuntimeError, "all elements of std >= 0.0"),
    (lambda: mt.normal(mt.zeros(2, 3), mt.ones(4)), RuntimeError, "do not broadcast"),
    (lambda: mt.normal(mt.zeros(3, dtype=mt.int64), 1.0), NotImplementedError, "not implemented for 'int64'"),
    (lambda: mt.bernoulli(mt.tensor([0.5, 1.5])), RuntimeError, "p_in >= 0 && p_in <= 1"),
    (lambda: mt.bernoulli(mt.tensor([0.5, float("nan")])), RuntimeError, "p_in >= 0 && p_in <= 1"),
    (lambda: mt.bernoulli(mt.zeros(2), p=1.5), RuntimeError, "p to be in \\[0, 1\\], but got p=1.5"),
    (lambda: mt.bernoulli(mt.ones(2, dtype=mt.int64)), NotImplementedError, "not implemented for 'int64'"),
    (lambda: mt.multinomial(mt.ones(4), 5), RuntimeError, "cannot sample n_sample > prob_dist.size\\(-1\\)"),
    (lambda: mt.multinomial(mt.ones(4), 0), RuntimeError, "n_sample <= 0"),
    (lambda: mt.multinomial(mt.ones(4), 2.0), TypeError, "num_samples' must be int"),
    (lambda: mt.multinomial(mt.ones(2, 2, 2), 1), RuntimeError, "prob_dist must be 1 or 2 dim"),
    (lambda: mt.multinomial(mt.tensor([1.0, -1.0]), 1), RuntimeError, "`inf`, `nan` or element < 0"),
    (lambda: mt.multinomial(mt.tensor([1.0, float("inf")]), 1), RuntimeError, "`inf`, `nan` or element < 0"),
    (lambda: mt.multinomial(mt.tensor([[1.0, 1.0], [0.0, 0.0]]), 1), RuntimeError, "sum of probabilities <= 0"),
    (lambda: mt.multinomial(mt.tensor([1, 1]), 1), RuntimeError, "only supports floating-point dtypes"),
    (lambda: mt.zeros(3).uniform_(2, 1), RuntimeError, "found from=2 > to=1"),
    (lambda: mt.zeros(3, dtype=mt.int64).uniform_(), NotImplementedError, "not implemented for 'int64'"),
    (lambda: mt.zeros(3).uniform_(0, 1, 2), TypeError, "takes \\(from, to\\)"),
    (lambda: mt.zeros(3).uniform_(0, **{"from": 1}), TypeError, "multiple values for argument 'from'"),
    (lambda: mt.zeros(3).normal_(0, -1), RuntimeError, "found std -1"),
    (lambda: mt.zeros(3).random_(5, 2), RuntimeError, "from=5 >= to=2"),
    (lambda: mt.zeros(3, dtype=mt.int32).random_(2 ** 40), RuntimeError, "to - 1 is out of bounds for int32"),
    (lambda: mt.zeros(3, dtype=mt.float16).random_(70000), RuntimeError, "out of bounds for float16"),
    (lambda: mt.zeros(3, requires_grad=True).uniform_(), RuntimeError, "leaf Variable that requires grad"),
    (lambda: (mt.zeros(3, requires_grad=True) * 1).normal_(), RuntimeError, "does not track in-place random"),
    (lambda: mt.Generator().manual_seed(1.5), RuntimeError, "manual_seed expected a long, but got float"),
    (lambda: mt.manual_seed(2 ** 64), ValueError, "Overflow"),
    (lambda: mt.Generator().set_state([1, 2]), TypeError, "expected a torch.ByteTensor"),
    (lambda: mt.Generator().set_state(mt.zeros(45)), TypeError, "RNG state must be a torch.ByteTensor"),
    (lambda: mt.Generator().set_state(mt.zeros(3, dtype=mt.uint8)), RuntimeError, "RNG state size to be 3"),
])
def test_errors(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()


def test_in_place_fills_under_no_grad_are_allowed() -> None:
    weight = mt.zeros(3, requires_grad=True)
    with mt.no_grad():
        weight.uniform_(5, 6)
    assert weight.requires_grad and (arr(weight.detach()) >= 5).all()


class Recorder:
    """A stream that answers every draw with one value and records the integer ranges asked of it."""

    def __init__(self, value: float) -> None:
        self.value, self.ranges = value, []

    def random(self, shape: tuple, dtype: type = np.float64) -> np.ndarray:
        return np.full(shape, self.value, dtype=dtype)

    def integers(self, low: int, high: int, size: tuple, dtype: type) -> np.ndarray:
        self.ranges.append((low, high))
        return np.full(size, low, dtype=dtype)


class StubGenerator(mt.Generator):
    def __init__(self, stream: Recorder) -> None:
        super().__init__()
        self.recorder = stream

    def stream(self) -> Recorder:
        return self.recorder


@pytest.mark.parametrize("dtype, high", [(mt.float16, 2 ** 11 + 1), (mt.float32, 2 ** 24 + 1),
                                         (mt.float64, 2 ** 53 + 1), (mt.int32, 2 ** 31), (mt.int64, 2 ** 63),
                                         (mt.uint8, 256), (mt.bool, 2)])
def test_random_without_bounds_draws_every_integer_the_dtype_holds_exactly(dtype, high) -> None:
    recorder = Recorder(0.0)
    mt.zeros(2, dtype=dtype).random_(generator=StubGenerator(recorder))
    assert recorder.ranges == [(0, high)]


def test_multinomial_keeps_a_draw_just_below_one_in_range() -> None:
    weights = mt.tensor([0.7963242702872942, 0.23064220899374743, 0.05202130106440961], dtype=mt.float64)
    assert np.cumsum(arr(weights) / arr(weights).sum())[-1] < 1 - 2 ** -53  # the cumulative sum rounds below 1
    picks = mt.multinomial(weights, 2, True, generator=StubGenerator(Recorder(1 - 2 ** -53)))
    assert arr(picks).tolist() == [2, 2]


def test_in_place_fills_count_as_writes() -> None:
    x = mt.zeros(3)
    before = x._version
    x.uniform_().normal_().random_(4)
    assert x._version == before + 3


@pytest.mark.parametrize("draw, node", [
    (lambda m, s: mt.normal(m, 1.0), "NormalBackward1"), (lambda m, s: mt.normal(0.0, s), "NormalBackward2"),
    (lambda m, s: mt.normal(m, s), "NormalBackward3"), (lambda m, s: mt.normal(m[:1].expand(3), s), "NormalBackward3"),
    (lambda m, s: mt.bernoulli(s * 0.5), "BernoulliBackward0")])
def test_draws_from_parameters_that_require_grad_pass_a_zero_gradient_as_pytorchs(draw, node):
    """PyTorch's samples are in the graph (so backward through them works) and give the parameters zeros."""
    mean, std = mt.full((3,), 2.0, requires_grad=True), mt.full((3,), 1.5, requires_grad=True)
    mt.manual_seed(5)
    sample = draw(mean, std)
    assert sample.requires_grad and sample.grad_fn.name() == node
    (sample * 3).sum().backward()
    for parameter in (mean, std):
        assert parameter.grad is None or (arr(parameter.grad) == 0).all() and parameter.grad.shape == (3,)
    assert mean.grad is not None or std.grad is not None
    mt.manual_seed(5)
    np.testing.assert_array_equal(arr(sample.detach()), arr(draw(mean.detach(), std.detach())))  # same numbers
    with mt.no_grad():
        assert not draw(mean, std).requires_grad
