import pytest
import torch

import deeprec as dr
from deeprec.checkpoint import CheckpointError


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


def load_error(path, kind=CheckpointError):
    """The exception ``load_model(path)`` raises: of type ``kind``, naming
    the file, never suggesting the unsafe ``weights_only=False``."""
    with pytest.raises(kind) as err:
        dr.load_model(path)
    message = str(err.value)
    assert str(path) in message
    assert "weights_only" not in message
    assert err.value.__cause__ is None  # torch's own advice is not chained
    return message


def saved(net, path, **changes):
    """Save ``net`` to ``path``, then rewrite parts of its payload."""
    dr.save_model(net, path)
    payload = torch.load(path, weights_only=True)
    payload.update(changes)
    torch.save(payload, path)
    return path


def test_load_refuses_arbitrary_pickles(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"model": "AutoRec", "config": object()}, path)
    message = load_error(path)
    assert "unsupported" in message and "tensors" in message


def test_load_missing_file(tmp_path):
    message = load_error(tmp_path / "nothing.pt", FileNotFoundError)
    assert "does not exist" in message


def test_load_text_file(tmp_path):
    path = tmp_path / "notes.pt"
    path.write_text("these are notes, not weights\n")
    assert "text file" in load_error(path)


def test_load_empty_file(tmp_path):
    path = tmp_path / "empty.pt"
    path.write_bytes(b"")
    assert "empty" in load_error(path)


def test_load_truncated_file(tmp_path):
    path = saved(dr.AutoRec(dr.AutoRecConfig(7, 3)), tmp_path / "cut.pt")
    path.write_bytes(path.read_bytes()[:200])
    assert "not a torch checkpoint" in load_error(path)


def test_load_bare_state_dict(tmp_path):
    path = tmp_path / "bare.pt"
    torch.save(dr.AutoRec(dr.AutoRecConfig(7, 3)).state_dict(), path)
    message = load_error(path)
    assert "not written by deeprec.save_model" in message
    assert "state_dict" in message and "'encoder.weight'" in message
    for key in ("'model'", "'config'", "'state_dict'"):
        assert key in message  # the keys that were expected


def test_load_unknown_model_class(tmp_path):
    path = saved(dr.AutoRec(dr.AutoRecConfig(7, 3)), tmp_path / "m.pt",
                 model="FancyNet")
    message = load_error(path)
    assert "unknown model class 'FancyNet'" in message
    assert "AutoRec" in message  # the known ones are listed


def test_load_config_not_matching_the_class(tmp_path):
    path = saved(dr.AutoRec(dr.AutoRecConfig(7, 3)), tmp_path / "m.pt",
                 model="BiasedMF")  # an AutoRec config under MF's name
    message = load_error(path)
    assert "config does not match" in message and "MFConfig" in message
    assert "hidden_dim" in message  # the field MFConfig does not know


def test_load_weights_not_matching_the_config(tmp_path):
    model = dr.AutoRec(dr.AutoRecConfig(7, 3))
    other = dr.AutoRec(dr.AutoRecConfig(7, 5)).state_dict()
    path = saved(model, tmp_path / "m.pt", state_dict=other)
    message = load_error(path)
    assert "weights do not match" in message and "size mismatch" in message
