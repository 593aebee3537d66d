"""Download MovieLens archives with a pinned checksum into a cache folder.

Files already in the cache are used with no network access. The cache is
``$DEEPREC_DATA`` when set, else the user cache folder (``~/.cache/deeprec``
on Linux). Downloads go through :func:`pooch.retrieve`, which writes to a
temporary file and moves it into place only once its hash matches.

Nothing half-done is left behind: downloads and extractions happen in
hidden folders named with the process ID (``.download-<name>.<pid>.*``,
``.extract-<folder>.<pid>.*``), and the next fetch of a data set removes
those of dead processes (and, after an hour, older unnamed leftovers).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pooch

from deeprec.utils import remove_stale_temps

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


def _remove_leftovers(home: Path, name: str, archive: Archive) -> None:
    """Delete what killed fetches of ``name`` left in ``home``.

    Our folders carry the PID: they go once that process is dead. The
    nameless ``.extract-<random>`` folders of older versions go when older
    than an hour. Nothing else is touched (the cache folder may be shared,
    e.g. ``DEEPREC_DATA=/tmp``).
    """
    remove_stale_temps(home, f".download-{name}.")
    remove_stale_temps(home, f".extract-{archive.folder}.")
    remove_stale_temps(home, ".extract-")


def _private_folder(home: Path, kind: str, name: str) -> Path:
    """A new hidden ``.<kind>-<name>.<pid>.<random>`` folder in ``home``."""
    return Path(tempfile.mkdtemp(dir=home,
                                 prefix=f".{kind}-{name}.{os.getpid()}."))


def _hash_problem(path: Path, known_hash: str) -> str | None:
    """None when file ``path`` has the pooch-style ``"alg:hex"`` hash,
    else what went wrong (``"failed its SHA256 check (expected .., got
    ..)"``)."""
    alg, value = known_hash.split(":", 1)
    got = pooch.file_hash(str(path), alg=alg)
    if got == value.lower():
        return None
    return (f"failed its {alg.upper()} check (expected {value.lower()}, "
            f"got {got})")


def _set_aside(zip_path: Path, known_hash: str) -> str:
    """Move a cached zip that fails its checksum to ``<name>.zip.bad``;
    return what happened ("" when the file is fine or absent)."""
    if not zip_path.is_file():
        return ""
    problem = _hash_problem(zip_path, known_hash)
    if problem is None:
        return ""
    bad = zip_path.with_name(zip_path.name + ".bad")
    os.replace(zip_path, bad)
    note = (f"the cached file {zip_path} {problem}: moved it to {bad} "
            "(delete it once a good copy is in place)")
    warnings.warn(note + "; downloading it again", stacklevel=3)
    return note


def _download(name: str, archive: Archive, home: Path, progress: bool
              ) -> Path:
    """Return ``home/<name>.zip`` with a matching hash, downloading it
    (into a private folder, then renamed) when missing or different."""
    zip_path = home / f"{name}.zip"
    note = _set_aside(zip_path, archive.known_hash)
    if zip_path.is_file():
        return zip_path  # cached and checked: no network
    errors = []
    tmp = _private_folder(home, "download", name)
    try:
        # files.grouplens.org has served an expired TLS certificate at
        # times; the hash check makes a plain-http retry just as safe.
        for url in (archive.url,
                    archive.url.replace("https://", "http://")):
            try:
                got = pooch.retrieve(url, archive.known_hash,
                                     fname=zip_path.name, path=tmp,
                                     progressbar=progress)
                break
            except ValueError:
                raise  # hash mismatch: never retry with a corrupt file
            except Exception as exc:  # network errors of requests/urllib
                errors.append(f"{url}: {type(exc).__name__}: {exc}")
        else:
            folder = home / archive.folder
            first = (f"{note}.\n{name} could not be downloaded again"
                     if note else f"{name} is not cached and could not be "
                     "downloaded")
            raise DatasetNotFoundError(
                f"{first}.\n"
                f"  Download {archive.url}\n"
                f"  and put a good copy of the zip at {zip_path}\n"
                f"  (or its extracted files in {folder}/),\n"
                f"  or set ${DATA_ENV} to a folder that holds them.\n"
                "  Errors: " + "; ".join(errors))
        os.replace(got, zip_path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return zip_path


def _extract(zip_path: Path, home: Path, archive: Archive) -> None:
    """Unzip into a private folder, then rename: never half-extracted."""
    tmp = _private_folder(home, "extract", archive.folder)
    try:
        with zipfile.ZipFile(zip_path) as zipped:
            zipped.extractall(tmp)
        new = tmp / archive.folder
        if not (new / archive.marker).is_file():
            raise ValueError(f"{zip_path} holds no {archive.folder}/"
                             f"{archive.marker}: not the expected archive")
        target = home / archive.folder
        if os.path.lexists(target):  # incomplete: goes with tmp
            os.replace(target, tmp / ".incomplete")
        os.replace(new, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


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

    A cached zip that fails its checksum is moved to ``<name>.zip.bad``
    (with a warning naming both hashes) and downloaded again; offline, the
    error says so and where to put a good copy.
    """
    if name not in ARCHIVES:
        raise ValueError(f"unknown data set {name!r}; known: "
                         f"{', '.join(ARCHIVES)}")
    archive = ARCHIVES[name]
    home = data_home(home)
    _remove_leftovers(home, name, archive)
    folder = home / archive.folder
    if (folder / archive.marker).is_file():
        return folder  # cached: no network
    home.mkdir(parents=True, exist_ok=True)
    _extract(_download(name, archive, home, progress), home, archive)
    return folder
