"""Item documents: the text ConvMF reads beside the ratings.

A document source is either ``"titles"`` (the data set's own movie file:
each movie's title and genres, the only item text a MovieLens archive
holds) or a two-column file of ``item_id<TAB>text`` lines (one per item;
absolute, or relative to the data cache). :func:`tokenize` turns the
documents of a split's items into a padded matrix of word ids as ConvMF's
paper prepares its documents: lower-cased words, English stop words
removed, each document cut to ``max_length`` words, and a vocabulary of
the ``vocab_size`` words with the highest tf-idf, leaving out words in more
than ``max_df`` of the documents. Items without a document get an empty
one, with one warning that says how many.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from deeprec.constants import GENRES, ITEM, TITLE
from deeprec.data.readers import format_error

#: The source name of the embedded MovieLens documents.
TITLES = "titles"
#: Common English function words (removed before counting).
STOP_WORDS = frozenset("""
a about above after again against all am an and any are as at be because
been before being below between both but by can could did do does doing
down during each few for from further had has have having he her here hers
herself him himself his how i if in into is it its itself just me more most
my myself no nor not now of off on once only or other our ours ourselves out
over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up
very was we were what when where which while who whom why will with would
you your yours yourself yourselves s t
""".split())
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_BREAKS = re.compile(r"[\t\r\n]+")


def read_documents(path: str | Path) -> pd.Series:
    """Read ``item_id<TAB>text`` lines (UTF-8) into a Series indexed by
    item id.

    Raises:
        FileNotFoundError: the file is missing.
        DataFormatError: a line without a tab, an id that is not an
            integer, an item given twice, or an empty file (file and line
            named).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"document file not found: {path} (expected"
                                " lines of item_id<TAB>text)")
    ids, texts, seen = [], [], {}
    with open(path, encoding="utf-8", errors="strict") as file:
        for number, line in enumerate(file, start=1):
            item, tab, text = line.rstrip("\r\n").partition("\t")
            if not tab:
                raise format_error(path, number, "expected item_id<TAB>text",
                                   line.rstrip("\r\n"))
            if not (item.isascii() and item.isdigit()):
                raise format_error(path, number, f"item id {item!r} is not "
                                   "an integer (expected item_id<TAB>text)")
            if int(item) in seen:
                raise format_error(path, number, f"item {int(item)} has a "
                                   f"document already (line {seen[int(item)]}"
                                   "); expected one line per item")
            seen[int(item)] = number
            ids.append(int(item))
            texts.append(text)
    if not ids:
        raise format_error(path, None, "the file is empty (expected lines of "
                           "item_id<TAB>text)")
    return pd.Series(texts, index=pd.Index(ids, name=ITEM), name="text")


def write_documents(path: str | Path, documents: pd.Series) -> Path:
    """Write ``documents`` (text by item id) as ``item_id<TAB>text`` lines,
    atomically; tabs and newlines inside a text become spaces."""
    from deeprec.utils import atomic_path
    path = Path(path)
    flat = (_BREAKS.sub(" ", str(t)) for t in documents)
    lines = [f"{int(i)}\t{t}\n" for i, t in zip(documents.index, flat)]
    with atomic_path(path) as tmp:
        tmp.write_text("".join(lines), encoding="utf-8")
    return path


def title_documents(movies: pd.DataFrame) -> pd.Series:
    """Each movie's title and genres as one text ("Toy Story (1995)
    Animation Children's Comedy"): the documents a MovieLens archive can
    give."""
    genres = movies[GENRES].fillna("").str.replace("|", " ", regex=False)
    genres = genres.replace("(no genres listed)", "")
    text = (movies[TITLE].astype(str) + " " + genres).str.strip()
    return pd.Series(text.to_numpy(), index=pd.Index(
        movies[ITEM].to_numpy(), name=ITEM), name="text")


def words(text: str) -> list[str]:
    """Lower-cased words of ``text`` without stop words."""
    return [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]


@dataclass(frozen=True)
class Tokens:
    """A split's item documents as word ids.

    Attributes:
        ids: (num_items, length) int64 word ids, 0 = padding, row j the
            document of item index j.
        vocabulary: the words, ``vocabulary[k - 1]`` has id ``k``.
        missing: items that had no document (empty rows).
        digest: a hash of ``ids`` and ``vocabulary`` (the documents'
            identity in a run's definition).
    """

    ids: torch.Tensor
    vocabulary: tuple[str, ...]
    missing: int
    digest: str


