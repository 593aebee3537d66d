"""Peers run on the book's split, are scored its way and saved by their key.

A fake peer script (constant predictions, in this Python) stands in for
Cornac, which the test environment does not have.
"""

import json
import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import deeprec as dr
from deeprec.config import ConfigError
from deeprec.studies import peers

FAKE = '''
import json, os, sys
from pathlib import Path
import numpy as np, pandas as pd
folder = Path(sys.argv[1])
config = json.loads((folder / "config.json").read_text())
with open({calls!r}, "a") as f:
    f.write("run " + os.environ.get("MPLBACKEND", "") + "\\n")
if config["k"] == 13:
    print("ValueError: k = 13 is unlucky", file=sys.stderr)
    sys.exit(1)
train = pd.read_csv(folder / "train.csv")
out = {{}}
for part in ("valid", "test"):
    frame = pd.read_csv(folder / f"{{part}}.csv")
    known = (frame.user >= 0) & (frame.item >= 0)
    out[part] = np.where(known, 9.0, np.nan)  # clipped to 5 by deeprec
np.savez(folder / "predictions.npz", **out)
print("Epoch: 1/2")
print("Epoch: 2/2")
(folder / "result.json").write_text(json.dumps(
    {{"version": {version!r}, "documents": len(pd.read_csv(folder / "docs.csv"))}}))
'''


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """Register a fake peer (full scale: book/conftest.py sets quick mode
    for the whole session); make() returns the file counting its runs."""
    monkeypatch.delenv("DEEPREC_QUICK", raising=False)
    def make(version="3.0.1"):
        calls = tmp_path / "calls.txt"
        script = tmp_path / "fake_peer.py"
        script.write_text(FAKE.format(calls=str(calls), version=version))
        monkeypatch.setitem(peers.PEERS, "fake", peers.Peer(
            "Fake", "fake", "3.0.1", str(script), "pip install fake"))
        return calls
    return make


@pytest.fixture
def small():
    """Item 30 and user 3 are seen in the test part only."""
    rows = lambda r: pd.DataFrame(r, columns=["user_id", "item_id", "rating",
                                              "timestamp"])
    train = rows([(1, 10, 4, 0), (1, 20, 2, 1), (2, 10, 5, 2), (2, 20, 3, 3)])
    valid = rows([(1, 10, 5, 4)])
    test = rows([(1, 30, 1, 5), (2, 20, 4, 6), (3, 10, 2, 7)])
    data = dr.RatingData(dr.Split(train, valid, test, name="small"))
    docs = pd.Series({10: "a heist film", 20: "a quiet drama", 30: "space"})
    return data, docs


def test_export_writes_the_parts_in_index_space(small, tmp_path):
    data, docs = small
    peers.export_inputs(data, docs, tmp_path)
    test = pd.read_csv(tmp_path / "test.csv")
    assert test.values.tolist() == [[0, -1, 1.0], [1, 1, 4.0], [-1, 0, 2.0]]
    assert len(pd.read_csv(tmp_path / "train.csv")) == 4
    written = pd.read_csv(tmp_path / "docs.csv")
    assert written.text.tolist() == ["a heist film", "a quiet drama"]


def test_run_scores_like_the_library_and_loads_the_second_time(
        small, fake, tmp_path, monkeypatch):
    data, docs = small
    calls = fake()
    # a notebook kernel's backend, which the peer's matplotlib cannot load
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    config = peers.PeerConfig(num_epochs=2)
    first = peers.run_peer("fake", config, data, docs, tmp_path / "res",
                           python=sys.executable)
    row = first.summary.iloc[0]
    # known ratings predicted 9 -> clipped to 5; unseen -> training mean 3.5
    want = np.sqrt(np.mean([(3.5 - 1) ** 2, (5 - 4) ** 2, (3.5 - 2) ** 2]))
    assert row.test_rmse == pytest.approx(want)
    assert row.valid_rmse == pytest.approx(0.0)
    assert (row.unknown_test, row.iterations, row.documents) == (2, 2, 2)
    assert first.trained == [row.key] and not first.reused
    again = peers.run_peer("fake", config, data, docs, tmp_path / "res",
                           python=sys.executable)
    assert again.reused == [row.key] and not again.trained
    assert again.summary.test_rmse.iloc[0] == row.test_rmse
    assert calls.read_text().count("run") == 1  # loaded, not run again
    assert calls.read_text() == "run Agg\n"  # the peer gets a plain backend
    saved = json.loads((tmp_path / "res" / "runs" /
                        f"{row.key}.json").read_text())
    assert saved["definition"]["data_fingerprint"] == data.fingerprint


