"""Backward passes of the STEs: the incoming gradient inside the clip range, zero outside.

Expected gradients are written out by hand or computed with numpy from the definitions
(hardtanh STE: d/dx hardtanh(x / c) * c = [|x| <= c]), never by calling the code under test.
"""

import numpy as np
import pytest

from .qat_support import require_qat

qat = require_qat()
import torch  # noqa: E402

pytestmark = pytest.mark.qat

X = [-3.0, -1.5, -1.0, -0.4, 0.0, 0.3, 1.0, 1.2, 7.0]
G = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]


def grad_of(fn, x, g):
    x = torch.tensor(x, requires_grad=True)
    y = fn(x)
    y.backward(torch.tensor(g))
    return y.detach().numpy(), x.grad.numpy()


def test_sign_ste_forward_and_hardtanh_backward():
    y, dx = grad_of(qat.sign_ste, X, G)
    assert y.tolist() == [-1, -1, -1, -1, 1, 1, 1, 1, 1]          # sign(0) = +1
    # |x| <= 1 passes the gradient (the ends included), beyond it nothing
    assert dx.tolist() == [0, 0, 3, 4, 5, 6, 7, 0, 0]


def test_sign_ste_clip_is_a_parameter():
    _, dx = grad_of(lambda x: qat.sign_ste(x, clip=1.5), X, G)
    expected = np.where(np.abs(np.array(X)) <= 1.5, G, 0.0)
    assert dx.tolist() == expected.tolist()
    with pytest.raises(ValueError, match="clip must be > 0, not 0"):
        qat.sign_ste(torch.zeros(1), clip=0)


def test_round_ste_rounds_half_to_even_and_passes_the_gradient():
    y, dx = grad_of(qat.round_ste, [-2.5, -0.5, 0.5, 1.5, 2.5, 2.6], [1, 2, 3, 4, 5, 6])
    assert y.tolist() == [-2, -0, 0, 2, 2, 3]
    assert dx.tolist() == [1, 2, 3, 4, 5, 6]


def test_ternarize_ste():
    y, dx = grad_of(lambda w: qat.ternarize_ste(w, 0.5), [-0.9, -0.5, -0.1, 0.0, 0.5, 0.51],
                    [1, 2, 3, 4, 5, 6])
    assert y.tolist() == [-1, 0, 0, 0, 0, 1]                    # |w| > delta, strictly
    assert dx.tolist() == [1, 2, 3, 4, 5, 6]


def test_brevitas_bipolar_activation_is_the_hardtanh_ste():
    """The w1a1 preset's activation (Brevitas' SignedBinaryActPerTensorConst, scale 1)."""
    from brevitas.nn import QuantIdentity
    act = QuantIdentity(act_quant=qat.preset("w1a1").act_quant())
    y, dx = grad_of(act, X, G)
    assert y.tolist() == [-1, -1, -1, -1, 1, 1, 1, 1, 1]
    assert dx.tolist() == [0, 0, 3, 4, 5, 6, 7, 0, 0]


def test_brevitas_int_activation_passes_inside_its_range_only():
    """The w2a2 preset's ReLU quantizer (2-bit unsigned, learned power-of-two scale ``s``):
    once its scale is initialized from statistics, the gradient flows for ``0 < x < 3.5 s``
    (rounding is straight-through; Brevitas clamps the rounded code, so the range is the
    values that round to codes 0..3) and not below 0 (ReLU) nor from ``3.5 s`` up (the clamp
    of a learned-scale Brevitas quantizer is TensorClamp, not straight-through)."""
    from brevitas.nn import QuantReLU
    act = QuantReLU(act_quant=qat.preset("w2a2").act_quant(), return_quant_tensor=True)
    act.train()
    calib = torch.linspace(-1, 2, 64)
    for _ in range(40):                     # past collect_stats_steps: the scale is learned
        act(calib)
    act.eval()
    s = float(act(calib).scale.detach())
    assert s == 2.0 ** round(np.log2(s))    # a power of two
    x = [-1.0 * s, -0.2 * s, 0.7 * s, 1.6 * s, 2.9 * s, 3.4 * s, 3.6 * s, 6.0 * s]
    out = act(torch.tensor(x))
    assert out.int().tolist() == [0, 0, 1, 2, 3, 3, 3, 3]
    _, dx = grad_of(lambda t: act(t).value, x, [1, 2, 3, 4, 5, 6, 7, 8])
    assert dx.tolist() == [0, 0, 3, 4, 5, 6, 0, 0]


