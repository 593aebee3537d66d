import pytest
import torch

import deeprec as dr


@pytest.mark.parametrize("kind", ["autorec", "deep", "mf"])
def test_round_trip_gives_the_same_predictions(data, tmp_path, kind):
    if kind == "autorec":
        model = dr.AutoRec(dr.AutoRecConfig(data.num_users, 16))
    elif kind == "deep":
        model = dr.DeepAutoEncoder(dr.DeepAEConfig(
            data.num_items, (16, 8), constrained=True, dropout=0.5))
    else:
        model = dr.BiasedMF(dr.MFConfig(data.num_users, data.num_items, 4))
    path = tmp_path / "sub" / "model.pt"
    dr.save_model(model, path, {"test_rmse": 0.9, "note": "x"})
    loaded, extra = dr.load_model(path)
    assert extra == {"test_rmse": 0.9, "note": "x"}
    assert type(loaded) is type(model) and loaded.config == model.config
    assert torch.equal(dr.predict_ratings(loaded, data),
                       dr.predict_ratings(model, data))


def test_a_failed_save_leaves_the_old_file(data, tmp_path, monkeypatch):
    model = dr.AutoRec(dr.AutoRecConfig(data.num_users, 8))
    path = tmp_path / "model.pt"
    dr.save_model(model, path)
    before = path.read_bytes()

    def broken(obj, f, *a, **k):
        open(f, "wb").write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken)
    with pytest.raises(OSError, match="disk full"):
        dr.save_model(model, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]


def test_load_refuses_arbitrary_pickles(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"model": "AutoRec", "config": object()}, path)
    with pytest.raises(Exception, match="(?i)weights_only|unsupported"):
        dr.load_model(path)
