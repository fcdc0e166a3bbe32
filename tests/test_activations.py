"""The NumPy activations agree with Keras on the same numbers; derivatives with GradientTape."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import integrate, optimize

from helpers import activations

# float64 and an even number of points: z = 0 (a kink, where conventions differ) is left out.
Z = np.linspace(-7.0, 7.0, 1000)

KERAS_FUNCTIONS = {
    "sigmoid": keras.activations.sigmoid,
    "tanh": keras.activations.tanh,
    "relu": keras.activations.relu,
    "leaky_relu": lambda t: keras.activations.leaky_relu(t, negative_slope=0.2),
    "elu": lambda t: keras.activations.elu(t, alpha=1.0),
    "selu": keras.activations.selu,
    "gelu": lambda t: keras.activations.gelu(t, approximate=False),
    "gelu_tanh": lambda t: keras.activations.gelu(t, approximate=True),
    "swish": keras.activations.swish,
    "silu": keras.activations.silu,
    "mish": keras.activations.mish,
    "linear": keras.activations.linear,
}
ALPHA_LAYERS = {
    ("leaky_relu", 0.05): keras.layers.LeakyReLU(negative_slope=0.05),
    ("leaky_relu", 0.5): keras.layers.LeakyReLU(negative_slope=0.5),
    ("elu", 0.3): keras.layers.ELU(alpha=0.3),
    ("elu", 2.0): keras.layers.ELU(alpha=2.0),
}


def _tape_derivative(function, z: np.ndarray) -> np.ndarray:
    t = tf.constant(z, dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(t)
        out = function(t)
    return tape.gradient(out, t).numpy()


def test_registry_covers_every_keras_function():
    assert set(activations.REGISTRY) == set(KERAS_FUNCTIONS)


@pytest.mark.parametrize("name", sorted(KERAS_FUNCTIONS))
def test_function_matches_keras(name):
    f, _ = activations.get(name)
    expected = np.asarray(KERAS_FUNCTIONS[name](tf.constant(Z, dtype=tf.float64)))
    np.testing.assert_allclose(f(Z), expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", sorted(KERAS_FUNCTIONS))
def test_derivative_matches_gradient_tape(name):
    _, f_prime = activations.get(name)
    expected = _tape_derivative(KERAS_FUNCTIONS[name], Z)
    np.testing.assert_allclose(f_prime(Z), expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(("name", "alpha"), sorted(ALPHA_LAYERS))
def test_alpha_versions_match_keras_layers(name, alpha):
    layer = ALPHA_LAYERS[(name, alpha)]
    f, f_prime = activations.get(name, alpha=alpha)
    z32 = Z.astype("float32")
    np.testing.assert_allclose(f(z32), np.asarray(layer(z32)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(f_prime(z32), _tape_derivative(layer, Z), rtol=1e-5, atol=1e-6)


def test_float32_in_float32_out_and_shapes_kept():
    z = np.random.default_rng(0).standard_normal((3, 4, 5)).astype("float32")
    for name, (f, f_prime) in activations.REGISTRY.items():
        assert f(z).shape == z.shape and f_prime(z).shape == z.shape, name
        assert f(z).dtype == np.float32, name


def test_no_overflow_far_out():
    z = np.array([-1e4, -800.0, 800.0, 1e4])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        for name, (f, f_prime) in activations.REGISTRY.items():
            assert np.all(np.isfinite(f(z))) and np.all(np.isfinite(f_prime(z))), name


def test_selu_constants_match_keras_to_1e6():
    scale, alpha = activations.selu_constants()
    keras_scale = float(keras.activations.selu(tf.constant(1.0, tf.float64)))
    keras_scale_alpha = -float(keras.activations.selu(tf.constant(-40.0, tf.float64)))
    assert scale == pytest.approx(keras_scale, abs=1e-6)
    assert scale * alpha == pytest.approx(keras_scale_alpha, abs=1e-6)
    assert alpha == pytest.approx(keras_scale_alpha / keras_scale, abs=1e-6)


def _moments_by_integration(mean, variance, scale, alpha):
    sd = np.sqrt(variance)
    density = lambda z: np.exp(-0.5 * ((z - mean) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))  # noqa: E731
    f = lambda z: scale * (z if z > 0 else alpha * np.expm1(z))  # noqa: E731
    lo, hi = mean - 12 * sd, mean + 12 * sd
    m1 = integrate.quad(lambda z: f(z) * density(z), lo, hi, points=[0.0])[0]
    m2 = integrate.quad(lambda z: f(z) ** 2 * density(z), lo, hi, points=[0.0])[0]
    return m1, m2 - m1**2


@pytest.mark.parametrize(("mean", "variance"), [(0.0, 1.0), (0.4, 0.7), (-0.3, 2.5)])
def test_moment_map_matches_numerical_integration(mean, variance):
    scale, alpha = activations.selu_constants()
    closed = activations.selu_moment_map(mean, variance)
    numeric = _moments_by_integration(mean, variance, scale, alpha)
    np.testing.assert_allclose(closed, numeric, rtol=1e-7, atol=1e-9)


def test_fixed_point_solved_numerically_gives_the_same_constants():
    def residual(params):
        scale, alpha = params
        mean, variance = _moments_by_integration(0.0, 1.0, scale, alpha)
        return [mean, variance - 1.0]

    solved = optimize.fsolve(residual, x0=[1.0, 1.5], xtol=1e-12)
    np.testing.assert_allclose(solved, activations.selu_constants(), atol=1e-7)


@pytest.mark.parametrize(("mean", "variance"), [(0.8, 3.0), (-0.5, 0.2)])
def test_fixed_point_attracts(mean, variance):
    # A layer with weight sum ω = 0.1 and squared-weight sum τ = 1: z ~ N(ωμ, τν).
    for _ in range(40):
        mean, variance = activations.selu_moment_map(0.1 * mean, 1.0 * variance)
    assert abs(mean) < 1e-3 and abs(variance - 1) < 1e-3


def test_rrelu_uses_the_mean_slope_at_inference_and_random_slopes_in_training():
    z = -np.ones(10_000)
    np.testing.assert_allclose(activations.rrelu(z, 0.1, 0.3), -0.2)
    out = activations.rrelu(z, 0.1, 0.3, training=True, rng=np.random.default_rng(0))
    assert -0.3 <= out.min() < out.max() <= -0.1
    assert np.mean(-out) == pytest.approx(0.2, abs=0.005)
    np.testing.assert_array_equal(activations.rrelu(np.array([2.0]), training=True), [2.0])
    with pytest.raises(ValueError, match="lower"):
        activations.rrelu(z, 0.5, 0.1)


def test_bad_names_and_alphas_say_what_is_allowed():
    with pytest.raises(ValueError, match=r"'sigmoid'.*'mish'"):
        activations.get("relu6x")
    with pytest.raises(ValueError, match=r"α must be in \[0, 1\]; got"):
        activations.get("leaky_relu", alpha=1.5)
    with pytest.raises(ValueError, match=r"α must be in \[0, 1\]; got"):
        activations.leaky_relu(Z, alpha=-0.1)
    with pytest.raises(ValueError, match=r"ELU α must be in \[0, 10\]; got"):
        activations.elu(Z, alpha=-1)
    with pytest.raises(ValueError, match="'leaky_relu', 'elu'"):
        activations.get("tanh", alpha=0.1)
    with pytest.raises(ValueError, match="variance"):
        activations.selu_moment_map(0.0, 0.0)


def test_function_and_derivative_shortcuts():
    f = activations.function("elu", alpha=0.5)
    d = activations.derivative("elu", alpha=0.5)
    assert f(np.array([-50.0]))[0] == pytest.approx(-0.5)
    assert d(np.array([-1.0]))[0] == pytest.approx(0.5 * np.exp(-1))


def test_moment_map_stays_finite_for_a_huge_variance():
    # e^(2ν) overflows float64 past ν ≈ 355; the product with the Gaussian tail does not.
    mean, variance = activations.selu_moment_map(0.0, 400.0)
    assert np.isfinite(mean) and np.isfinite(variance) and variance > 100


def test_rrelu_paper_convention_is_stated():
    low, high = activations.RRELU_PAPER_DIVISOR_RANGE
    assert (1 / high, 1 / low) == pytest.approx(activations.RRELU_DEFAULT_RANGE)
    assert 2 / (low + high) == pytest.approx(1 / 5.5)  # the paper's slope at inference


def test_near_dead_units_need_a_small_slope_on_every_example():
    slopes = np.array([[0.0, 0.2, 0.005, 1.0], [0.0, 0.2, 0.009, 0.0]])
    np.testing.assert_array_equal(
        activations.near_dead_units(slopes, peak_slope=1.0), [True, False, True, False]
    )
    # relative to the peak: SELU's steepest slope is λα ≈ 1.76
    selu_like = activations.near_dead_units(slopes, peak_slope=1.76)
    assert selu_like.tolist() == [True, False, True, False]
    assert activations.near_dead_units(slopes, 1.0, share=0.001).tolist() == [True] + [False] * 3
    with pytest.raises(ValueError, match="shape"):
        activations.near_dead_units(np.zeros(3), 1.0)
    with pytest.raises(ValueError, match="peak_slope > 0"):
        activations.near_dead_units(slopes, 0.0)


def test_fresh_runs_are_reachable_from_here_without_importing_keras_first():
    """Notebook 03 calls activations.FreshRuns; it lives in helpers.models (Keras)."""
    from helpers import models

    assert activations.FreshRuns is models.FreshRuns
