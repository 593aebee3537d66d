"""Cornac's ConvMF on a folder written by ``deeprec.studies.peers``.

Run with the peer environment's Python (it imports cornac, numpy and
pandas, never deeprec)::

    python peer_cornac.py FOLDER

FOLDER holds ``config.json``, ``train/valid/test.csv`` (user, item, rating
in index space, -1 for ids unseen in training) and ``docs.csv`` (item,
text). The script writes ``predictions.npz`` (``valid``, ``test``: NaN
where the model does not know the user or item) and ``result.json``
(cornac's version, the settings it ran with). Scoring is left to deeprec.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd


def triples(frame: pd.DataFrame) -> list:
    """(user, item, rating) with string ids, as cornac reads them."""
    return list(zip(frame.user.astype(str), frame.item.astype(str),
                    frame.rating.astype(float)))


def predict(model, train_set, frame: pd.DataFrame) -> np.ndarray:
    """The model's score of each rating of ``frame``; NaN where it does
    not know the user or the item."""
    users = np.array([train_set.uid_map.get(u, -1)
                      for u in frame.user.astype(str)])
    items = np.array([train_set.iid_map.get(i, -1)
                      for i in frame.item.astype(str)])
    known = ((users >= 0) & (users < model.num_users)
             & (items >= 0) & (items < model.num_items))
    out = np.full(len(frame), np.nan)
    out[known] = np.einsum("nk,nk->n", model.U[users[known]],
                           model.V[items[known]])
    return out


def main(folder: Path) -> None:
    import cornac
    from cornac.data import TextModality
    from cornac.data.text import BaseTokenizer
    from cornac.eval_methods import BaseMethod
    from cornac.models import ConvMF

    config = json.loads((folder / "config.json").read_text())
    parts = {p: pd.read_csv(folder / f"{p}.csv")
             for p in ("train", "valid", "test")}
    docs = pd.read_csv(folder / "docs.csv", keep_default_na=False)
    # the settings of cornac's own ConvMF example
    text = TextModality(corpus=docs.text.tolist(),
                        ids=docs["item"].astype(str).tolist(),
                        tokenizer=BaseTokenizer(sep=" ",
                                                stop_words="english"),
                        max_vocab=8000, max_doc_freq=0.5)
    method = BaseMethod.from_splits(
        train_data=triples(parts["train"]), val_data=triples(parts["valid"]),
        test_data=triples(parts["test"]), item_text=text,
        exclude_unknowns=False, seed=config["seed"], verbose=False)
    train_set = method.train_set
    longest = max(len(s) for s in train_set.item_text.sequences)
    max_length = config["max_length"] or max(longest, 5)
    model = ConvMF(k=config["k"], n_epochs=config["num_epochs"],
                   lambda_u=config["lambda_u"], lambda_v=config["lambda_v"],
                   max_len=max_length, dropout_rate=config["dropout_rate"],
                   give_item_weight=config["item_weight"],
                   seed=config["seed"], verbose=True)
    start = time.time()
    model.fit(train_set, method.val_set)
    fit_seconds = time.time() - start
    np.savez(folder / "predictions.npz",
             valid=predict(model, train_set, parts["valid"]),
             test=predict(model, train_set, parts["test"]))
    (folder / "result.json").write_text(json.dumps({
        "version": cornac.__version__, "max_length": max_length,
        "vocabulary": int(train_set.item_text.vocab.size),
        "fit_seconds": round(fit_seconds, 1)}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
