"""Download MovieLens archives with a pinned checksum into a cache folder.

Files already in the cache are used with no network access. The cache is
``$DEEPREC_DATA`` when set, else the user cache folder (``~/.cache/deeprec``
on Linux). Downloads go through :func:`pooch.retrieve`, which writes to a
temporary file and moves it into place only once its hash matches.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pooch

DATA_ENV = "DEEPREC_DATA"


@dataclass(frozen=True)
class Archive:
    """A MovieLens archive: where it lives and how to check it."""

    url: str
    known_hash: str  # "sha256:..." or "md5:..." (pooch syntax)
    folder: str  # the folder the zip extracts to
    marker: str  # a file that proves the folder is complete


_BASE = "https://files.grouplens.org/datasets/movielens/"
ARCHIVES = {
    "ml-100k": Archive(
        _BASE + "ml-100k.zip",
        "sha256:"
        "50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229",
        "ml-100k", "u.data"),
    "ml-1m": Archive(
        _BASE + "ml-1m.zip",
        "sha256:"
        "a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20",
        "ml-1m", "ratings.dat"),
    "ml-10m": Archive(
        _BASE + "ml-10m.zip",
        "sha256:"
        "813c411ccb6122564edfe752e7f80c4dcc5aa25fa94c93622f6877a7ba252862",
        "ml-10M100K", "ratings.dat"),
    "ml-20m": Archive(
        _BASE + "ml-20m.zip",
        "sha256:"
        "96f243c338a8665f6bcc89c53edf6ee39162a846940de6b7c8c48aeada765ff3",
        "ml-20m", "ratings.csv"),
    "ml-25m": Archive(_BASE + "ml-25m.zip",
                      "md5:6b51fb2759a8657d3bfcbfc42b592ada",
                      "ml-25m", "ratings.csv"),
    "ml-32m": Archive(_BASE + "ml-32m.zip",
                      "md5:d472be332d4daa821edc399621853b57",
                      "ml-32m", "ratings.csv"),
}


class DatasetNotFoundError(FileNotFoundError):
    """The data is neither cached nor downloadable (offline)."""


def data_home(path: str | os.PathLike | None = None) -> Path:
    """The cache folder: ``path``, else ``$DEEPREC_DATA``, else the user
    cache dir."""
    if path is None:
        path = os.environ.get(DATA_ENV) or pooch.os_cache("deeprec")
    return Path(path).expanduser()


def _extract(zip_path: Path, home: Path, folder: str) -> None:
    """Unzip into a temporary folder, then rename: never half-extracted."""
    with tempfile.TemporaryDirectory(dir=home, prefix=".extract-") as tmp:
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(tmp)
        target = home / folder
        if target.exists():
            shutil.rmtree(target)
        os.replace(Path(tmp) / folder, target)


def fetch_movielens(name: str, home: str | os.PathLike | None = None,
                    progress: bool = True) -> Path:
    """Return the extracted folder of MovieLens ``name``, downloading once.

    Args:
        name: a key of :data:`ARCHIVES` (``"ml-100k"``, ``"ml-1m"``, ...).
        home: the cache folder (default :func:`data_home`).
        progress: show a download progress bar.

    Raises:
        DatasetNotFoundError: offline with nothing cached; the message names
            the URL and the exact folder to put the files in.
        ValueError: a download whose checksum differs (pooch refuses it).
    """
    if name not in ARCHIVES:
        raise ValueError(f"unknown data set {name!r}; known: "
                         f"{', '.join(ARCHIVES)}")
    archive = ARCHIVES[name]
    home = data_home(home)
    folder = home / archive.folder
    if (folder / archive.marker).is_file():
        return folder  # cached: no network
    home.mkdir(parents=True, exist_ok=True)
    fname = f"{name}.zip"
    errors = []
    # files.grouplens.org has served an expired TLS certificate at times; the
    # hash check makes a plain-http retry just as safe.
    for url in (archive.url, archive.url.replace("https://", "http://")):
        try:
            zip_path = pooch.retrieve(url, archive.known_hash, fname=fname,
                                      path=home, progressbar=progress)
            break
        except ValueError:
            raise  # hash mismatch: never retry with a corrupt file
        except Exception as exc:  # network errors of requests/urllib
            errors.append(f"{url}: {type(exc).__name__}: {exc}")
    else:
        raise DatasetNotFoundError(
            f"{name} is not cached and could not be downloaded.\n"
            f"  Download {archive.url}\n"
            f"  and put the zip at {home / fname}\n"
            f"  (or its extracted files in {folder}/),\n"
            f"  or set ${DATA_ENV} to a folder that holds them.\n"
            "  Errors: " + "; ".join(errors))
    _extract(Path(zip_path), home, archive.folder)
    return folder
