"""The store of task results: a content-addressed folder or object store URL.

Layout under the store's root (a local folder, or any URL obstore opens: `file://`, `s3://`,
`gs://`, `az://`, `memory://`):

    blobs/<2 hex>/<sha256>      a result, serialized once (pickle, protocol 5)
    keys/<2 hex>/<key>.json     what a task instance's key computed: {"digest", "size", "stored_at"}
    notes/<workflow>/<id>.json  what the last run of an instance was keyed on, for `--explain`

Every write is one atomic put (obstore: a temporary file renamed into place locally, a single
PUT on object stores), so a reader never sees half an entry, and a blob is written before the
key that names it. Every read checks the blob's sha256: a corrupt or missing entry is a miss,
never a wrong result. Concurrent runs may share a store: two writers of one blob write the same
bytes.

Unpickling runs code named in the data, so a store must only be writable by whom its readers
trust (a team's bucket, wt's own cache folder).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname


@dataclass(frozen=True)
class Stored:
    """A result in the store, passed instead of its value: its sha256."""

    digest: str


class StoreError(Exception):
    """The store cannot be reached, or a blob that must be there is not."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def serialize(value: Any) -> bytes | None:
    """The bytes a result is stored as, or None when it cannot be serialized."""
    try:
        return pickle.dumps(value, protocol=5)
    except Exception:  # noqa: BLE001 - any value may refuse pickling, in any way
        return None


def _open(url: str) -> Any:
    """The obstore store at `url` (a plain path is a local folder, created if missing)."""
    from obstore.store import LocalStore, from_url

    parsed = urlparse(url)
    if parsed.scheme == "file" or parsed.scheme == "" or len(parsed.scheme) == 1:
        path = Path(url2pathname(parsed.path)) if parsed.scheme == "file" else Path(url)
        path.mkdir(parents=True, exist_ok=True)
        return LocalStore(prefix=path)
    options = {}
    if os.environ.get("AWS_ALLOW_HTTP", "").lower() == "true":
        options["allow_http"] = True
    return from_url(url, client_options=options or None)


class ResultStore:
    """Blobs by sha256, keys naming them, and notes for explanations."""

    def __init__(self, url: str, *, memo: bool = False) -> None:
        self.url = url
        self._store = _open(url)
        # In-process runs read back what they just wrote: keep the values (they are held by
        # the run anyway). Workers keep nothing between jobs.
        self._memo: dict[str, Any] | None = {} if memo else None

    def _get(self, path: str) -> bytes | None:
        import obstore

        try:
            return bytes(obstore.get(self._store, path).bytes())
        except FileNotFoundError:
            return None
        except Exception as e:  # obstore raises its own error types
            if type(e).__name__ == "NotFoundError":
                return None
            raise StoreError(
                f"Cannot read {path} from the results store {self.url}: {e}"
            ) from e

    def _put(self, path: str, data: bytes) -> None:
        import obstore

        try:
            obstore.put(self._store, path, data)
        except Exception as e:  # obstore raises its own error types
            raise StoreError(
                f"Cannot write {path} to the results store {self.url}: {e}"
            ) from e

    def put_value(self, value: Any) -> str | None:
        """Stores `value`; returns its digest, or None when it cannot be serialized."""
        data = serialize(value)
        if data is None:
            return None
        digest = sha256(data)
        self._put(f"blobs/{digest[:2]}/{digest}", data)
        if self._memo is not None:
            self._memo[digest] = value
        return digest

    def stored(self, value: Any) -> Any:
        """`value` stored: its `Stored` reference, or the value itself when it cannot be
        serialized (it then travels by value)."""
        digest = self.put_value(value)
        return value if digest is None else Stored(digest)

    def get_value(self, digest: str) -> Any:
        """The value with `digest`; StoreError when it is missing or corrupt."""
        if self._memo is not None and digest in self._memo:
            return self._memo[digest]
        data = self._get(f"blobs/{digest[:2]}/{digest}")
        if data is None or sha256(data) != digest:
            raise StoreError(
                f"The result {digest} is {'corrupt' if data else 'missing'} in the results "
                f"store {self.url}; run again (it will be computed anew)."
            )
        value = pickle.loads(data)  # the store is trusted (module docstring)
        if self._memo is not None:
            self._memo[digest] = value
        return value

    def has_value(self, digest: str) -> bool:
        """Whether the blob `digest` is there and whole."""
        if self._memo is not None and digest in self._memo:
            return True
        data = self._get(f"blobs/{digest[:2]}/{digest}")
        if data is None:
            return False
        if sha256(data) != digest:
            warnings.warn(
                f"results store {self.url}: blob {digest} is corrupt; recomputing it",
                stacklevel=2,
            )
            return False
        return True

    def put_key(self, key: str, digest: str) -> None:
        record = {"digest": digest, "stored_at": time.time()}
        self._put(f"keys/{key[:2]}/{key}.json", json.dumps(record).encode())

    def get_key(self, key: str) -> dict[str, Any] | None:
        """What `key` computed ({"digest", "stored_at"}), if recorded and its blob is whole."""
        data = self._get(f"keys/{key[:2]}/{key}.json")
        if data is None:
            return None
        try:
            record = json.loads(data)
            digest = record["digest"]
        except (ValueError, KeyError, TypeError):
            return None
        if not isinstance(digest, str) or not self.has_value(digest):
            return None
        return record

    def put_error(self, run: str, instance: str, error: str, trace: str) -> None:
        """Records the failure of `instance` in `run` (an engine's run id)."""
        record = {"instance": instance, "error": error, "trace": trace}
        self._put(
            f"errors/{_name(run)}/{_name(instance)}.json", json.dumps(record).encode()
        )

    def get_errors(self, run: str) -> list[dict[str, Any]]:
        """The failures recorded for `run`, by instance id."""
        import obstore

        prefix = f"errors/{_name(run)}/"
        paths = sorted(
            meta["path"]
            for batch in obstore.list(self._store, prefix=prefix)
            for meta in batch
        )
        out = []
        for path in paths:
            data = self._get(path)
            if data is not None:
                out.append(json.loads(data))
        return out

    def put_note(self, workflow: str, instance: str, note: dict[str, Any]) -> None:
        self._put(
            f"notes/{workflow}/{instance}.json",
            json.dumps(note, sort_keys=True).encode(),
        )

    def get_note(self, workflow: str, instance: str) -> dict[str, Any] | None:
        data = self._get(f"notes/{workflow}/{instance}.json")
        try:
            return json.loads(data) if data is not None else None
        except ValueError:
            return None


def _name(text: str) -> str:
    """`text` as one safe path segment (run ids hold `:` and `+`)."""
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in text) or "_"


_OPEN: dict[tuple[str, bool], ResultStore] = {}


def store_at(url: str, *, memo: bool = False, fresh: bool = False) -> ResultStore:
    """One store object per URL and process (opening a remote store costs a client).
    `fresh`: a new one (a run starts, and the values kept by a previous one must not stand
    in for what the store holds now)."""
    found = None if fresh else _OPEN.get((url, memo))
    if found is None:
        found = _OPEN[(url, memo)] = ResultStore(url, memo=memo)
    return found


def load(value: Any, store: ResultStore) -> Any:
    """`value` with every `Stored` replaced by the stored value, in lists, tuples and dicts."""
    if isinstance(value, Stored):
        return store.get_value(value.digest)
    if isinstance(value, list):
        return [load(v, store) for v in value]
    if isinstance(value, tuple):
        return tuple(load(v, store) for v in value)
    if isinstance(value, dict):
        return {k: load(v, store) for k, v in value.items()}
    return value