def test_the_key_follows_settings_documents_and_data(small, split):
    data, docs = small
    peer = peers.PEERS["cornac-convmf"]
    base = peers.PeerConfig()
    key = peers.peer_key(peer, base, data, docs)
    assert peers.peer_key(peer, peers.PeerConfig(lambda_u=100), data,
                          docs) == key  # 100 and 100.0 are one setting
    assert peers.peer_key(peer, replace(base, lambda_v=100.0), data,
                          docs) != key
    assert peers.peer_key(peer, base, data, docs.str.upper()) != key
    assert peers.peer_key(peer, replace(base, dropout_rate=0.8), data,
                          docs) != key  # Cornac's keep_prob, fixed
    assert peers.peer_key(peer, replace(base, item_weight=False), data,
                          docs) != key
    assert peers.peer_key(peer, replace(base, dropout_rate=1), data,
                          docs) == peers.peer_key(
        peer, replace(base, dropout_rate=1.0), data, docs)
    other = dr.RatingData(split)
    assert peers.peer_key(peer, base, other, docs) != key
    assert peers.peer_key(replace(peer, version="3.0.2"), base, data,
                          docs) != key


def test_a_failing_peer_is_one_line_and_leaves_no_result(
        small, fake, tmp_path):
    data, docs = small
    fake()
    with pytest.raises(peers.PeerError, match="exit 1.*k = 13 is unlucky"):
        peers.run_peer("fake", peers.PeerConfig(k=13), data, docs, tmp_path,
                       python=sys.executable)
    assert not (tmp_path / "runs").exists()
    assert not list(tmp_path.glob("*.tmp")) and not list(
        tmp_path.glob(".*.tmp"))


def test_a_peer_of_another_version_is_refused(small, fake, tmp_path):
    data, docs = small
    fake(version="2.9")
    with pytest.raises(peers.PeerError, match="has fake 2.9.*for 3.0.1"):
        peers.run_peer("fake", peers.PeerConfig(), data, docs, tmp_path,
                       python=sys.executable)
    assert not (tmp_path / "runs").exists()


def test_without_an_environment_nothing_runs(small, fake, tmp_path,
                                             monkeypatch, capsys):
    data, docs = small
    fake()
    monkeypatch.delenv(peers.PEER_PYTHON, raising=False)
    assert peers.run_peer("fake", peers.PeerConfig(), data, docs,
                          tmp_path) is None
    assert "pip install fake" in capsys.readouterr().out
    monkeypatch.setenv(peers.PEER_PYTHON, str(tmp_path / "no-python"))
    with pytest.raises(peers.PeerError, match="no Python at .*no-python"):
        peers.run_peer("fake", peers.PeerConfig(), data, docs, tmp_path)


def test_quick_mode_runs_no_peer(small, fake, tmp_path, monkeypatch):
    data, docs = small
    calls = fake()
    monkeypatch.setenv("DEEPREC_QUICK", "1")
    assert peers.run_peer("fake", peers.PeerConfig(), data, docs, tmp_path,
                          python=sys.executable) is None
    assert not calls.exists()


def test_bad_settings_are_config_errors():
    with pytest.raises(ConfigError, match="max_length = 3"):
        peers.PeerConfig(max_length=3)
    with pytest.raises(ConfigError, match="lambda_u = 0"):
        peers.PeerConfig(lambda_u=0)
    with pytest.raises(ConfigError, match="dropout_rate = 0: .*\\(0, 1\\]"):
        peers.PeerConfig(dropout_rate=0)
    with pytest.raises(ConfigError, match="dropout_rate = 1.5"):
        peers.PeerConfig(dropout_rate=1.5)
    with pytest.raises(ConfigError, match="item_weight = 1"):
        peers.PeerConfig(item_weight=1)


def test_the_cornac_script_marks_unknown_ids(small):
    from deeprec.studies import peer_cornac

    class Model:
        num_users, num_items = 2, 2
        U = np.array([[1.0, 0.0], [0.0, 2.0]])
        V = np.array([[3.0, 0.0], [0.0, 4.0]])

    class TrainSet:
        uid_map = {"0": 0, "1": 1, "-1": 2}  # cornac maps test-only ids too
        iid_map = {"0": 0, "1": 1, "-1": 2}

    data, _ = small
    got = peer_cornac.predict(Model, TrainSet, peers.part_frame(data, "test"))
    assert np.isnan(got[0]) and np.isnan(got[2])
    assert got[1] == pytest.approx(8.0)


def test_seeds_are_runs_of_their_own(small, fake, tmp_path):
    data, docs = small
    calls = fake()
    both = peers.run_peer_seeds("fake", peers.PeerConfig(), (0, 1), data,
                                docs, tmp_path, python=sys.executable)
    assert both.summary.seed.tolist() == [0, 1]
    assert len(set(both.trained)) == 2 and not both.reused
    assert calls.read_text().count("run") == 2