def ttq_layer(w, w_p, w_n, level_max, scaling="po2"):
    layer = qat.TernaryLinear(len(w[0]), len(w), bias=False, method="ttq", scaling=scaling,
                              level_max=level_max)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(w))
        layer.w_p.fill_(w_p)
        layer.w_n.fill_(w_n)
    return layer


def test_ttq_forward_uses_integer_levels_on_a_power_of_two_step():
    # Delta = 0.05 * max|w| = 0.04; w_p = 0.5, w_n = 0.25, level_max 2:
    # step = 2**ceil(log2(0.5 / 2)) = 0.25, levels 2 and 1: values +0.5, 0, -0.25
    layer = ttq_layer([[0.8, -0.3, 0.01, -0.04, 0.05]], 0.5, 0.25, 2)
    w_q, step, codes = layer.quant_weight()
    assert float(step) == 0.25
    assert codes.tolist() == [[2, -1, 0, 0, 2]]
    assert w_q.detach().tolist() == [[0.5, -0.25, 0.0, 0.0, 0.5]]
    assert layer.weight_bits == 3


def test_ttq_backward_is_the_papers():
    """dL/dw_p = sum of dL/dW_q over positive codes, dL/dw_n = -sum over negative ones;
    latent weights get w_p g, g, w_n g (Zhu et al.), with the levels the forward used."""
    layer = ttq_layer([[0.8, -0.3, 0.01, -0.04, 0.05]], 0.5, 0.25, 2)
    w_q, _, _ = layer.quant_weight()
    g = torch.tensor([[1.0, 2.0, 3.0, 4.0, 5.0]])
    w_q.backward(g)
    assert float(layer.w_p.grad) == 1.0 + 5.0
    assert float(layer.w_n.grad) == -2.0
    assert layer.weight.grad.tolist() == [[0.5 * 1, 0.25 * 2, 3, 4, 0.5 * 5]]


def test_twn_codes_scale_and_gradient():
    # mean|w| = (1.0 + 0.2 + 0.6 + 0.2) / 4 = 0.5, Delta = 0.35: codes 1, 0, -1, 0;
    # alpha = mean(1.0, 0.6) = 0.8, nearest power of two (log domain) 1.0; float: 0.8
    w = [[1.0, 0.2, -0.6, -0.2]]
    for scaling, alpha in (("po2", 1.0), ("float", 0.8)):
        layer = qat.TernaryLinear(4, 1, bias=False, method="twn", scaling=scaling)
        with torch.no_grad():
            layer.weight.copy_(torch.tensor(w))
        w_q, step, codes = layer.quant_weight()
        assert codes.tolist() == [[1, 0, -1, 0]]
        assert float(step) == pytest.approx(alpha, rel=1e-6)
        w_q.backward(torch.tensor([[1.0, 2.0, 3.0, 4.0]]))
        # W_q = alpha * ternarize_ste(w): the latent gradient is alpha * g everywhere
        assert layer.weight.grad.numpy() == pytest.approx(alpha * np.array([[1, 2, 3, 4]]))


def test_ternary_layers_check_their_arguments():
    with pytest.raises(ValueError, match="method = 'bwn'; use 'twn' or 'ttq'"):
        qat.TernaryLinear(2, 2, method="bwn")
    with pytest.raises(ValueError, match="level_max = 200 must be 1 to 127"):
        qat.TernaryConv2d(1, 2, 3, method="ttq", level_max=200)
    with pytest.raises(TypeError, match="takes a Brevitas QuantTensor"):
        qat.TernaryLinear(2, 2)(torch.zeros(1, 2))
