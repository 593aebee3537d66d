"""ConvMF and PMF: the batched closed-form updates, PMF as ConvMF without
the CNN, the planted-text case where the text must help, and the item
documents they read."""

import numpy as np
import pandas as pd
import pytest
import torch

import deeprec as dr
from deeprec.data import (
    PlantedTextConfig, RatingData, density_split, planted_text,
    read_documents, title_documents, tokenize, write_documents,
)
from deeprec.data.matrix import CSR
from deeprec.data.readers import DataFormatError
from deeprec.train import solve_rows


def _tiny_csr(rows=7, cols=5, seed=0):
    gen = np.random.default_rng(seed)
    mask = gen.random((rows, cols)) < 0.5
    mask[3] = False  # a row without ratings: its solution is the prior
    r, c = np.nonzero(mask)
    values = gen.integers(1, 6, len(r)).astype(np.float32)
    return CSR.from_coo(r, c, values, (rows, cols)), mask, values


@pytest.mark.parametrize("with_prior", [False, True])
@pytest.mark.parametrize("budget", [1 << 20, 64])  # one slice; many slices
def test_batched_solves_equal_one_direct_solve_per_row(with_prior, budget):
    matrix, mask, _ = _tiny_csr()
    dense = matrix.to_dense().double().numpy()
    gen = torch.Generator().manual_seed(1)
    other = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    prior = torch.randn(7, 3, generator=gen, dtype=torch.float64)
    lam = 0.7
    got = solve_rows(matrix, other, lam, prior if with_prior else None,
                     budget=budget)
    o = other.numpy()
    for i in range(7):
        seen = mask[i]
        a = o[seen].T @ o[seen] + lam * np.eye(3)
        b = o[seen].T @ dense[i, seen] + (lam * prior[i].numpy()
                                          if with_prior else 0)
        np.testing.assert_allclose(got[i].numpy(), np.linalg.solve(a, b),
                                   rtol=1e-10, atol=1e-12)


def _planted_data(ratio=0.8, seed=0, **knobs):
    ratings, docs = planted_text(PlantedTextConfig(seed=seed, **knobs))
    split = density_split(ratings, ratio, seed=seed)
    split.name = "planted"
    return RatingData(split), docs


