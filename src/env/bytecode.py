"""Writes the bytecode of every Python file installed in this interpreter's site-packages.

wt runs this with an environment's own interpreter, once, when it builds the environment:
`python -I -B bytecode.py STORE`. Every process wt later starts in the environment runs with
PYTHONDONTWRITEBYTECODE (the environment stays as built), so without bytecode each of them
would compile every module it imports from source, every time.

Compiling a whole site-packages costs seconds of CPU, and most environments of a machine hold
the same files (wt's runtime, the same libraries). So each source is compiled once into STORE,
under this interpreter's magic number and tag and the source's sha256, and every environment
that holds the same source gets a hard link to (or a copy of) that file. The files are
checked-hash `.pyc` (PEP 552): valid whatever the installed source's mtime, which differs
between environments, and still checked against the source at import, so an edited source
never runs from stale bytecode.

A file that already has bytecode is left as it is; a source that does not compile (not Python
3, a template) gets none, as with `compileall`. Prints `compiled N, reused M`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import py_compile
import shutil
import sys
import sysconfig
import tempfile
from concurrent.futures import ProcessPoolExecutor

# Files per worker task when compiling in several processes; below twice this, one process.
CHUNK = 64


def sources(site_packages: str) -> list[str]:
    """Every `.py` file under `site_packages` without bytecode of this interpreter's tag."""
    found = []
    for folder, dirs, files in os.walk(site_packages):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                if not os.path.exists(importlib.util.cache_from_source(path)):
                    found.append(path)
    return found


def compile_into(job: tuple[str, str, str]) -> bool:
    """Compiles `source` (recorded as `name`) to `stored`, through a file named after this
    process so that two processes compiling the same source never write one file; False when
    the source does not compile."""
    source, name, stored = job
    os.makedirs(os.path.dirname(stored), exist_ok=True)
    partial = f"{stored}.{os.getpid()}.partial"
    try:
        py_compile.compile(
            source,
            cfile=partial,
            dfile=name,
            doraise=True,
            invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH,
        )
    except Exception:  # noqa: BLE001 - any source that does not compile gets no bytecode
        return False
    os.replace(partial, stored)
    return True


def link(stored: str, target: str) -> None:
    """`target` as a hard link to `stored`, or a copy where the two are on different file
    systems."""
    os.makedirs(os.path.dirname(target), exist_ok=True)
    try:
        os.link(stored, target)
    except OSError:
        shutil.copyfile(stored, target)


def writable(folder: str) -> bool:
    """Whether files can be created in `folder` (made when missing)."""
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def main(store_root: str) -> None:
    tag = sys.implementation.cache_tag
    store = os.path.join(store_root, f"{importlib.util.MAGIC_NUMBER.hex()}-{tag}")
    if writable(store):
        write(store)
        return
    # A store this user cannot write (a read-only shared cache): the environment still gets
    # its bytecode, compiled for it alone.
    print(
        f"cannot write to {store}: compiling for this environment only", file=sys.stderr
    )
    with tempfile.TemporaryDirectory() as scratch:
        write(scratch)


def write(store: str) -> None:
    """Gives every source without bytecode the bytecode of `store`, compiling what it lacks."""
    site_packages = sorted(
        {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    )
    todo: list[tuple[str, str]] = []
    missing: dict[str, tuple[str, str, str]] = {}
    for root in site_packages:
        for source in sources(root):
            with open(source, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            stored = os.path.join(store, digest[:2], f"{digest}.pyc")
            todo.append((stored, importlib.util.cache_from_source(source)))
            if digest not in missing and not os.path.exists(stored):
                name = os.path.relpath(source, root)
                missing[digest] = (source, name, stored)
    jobs = list(missing.values())
    if len(jobs) < 2 * CHUNK:
        compiled = sum(map(compile_into, jobs))
    else:
        workers = min(os.cpu_count() or 1, len(jobs) // CHUNK)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            compiled = sum(pool.map(compile_into, jobs, chunksize=CHUNK))
    linked = 0
    for stored, target in todo:
        if os.path.exists(stored):
            link(stored, target)
            linked += 1
    print(f"compiled {compiled}, reused {linked - compiled}")


if __name__ == "__main__":
    main(sys.argv[1])
