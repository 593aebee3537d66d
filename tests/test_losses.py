import torch

from deeprec.losses import autorec_loss, l2_penalty, masked_mse, masked_sse


def test_masked_mse_on_a_hand_made_example():
    target = torch.tensor([[5.0, 0.0, 3.0], [0.0, 4.0, 0.0]])
    pred = torch.tensor([[4.0, 9.0, 3.0], [1.0, 2.0, 7.0]])
    # observed: (0,0) err 1, (0,2) err 0, (1,1) err 2 -> (1 + 0 + 4) / 3
    assert torch.isclose(masked_mse(pred, target), torch.tensor(5.0 / 3))
    assert masked_sse(pred, target, target != 0) == 5.0


def test_masked_mse_is_zero_on_itself_and_with_nothing_observed():
    x = torch.tensor([[1.0, 0.0, 2.0]])
    assert masked_mse(x, x) == 0
    zeros = torch.zeros(2, 3)
    assert masked_mse(torch.ones(2, 3), zeros) == 0


def test_unobserved_entries_get_no_gradient():
    target = torch.tensor([[5.0, 0.0, 3.0]])
    pred = torch.tensor([[4.0, float("nan"), 1.0]], requires_grad=True)
    masked_mse(pred, target).backward()
    assert pred.grad[0, 1] == 0
    assert torch.isfinite(pred.grad).all()
    assert pred.grad[0, 0] != 0


def test_autorec_loss_adds_scaled_penalty():
    target = torch.tensor([[5.0, 0.0]])
    pred = torch.tensor([[4.0, 1.0]])
    w = [torch.full((2, 2), 1.0), torch.full((1, 3), 2.0)]
    assert l2_penalty(w) == 4 + 12
    full = autorec_loss(pred, target, target != 0, w, lam=2.0)
    assert full == 1 + 0.5 * 2.0 * 16
    quarter = autorec_loss(pred, target, target != 0, w, lam=2.0, scale=0.25)
    assert quarter == 1 + 0.5 * 2.0 * 16 * 0.25
