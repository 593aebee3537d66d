"""Data: readers, downloads, the synthetic generator, splits, the matrix."""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from deeprec.data.column_splits import (  # noqa: F401
    ColumnSplit, column_data, random_split_columns, time_split_columns,
)
from deeprec.data.documents import (  # noqa: F401
    item_tokens, read_documents, title_documents, tokenize, write_documents,
)
from deeprec.data.download import (  # noqa: F401
    ARCHIVES, DatasetNotFoundError, data_home, fetch_movielens,
)
from deeprec.data.matrix import CSR, Entries, RatingData  # noqa: F401
from deeprec.data.netflix import (  # noqa: F401
    NETFLIX_SPLITS, load_netflix_columns, netflix_column_split,
    netflix_data, netflix_files, netflix_split, read_netflix,
    read_netflix_file,
)
from deeprec.data.movielens_columns import read_rating_columns  # noqa: F401
from deeprec.data.planted_text import (  # noqa: F401
    PlantedTextConfig, planted_text,
)
from deeprec.data.readers import (  # noqa: F401
    DataFormatError, read_movielens, read_rating_file,
)
from deeprec.data.splits import (  # noqa: F401
    Split, density_split, drop_unseen, last_days_split, ml100k_fold,
    random_like, random_split, time_split, train_valid_split,
)
from deeprec.data.stats import dataset_stats  # noqa: F401
from deeprec.data.streaming import (  # noqa: F401
    RatingColumns, read_netflix_columns,
)
from deeprec.data.synthetic import (  # noqa: F401
    SyntheticConfig, synthetic_ratings, write_synthetic_movielens,
)
from deeprec.data.synthetic_netflix import (  # noqa: F401
    write_synthetic_netflix,
)

#: Synthetic data sets by name: small for tests, and the sizes of ML-100K
#: and ML-1M for benchmarks.
SYNTHETIC = {
    "synthetic": SyntheticConfig(),
    "synthetic-100k": SyntheticConfig(num_users=943, num_items=1682,
                                      num_ratings=100_000),
    "synthetic-1m": SyntheticConfig(num_users=6040, num_items=3706,
                                    num_ratings=1_000_209),
}
DATASETS = [*ARCHIVES, *SYNTHETIC, "netflix"]
#: MovieLens sets whose random split streams into compact columns.
COMPACT_MOVIELENS = ("ml-20m", "ml-25m", "ml-32m")


def synthetic_folder(config: SyntheticConfig = SyntheticConfig(),
                     home: str | Path | None = None) -> Path:
    """Folder of a synthetic data set in ML-100K layout, written once and
    then reused (its name is a hash of the generator's config)."""
    key = hashlib.sha1(repr(asdict(config)).encode()).hexdigest()[:10]
    folder = data_home(home) / f"synthetic-{key}"
    if not (folder / "u5.test").is_file():
        write_synthetic_movielens(folder, config)
    return folder


def dataset_folder(name: str, home: str | Path | None = None) -> Path:
    """The folder holding data set ``name`` (downloaded/generated once)."""
    if name in SYNTHETIC:
        return synthetic_folder(SYNTHETIC[name], home)
    if name == "netflix":
        folder = data_home(home) / "netflix"
        netflix_files(folder)  # none there: DatasetNotFoundError, one line
        return folder
    return fetch_movielens(name, home)


def load_ratings(name: str = "ml-100k", home: str | Path | None = None
                 ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Ratings and movies (None where the data has no titles) of ``name``.

    ``name`` is one of :data:`DATASETS`: a MovieLens archive
    (``ml-100k`` ... ``ml-32m``), ``netflix``, or a synthetic set.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; known: "
                         f"{', '.join(DATASETS)}")
    folder = dataset_folder(name, home)
    if name == "netflix":
        return read_netflix(folder), None
    return read_movielens(folder, "ml-100k" if name in SYNTHETIC else name)


def load_movies(name: str = "ml-100k", home: str | Path | None = None
                ) -> pd.DataFrame | None:
    """The movies (``item_id, title, genres``) of data set ``name``, or
    None where it has none (Netflix here has no titles file)."""
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; known: "
                         f"{', '.join(DATASETS)}")
    if name == "netflix":
        return None
    from deeprec.data.movies import read_movies
    return read_movies(dataset_folder(name, home),
                       "ml-100k" if name in SYNTHETIC else name)


def load_split(dataset: str = "ml-100k", split: str = "u1", seed: int = 0,
               valid_fraction: float = 0.0,
               home: str | Path | None = None) -> Split:
    """Load a data set and split it.

    Args:
        dataset: a name from :data:`DATASETS`.
        split: ``u1``..``u5`` (ML-100K layouts: the archive's folds),
            ``random`` (90/10), ``time`` (last 30 days held out, halved into
            valid/test), or a Netflix split (``full``, ``3months``,
            ``6months``, ``1year``).
        seed: seed of the random parts.
        valid_fraction: when > 0 and the split has no validation part, carve
            one out of training with :func:`train_valid_split`.
    """
    if split in NETFLIX_SPLITS:
        ratings, _ = load_ratings(dataset, home)
        result = netflix_split(ratings, split, seed)
    elif split in {f"u{k}" for k in range(1, 6)}:
        if dataset != "ml-100k" and dataset not in SYNTHETIC:
            raise ValueError(f"fold {split!r} exists for ml-100k and the "
                             f"synthetic sets only, not {dataset!r}")
        result = ml100k_fold(dataset_folder(dataset, home), int(split[1]))
    elif split == "random":
        result = random_split(load_ratings(dataset, home)[0], 0.1, seed)
    elif split == "time":
        result = last_days_split(load_ratings(dataset, home)[0], 30,
                                 seed=seed)
    else:
        raise ValueError(f"unknown split {split!r}; use u1..u5, random, time"
                         f" or {', '.join(NETFLIX_SPLITS)}")
    if valid_fraction > 0 and len(result.valid) == 0:
        result = train_valid_split(result, valid_fraction, seed)
    result.name = f"{dataset}/{result.name}"
    return result


def rating_data(dataset: str = "ml-100k", split: str = "u1", seed: int = 0,
                valid_fraction: float = 0.0,
                home: str | Path | None = None) -> RatingData:
    """``RatingData(load_split(...))``, except for the Netflix Prize time
    splits and the random split of ML-20M, ML-25M and ML-32M, which take
    the streaming path (compact columns straight to CSR, no DataFrames:
    a few GB for the whole prize set instead of ~10; the same ratings in
    every part, the training entries in CSR order)."""
    if dataset == "netflix" and split in NETFLIX_SPLITS:
        columns = load_netflix_columns(dataset_folder(dataset, home))
        data = netflix_data(netflix_column_split(columns, split, seed))
    elif dataset in COMPACT_MOVIELENS and split == "random":
        columns = read_rating_columns(dataset_folder(dataset, home)
                                      / "ratings.csv")
        data = column_data(random_split_columns(columns, 0.1, seed,
                                                valid_fraction))
    else:
        return RatingData(load_split(dataset, split, seed, valid_fraction,
                                     home))
    data.name = f"{dataset}/{data.name}"
    return data


def synthetic_split(split: str = "u1", name: str = "synthetic",
                    seed: int = 0, valid_fraction: float = 0.0,
                    home: str | Path | None = None) -> Split:
    """:func:`load_split` on a synthetic data set (offline, deterministic)."""
    return load_split(name, split, seed, valid_fraction, home)
