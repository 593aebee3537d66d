import pytest
import torch

import deeprec as dr
from deeprec.models import ACTIVATIONS, count_parameters


def test_autorec_parameter_count_and_shapes():
    m, k = 943, 500
    model = dr.AutoRec(dr.AutoRecConfig(num_inputs=m, hidden_dim=k))
    assert count_parameters(model) == 2 * m * k + m + k
    assert model.encoder.weight.shape == (k, m)  # V
    assert model.decoder.weight.shape == (m, k)  # W
    assert model(torch.zeros(3, m)).shape == (3, m)


def test_autorec_is_f_of_w_g_of_v_r_plus_mu():
    model = dr.AutoRec(dr.AutoRecConfig(
        num_inputs=4, hidden_dim=3, hidden_activation="sigmoid",
        output_activation="identity"))
    r = torch.tensor([[5.0, 0.0, 3.0, 1.0]])
    V, mu = model.encoder.weight, model.encoder.bias
    W, b = model.decoder.weight, model.decoder.bias
    expected = W @ torch.sigmoid(V @ r[0] + mu) + b
    assert torch.allclose(model(r)[0], expected, atol=1e-6)


def test_paper_parameter_count_single_256_layer():
    model = dr.DeepAutoEncoder(dr.DeepAEConfig(num_inputs=17_768,
                                               hidden_dims=(256,)))
    assert count_parameters(model) == 9_115_240


def test_constrained_decoder_halves_weights_and_keeps_own_biases():
    n, dims = 100, (32, 16)
    free = dr.DeepAutoEncoder(dr.DeepAEConfig(n, dims, constrained=False))
    tied = dr.DeepAutoEncoder(dr.DeepAEConfig(n, dims, constrained=True))
    weights = n * 32 + 32 * 16
    enc_bias, dec_bias = 32 + 16, 32 + n
    assert count_parameters(free) == 2 * weights + enc_bias + dec_bias
    assert count_parameters(tied) == weights + enc_bias + dec_bias


def test_tied_weights_are_really_shared():
    model = dr.DeepAutoEncoder(dr.DeepAEConfig(20, (8, 4), constrained=True,
                                               activation="selu")).eval()
    names = {name for name, _ in model.named_parameters()}
    assert not [n for n in names if "weight" in n and "encoder" not in n]
    first, second = model.encoder[0].weight, model.encoder[1].weight
    z = torch.randn(5, 4)  # a fixed code: only the decoder sees the change
    hidden = model.act(torch.nn.functional.linear(
        z, second.t(), model.decoder_biases[0]))  # 8 units, before W_e1^T
    before = model.decode(z)
    delta = torch.randn_like(first)
    with torch.no_grad():
        first.add_(delta)
    # the output layer is z W_e1 + b: perturbing W_e1 by delta moves the
    # output by exactly hidden @ delta
    assert torch.allclose(model.decode(z) - before, hidden @ delta,
                          atol=1e-5)
    manual = torch.nn.functional.linear(hidden, first.t(),
                                        model.decoder_biases[1])
    assert torch.allclose(model.decode(z), manual, atol=1e-6)
    # and the decoder's use alone sends gradient to the encoder's W_e1
    model.decode(z).pow(2).sum().backward()
    assert first.grad is not None and first.grad.abs().sum() > 0


def test_dropout_only_on_the_code_layer():
    x = torch.rand(4, 30)
    model = dr.DeepAutoEncoder(dr.DeepAEConfig(30, (16, 8), dropout=0.9))
    model.eval()
    clean = model(x)
    assert torch.equal(model(x), clean)  # off at evaluation
    assert torch.allclose(clean, model.decode(model.encode(x)))
    model.train()
    code = model.encode(x)
    # no dropout inside the encoder or the decoder in train mode
    assert torch.equal(code, model.eval().encode(x))
    assert torch.equal(model.train().decode(code), model.eval().decode(code))
    model.train()
    torch.manual_seed(0)
    out = model(x)
    assert not torch.allclose(out, clean)  # p = 0.9 drops most of the code
    # the very same draws, made once on the 8-unit code, give that output
    torch.manual_seed(0)
    mask = torch.nn.functional.dropout(torch.ones(4, 8), 0.9, training=True)
    assert torch.allclose(out, model.decode(code * mask), atol=1e-6)


def test_layer_dropout_after_every_hidden_layer():
    x = torch.rand(4, 30)
    model = dr.DeepAutoEncoder(dr.DeepAEConfig(30, (16, 8), layer_dropout=0.9))
    clean = model.eval()(x)
    assert torch.equal(model(x), clean)  # off at evaluation
    model.train()
    assert not torch.equal(model.encode(x), model.eval().encode(x))
    z = torch.rand(4, 8)
    assert not torch.equal(model.train().decode(z), model.eval().decode(z))
    model.train()
    assert not torch.allclose(model(x), clean)
    off = dr.DeepAutoEncoder(dr.DeepAEConfig(30, (16, 8)))
    assert torch.equal(off.train()(x), off.eval()(x))  # no dropout at all


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_activation_builds_and_runs(name):
    model = dr.DeepAutoEncoder(dr.DeepAEConfig(12, (6,), activation=name,
                                               last_activation=True))
    assert model(torch.randn(2, 12)).shape == (2, 12)


def test_last_layer_linear_or_activated():
    x = torch.randn(64, 10) * 5
    linear = dr.DeepAutoEncoder(dr.DeepAEConfig(10, (6,), activation="relu"))
    activated = dr.DeepAutoEncoder(dr.DeepAEConfig(
        10, (6,), activation="relu", last_activation=True))
    assert (activated(x) >= 0).all()
    assert (linear(x) < 0).any()


def test_unknown_activation_is_a_clear_error():
    with pytest.raises(ValueError, match="activation = 'gelu6': must be "
                       "one of sigmoid, relu"):
        dr.DeepAEConfig(5, (3,), activation="gelu6")
    with pytest.raises(ValueError, match="unknown activation 'gelu6'"):
        dr.models.activation("gelu6")


def test_baselines_on_a_hand_made_matrix():
    import pandas as pd
    train = pd.DataFrame({"user_id": [1, 1, 2, 2], "item_id": [1, 2, 1, 2],
                          "rating": [5.0, 3.0, 4.0, 2.0],
                          "timestamp": [0] * 4})
    test = train.assign(user_id=[1, 3, 2, 2], item_id=[2, 1, 7, 1])
    data = dr.RatingData(dr.Split(train, train.iloc[:0], test))
    mean = dr.predict_ratings(dr.GlobalMean(data), data)
    assert torch.allclose(mean, torch.full((4,), 3.5))
    bias = dr.BiasBaseline(data, reg_user=0, reg_item=0, num_epochs=20)
    # item 1 is rated 1 star above the mean, user 1 half a star
    assert torch.allclose(bias(torch.tensor([0]), torch.tensor([0])),
                          torch.tensor([5.0]), atol=1e-3)
    pred = dr.predict_ratings(bias, data)
    # the stated fallback: unseen user 3 or item 7 get the training mean
    assert torch.allclose(pred[1:3], torch.tensor([3.5, 3.5]))
    assert torch.allclose(pred[3], torch.tensor(4.0), atol=1e-3)