def test_pmf_is_alternating_least_squares_from_the_same_start():
    """use_text=False: each iteration is the two ridge solves of PMF
    (checked against numpy, row by row, from the trainer's own start)."""
    data, _ = _planted_data(num_users=30, num_items=20,
                            ratings_per_user=8)
    config = dr.ConvMFConfig(use_text=False, dim=3)
    train = dr.ConvMFTrainConfig(num_epochs=3, lambda_u=2.0, lambda_v=5.0,
                                 keep="last", patience=0, progress=False,
                                 device="cpu")
    model = dr.build_model(config, data)
    dr.fit_convmf(model, data, train)
    gen = torch.Generator().manual_seed(train.seed)
    u = torch.rand((data.num_users, 3), generator=gen).double().numpy()
    v = torch.rand((data.num_items, 3), generator=gen).double().numpy()
    r = data.train.to_dense().double().numpy()
    seen = r > 0
    for _ in range(3):
        u = np.stack([np.linalg.solve(v[s].T @ v[s] + 2.0 * np.eye(3),
                                      v[s].T @ r[i, s])
                      for i, s in enumerate(seen)])
        v = np.stack([np.linalg.solve(u[s].T @ u[s] + 5.0 * np.eye(3),
                                      u[s].T @ r[s, j])
                      for j, s in enumerate(seen.T)])
    np.testing.assert_allclose(model.U.numpy(), u, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(model.V.numpy(), v, rtol=1e-3, atol=1e-4)
    assert model.cnn is None


def test_convmf_pulls_item_vectors_to_the_cnn_and_trains_the_cnn(tmp_path):
    data, docs = _planted_data(num_users=40, num_items=30,
                               ratings_per_user=10)
    path = write_documents(tmp_path / "docs.tsv", docs)
    config = dr.ConvMFConfig(dim=4, documents=str(path), embed_dim=8,
                             filters=4, hidden=8, windows=(2, 3))
    train = dr.ConvMFTrainConfig(num_epochs=1, lambda_u=1.0, lambda_v=3.0,
                                 cnn_epochs=0, keep="last", progress=False,
                                 device="cpu")
    model = dr.build_model(config, data)
    assert model.config.vocab_words > 0 and model.config.documents_digest
    before = [p.detach().clone() for p in model.cnn.parameters()]
    dr.fit_convmf(model, data, train)
    theta = model.theta().detach().double().numpy()
    u, r = model.U.double().numpy(), data.train.to_dense().double().numpy()
    j = int(np.argmax((r > 0).sum(0)))
    s = r[:, j] > 0
    v = np.linalg.solve(u[s].T @ u[s] + 3.0 * np.eye(4),
                        u[s].T @ r[s, j] + 3.0 * theta[j])
    np.testing.assert_allclose(model.V[j].double().numpy(), v, rtol=1e-3,
                               atol=1e-4)
    assert all(torch.equal(a, b) for a, b in zip(before,
                                                 model.cnn.parameters()))
    trained = dr.build_model(config, data)
    dr.fit_convmf(trained, data, dr.replace(train, cnn_epochs=2))
    assert not all(torch.equal(a, b) for a, b in zip(
        before, trained.cnn.parameters()))


def test_planted_text_makes_convmf_beat_pmf_on_sparse_data(tmp_path):
    """Where each item has few training ratings and its document names its
    factors, ConvMF's test RMSE must be clearly lower than PMF's."""
    data, docs = _planted_data(ratio=0.2, ratings_per_user=40)
    path = write_documents(tmp_path / "docs.tsv", docs)
    train = dr.ConvMFTrainConfig(num_epochs=15, lambda_u=1.0, lambda_v=10.0,
                                 progress=False, device="cpu")
    rmse = {}
    for use_text in (False, True):
        dr.utils.set_seed(0)
        model = dr.build_model(dr.ConvMFConfig(
            use_text=use_text, dim=8, documents=str(path), embed_dim=32,
            filters=16, hidden=32), data)
        rmse[use_text] = dr.fit_convmf(model, data, train).test_rmse
    assert rmse[True] < rmse[False] - 0.03, rmse


def test_run_study_trains_convmf_from_a_recipe_and_keys_its_documents(
        tmp_path):
    data, docs = _planted_data(num_users=40, num_items=30,
                               ratings_per_user=10)
    a = write_documents(tmp_path / "a.tsv", docs)
    b = write_documents(tmp_path / "b.tsv", docs.str.upper().str.replace(
        "T0", "X0"))
    train = dr.ConvMFTrainConfig(num_epochs=2, progress=False, device="cpu")
    model = dict(dim=4, embed_dim=8, filters=4, hidden=8)
    runs = [dr.Run({"docs": name}, dr.ConvMFConfig(documents=str(p), **model),
                   train) for name, p in (("a", a), ("b", b))]
    keys = [dr.studies.run_key(r, data) for r in runs]
    assert keys[0] != keys[1]  # other text, another run
    study = dr.run_study(runs, data, tmp_path / "study", progress=False)
    assert len(study.trained) == 2
    again = dr.run_study(runs, data, tmp_path / "study", progress=False)
    assert again.reused == study.trained


def test_documents_file_errors_name_the_line(tmp_path):
    path = tmp_path / "docs.tsv"
    for text, why in [("1\tgood\n2 no tab\n", "line 2: expected item_id<TAB>"
                       "text"),
                      ("1\tgood\nx\tbad id\n", "line 2: item id 'x' is not "
                       "an integer"),
                      ("1\tgood\n1\tagain\n", "line 2: item 1 has a document "
                       "already (line 1)"),
                      ("", "the file is empty")]:
        path.write_text(text)
        with pytest.raises(DataFormatError) as err:
            read_documents(path)
        assert why in str(err.value) and str(path) in str(err.value)
    with pytest.raises(FileNotFoundError, match="document file not found"):
        read_documents(tmp_path / "missing.tsv")


def test_items_without_a_document_get_an_empty_one_with_one_warning(
        tmp_path):
    data, docs = _planted_data(num_users=40, num_items=30,
                               ratings_per_user=10)
    path = write_documents(tmp_path / "docs.tsv", docs.iloc[:20])
    from deeprec.data.documents import item_tokens
    with pytest.warns(UserWarning, match=r"10 of 30 items have no "
                      r"document"):
        tokens = item_tokens(str(path), "planted", data.item_ids)
    assert tokens.missing == 10
    assert int((tokens.ids.sum(1) == 0).sum()) == 10


def test_tokenize_keeps_the_top_tfidf_words_without_stop_words():
    texts = ["the cat sat on the mat", "the cat ran", "a dog ran far",
             "dog dog dog"]
    tokens = tokenize(texts, max_length=2, vocab_size=4, max_df=0.5)
    assert "the" not in tokens.vocabulary and "a" not in tokens.vocabulary
    assert len(tokens.vocabulary) == 4
    assert tokens.ids.shape == (4, 2)  # cut to max_length words
    words = [[tokens.vocabulary[k - 1] for k in row if k] for row in
             tokens.ids.tolist()]
    assert words[3] == ["dog", "dog"]
    # in at most half the documents: cat (2 of 4), ran (2), dog (2), ...
    assert set(tokens.vocabulary) <= {"cat", "sat", "mat", "ran", "dog",
                                      "far"}


def test_title_documents_join_title_and_genres():
    movies = pd.DataFrame({"item_id": [1, 2], "title": ["Toy Story (1995)",
                                                        "Heat (1995)"],
                           "genres": ["Animation|Children's", "(no genres "
                                      "listed)"]})
    docs = title_documents(movies)
    assert docs.tolist() == ["Toy Story (1995) Animation Children's",
                             "Heat (1995)"]


def test_density_split_shares_held_out_parts_and_nests_training():
    ratings, _ = planted_text(PlantedTextConfig(num_users=50, num_items=40,
                                                ratings_per_user=10))
    low, high = (density_split(ratings, r, seed=3) for r in (0.2, 0.8))
    pd.testing.assert_frame_equal(low.test, high.test)
    pd.testing.assert_frame_equal(low.valid, high.valid)
    assert len(high.train) == 400 and len(low.train) == 100
    key = ["user_id", "item_id"]
    assert len(low.train.merge(high.train, on=key)) == 100
    with pytest.raises(ValueError, match="train_ratio must be in"):
        density_split(ratings, 0.9)


def test_a_saved_convmf_loads_with_its_documents(tmp_path):
    data, docs = _planted_data(num_users=40, num_items=30,
                               ratings_per_user=10)
    path = write_documents(tmp_path / "docs.tsv", docs)
    config = dr.ConvMFConfig(dim=4, documents=str(path), embed_dim=8,
                             filters=4, hidden=8)
    model = dr.build_model(config, data)
    dr.fit_convmf(model, data, dr.ConvMFTrainConfig(
        num_epochs=1, progress=False, device="cpu"))
    fresh = dr.build_model(config, data)
    fresh.load_state_dict(model.state_dict())
    assert torch.equal(fresh.tokens, model.tokens)
    users = torch.arange(5)
    assert torch.equal(fresh(users, users), model(users, users))