def tokenize(texts: list[str], max_length: int = 300,
             vocab_size: int = 8000, max_df: float = 0.5) -> Tokens:
    """Word ids of ``texts`` (see the module's rules); the matrix is as
    wide as the longest kept document, at most ``max_length``."""
    docs = [words(t) for t in texts]
    vocabulary = _vocabulary(docs, vocab_size, max_df)
    index = {w: k for k, w in enumerate(vocabulary, start=1)}
    kept = [[index[w] for w in d if w in index][:max_length] for d in docs]
    width = max([len(k) for k in kept] + [1])
    ids = np.zeros((len(kept), width), np.int64)
    for row, doc in enumerate(kept):
        ids[row, :len(doc)] = doc
    digest = hashlib.blake2b(ids.tobytes() + "\n".join(vocabulary).encode(),
                             digest_size=8).hexdigest()
    return Tokens(torch.from_numpy(ids), tuple(vocabulary),
                  sum(not t.strip() for t in texts), digest)


def _vocabulary(docs: list[list[str]], size: int, max_df: float
                ) -> list[str]:
    """The ``size`` words of highest total tf-idf (ties by word), among
    words in at most ``max_df`` of the documents."""
    frame = pd.DataFrame({"doc": np.repeat(np.arange(len(docs)),
                                           [len(d) for d in docs]),
                          "word": [w for d in docs for w in d]})
    if frame.empty:
        return []
    tf = frame.groupby(["doc", "word"]).size().rename("count").reset_index()
    tf["tf"] = tf["count"] / tf.groupby("doc")["count"].transform("sum")
    df = tf.groupby("word").size()
    idf = np.log((1 + len(docs)) / (1 + df)) + 1  # scikit-learn's smooth idf
    score = (tf["tf"] * tf["word"].map(idf)).groupby(tf["word"]).sum()
    score = score[df[score.index] <= max_df * len(docs)].rename("score")
    ranked = score.reset_index().sort_values(["score", "word"],
                                             ascending=[False, True])
    return ranked["word"].head(size).tolist()


def item_texts(source: str, dataset: str, item_ids: np.ndarray
               ) -> list[str]:
    """The documents of ``item_ids`` (raw ids, in index order) from
    ``source``; a missing one is ``""``, with a warning counting them."""
    if source == TITLES:
        from deeprec.data import load_movies
        movies = load_movies(dataset)
        if movies is None:
            raise ValueError(f"documents={TITLES!r}: data set {dataset!r} "
                             "has no movie titles; give a document file "
                             "(item_id<TAB>text)")
        documents = title_documents(movies)
    else:
        documents = read_documents(_path(source))
    texts = documents.reindex(item_ids).fillna("").astype(str).tolist()
    missing = sum(not t.strip() for t in texts)
    if missing:
        warnings.warn(f"{missing} of {len(texts)} items have no document in "
                      f"{source!r}: they get an empty one", UserWarning,
                      stacklevel=2)
    return texts


def _path(source: str) -> Path:
    from deeprec.data.download import data_home
    path = Path(source)
    return path if path.is_absolute() else data_home() / path


@lru_cache(maxsize=16)
def _cached(source: str, stamp: str, dataset: str, ids: bytes,
            max_length: int, vocab_size: int, max_df: float) -> Tokens:
    item_ids = np.frombuffer(ids, np.int64)
    return tokenize(item_texts(source, dataset, item_ids), max_length,
                    vocab_size, max_df)


def item_tokens(source: str, dataset: str, item_ids: np.ndarray,
                max_length: int = 300, vocab_size: int = 8000,
                max_df: float = 0.5) -> Tokens:
    """:func:`tokenize` of :func:`item_texts`, cached per arguments (a
    document file is read again when its size or time changes)."""
    stamp = ""
    if source != TITLES and _path(source).is_file():
        stat = _path(source).stat()
        stamp = f"{stat.st_size}:{stat.st_mtime_ns}"
    ids = np.asarray(item_ids, np.int64).tobytes()
    return _cached(source, stamp, dataset, ids, max_length, vocab_size,
                   max_df)
