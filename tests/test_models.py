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
                                               activation="selu"))
    x = torch.rand(5, 20)
    model(x).pow(2).sum().backward()
    first = model.encoder[0].weight
    # the decoder's last layer uses W_e1^T: gradient flows from both uses
    with torch.no_grad():
        first.add_(1.0)
    z = model.encode(x)
    manual = torch.nn.functional.linear(
        model.act(torch.nn.functional.linear(
            z, model.encoder[1].weight.t(), model.decoder_biases[0])),
        first.t(), model.decoder_biases[1])
    assert torch.allclose(model.decode(z), manual)
    assert first.grad is not None and first.grad.abs().sum() > 0


def test_dropout_only_on_the_code_layer():
    model = dr.DeepAutoEncoder(dr.DeepAEConfig(30, (16, 8), dropout=0.5))
    seen = []
    model.code_dropout.register_forward_hook(
        lambda mod, inp, out: seen.append(inp[0].shape))
    model.train()
    model(torch.rand(4, 30))
    assert seen == [(4, 8)]  # applied once, to the 8-unit code
    model.eval()
    x = torch.rand(4, 30)
    assert torch.equal(model(x), model(x))  # off at evaluation


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
    with pytest.raises(ValueError, match="unknown activation 'gelu6'"):
        dr.DeepAutoEncoder(dr.DeepAEConfig(5, (3,), activation="gelu6"))


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
