#!/usr/bin/env python3
"""Builds a conda channel holding `python` (linux-64) from a CPython already on this machine.

wt locks Python as a conda package from conda-forge. Where conda-forge cannot be reached (this
project's CI and demo run offline from conda), this channel stands in for it as a mirror
(`WT_CONDA_FORGE_MIRROR`): the lock still names conda-forge, the bytes come from here.

The package is made from pyenv's CPython (built with a shared libpython), so that it runs from
any prefix: CPython finds its standard library from the executable's location; each ELF file's
RUNPATH (pyenv's absolute `<prefix>/lib`) is rewritten in place to the same folder relative to
`$ORIGIN` (shorter, padded with NULs, so no byte moves); text files naming the build prefix
(`_sysconfigdata_*.py`) are declared with it as their prefix placeholder, which the installer
replaces with the environment's prefix. The test suite, IDLE, Tk, ensurepip, site-packages and
the static library are left out (about 55 MB instead of 740).

The standard library's bytecode is compiled into the package, as conda-forge's python ships it:
wt starts every process in an environment with PYTHONDONTWRITEBYTECODE, so without it each
process would compile every module it imports from source. The files are compiled by the
packaged interpreter as unchecked-hash .pyc (PEP 552), used whatever the installed sources'
mtimes; files holding the prefix placeholder are left uncompiled, as their text changes.

The package is in the `.conda` format (a zip of two zstd-compressed tars), as conda-forge
publishes it: a fresh environment extracts it in 0.17 s of CPU, where the `.tar.bz2` format
took 1.84 s, and every new wt cache (each test's, each CI machine's) extracts it once. Writing it
needs `zstandard` (PyPI), which scripts/bootstrap.sh installs into `.tools/venv`: run this with
that interpreter.

Usage: conda-python.py OUT [--from PREFIX]
Writes OUT/<version>-<digest>/ (a channel) once, points OUT/current at it, and prints its path.
PREFIX defaults to the newest pyenv CPython 3.11 (`$PYENV_ROOT` or `~/.pyenv`).
"""

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import zstandard

LEFT_OUT = ("test/", "idlelib/", "tkinter/", "turtledemo/", "ensurepip/", "site-packages/",
            "config-", "lib2to3/tests/")
# Fixed, so the same interpreter always gives the same package bytes.
TIMESTAMP = 1_700_000_000
# What the package holds besides the interpreter's files; a new value builds a new channel (and
# a new build string, so no package cache confuses the two).
FORMAT = "stdlib-bytecode.conda"
# zstd level of the two tars: fast to write, and extraction speed does not depend on it.
ZSTD_LEVEL = 9

# Run by the packaged interpreter: compiles each source named on stdin (relative to the prefix,
# one per line) to OUT/<dir>/__pycache__/<name>.<cache tag>.pyc; prints the .pyc paths written.
COMPILE = """
import importlib.util, py_compile, sys
prefix, out = sys.argv[1], sys.argv[2]
for rel in sys.stdin.read().split():
    pyc = importlib.util.cache_from_source(rel)
    try:
        py_compile.compile(f"{prefix}/{rel}", cfile=f"{out}/{pyc}", dfile=rel, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    except py_compile.PyCompileError:
        continue  # a file that is not Python 3 (lib2to3's test data): imported by no one
    print(pyc)
"""


def source(argv):
    if "--from" in argv:
        return Path(argv[argv.index("--from") + 1])
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    found = sorted(
        (p for p in (root / "versions").glob("3.11.*") if (p / "lib/libpython3.11.so.1.0").is_file()),
        key=lambda p: tuple(int(x) for x in p.name.split(".") if x.isdigit()),
    )
    if not found:
        sys.exit(f"conda-python.py: no CPython 3.11 with a shared libpython under {root}/versions; "
                 "install one (`pyenv install 3.11`) or pass --from PREFIX")
    return found[-1]


def wanted(rel, minor):
    if "__pycache__" in rel:
        return False
    stdlib = f"lib/python{minor}/"
    if rel.startswith(stdlib):
        return not rel[len(stdlib):].startswith(LEFT_OUT)
    return rel in (f"bin/python{minor}", f"lib/libpython{minor}.so.1.0") or rel.startswith(
        f"include/python{minor}/")


def relocate_runpath(data, old, rel):
    """The ELF bytes with RUNPATH `old` made relative to $ORIGIN (same length)."""
    needle = old.encode() + b"\0"
    at = data.find(needle)
    if at < 0:
        return data
    up = "/.." * (rel.count("/") - 1)
    new = f"$ORIGIN{up}" if rel.startswith("lib/") else f"$ORIGIN{up}/../lib"
    slot = new.encode().ljust(len(needle), b"\0")
    return data[:at] + slot + data[at + len(needle):]


def compiled(prefix, minor, sources):
    """(relative path, bytes) of the .pyc of each of `sources` the interpreter compiles."""
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run(
            [str(prefix / "bin" / f"python{minor}"), "-c", COMPILE, str(prefix), scratch],
            input="\n".join(sources), capture_output=True, text=True, check=True,
            env={"PATH": os.environ.get("PATH", "")})
        return [(rel, (Path(scratch) / rel).read_bytes()) for rel in done.stdout.split()]


def build(prefix, out):
    version = prefix.name
    minor = ".".join(version.split(".")[:2])
    runpath = f"{prefix}/lib"
    files, paths = {}, []
    for path in sorted(prefix.rglob("*")):
        rel = path.relative_to(prefix).as_posix()
        if path.is_symlink() or not path.is_file() or not wanted(rel, minor):
            continue
        data = path.read_bytes()
        record = {"_path": rel, "path_type": "hardlink"}
        if data.startswith(b"\x7fELF"):
            data = relocate_runpath(data, runpath, rel)
        elif str(prefix).encode() in data:
            record["prefix_placeholder"] = str(prefix)
            record["file_mode"] = "text"
        files[rel] = (data, path.stat().st_mode & 0o777)
        paths.append(record)
    for rel, data in compiled(prefix, minor, [r["_path"] for r in paths
                                              if r["_path"].endswith(".py")
                                              and "prefix_placeholder" not in r]):
        files[rel] = (data, 0o644)
        paths.append({"_path": rel, "path_type": "hardlink"})
    # `python` and `python3`, as conda-forge's package has them.
    for alias in ("bin/python", "bin/python3"):
        files[alias] = files[f"bin/python{minor}"]
        paths.append({"_path": alias, "path_type": "hardlink"})
    for record in paths:
        data = files[record["_path"]][0]
        record["sha256"] = hashlib.sha256(data).hexdigest()
        record["size_in_bytes"] = len(data)
    paths.sort(key=lambda r: r["_path"])
    build_string = f"h{hashlib.sha256(f'{prefix}|{FORMAT}'.encode()).hexdigest()[:8]}_0_cpython"
    index = {
        "arch": "x86_64", "build": build_string, "build_number": 0, "depends": [],
        "license": "Python-2.0", "name": "python", "platform": "linux", "subdir": "linux-64",
        "timestamp": TIMESTAMP * 1000, "version": version,
    }
    files["info/index.json"] = (json.dumps(index, indent=2, sort_keys=True).encode(), 0o644)
    files["info/paths.json"] = (
        json.dumps({"paths": paths, "paths_version": 1}, indent=2).encode(), 0o644)
    stem = f"python-{version}-{build_string}"
    name = f"{stem}.conda"
    info = {rel: f for rel, f in files.items() if rel.startswith("info/")}
    pkg = {rel: f for rel, f in files.items() if not rel.startswith("info/")}
    package = conda_archive(stem, info, pkg)
    subdir = out / "linux-64"
    subdir.mkdir(parents=True)
    (subdir / name).write_bytes(package)
    entry = dict(index, md5=hashlib.md5(package).hexdigest(),
                 sha256=hashlib.sha256(package).hexdigest(), size=len(package))
    for sub, packages in (("linux-64", {name: entry}), ("noarch", {})):
        (out / sub).mkdir(exist_ok=True)
        repodata = {"info": {"subdir": sub}, "packages": {}, "packages.conda": packages,
                    "repodata_version": 1}
        (out / sub / "repodata.json").write_text(json.dumps(repodata, indent=2, sort_keys=True))


def tar_zst(files):
    """`files` ({path: (bytes, mode)}) as a zstd-compressed tar, the same bytes every time."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for rel in sorted(files):
            data, mode = files[rel]
            info = tarfile.TarInfo(rel)
            info.size, info.mode, info.mtime = len(data), mode, TIMESTAMP
            tar.addfile(info, io.BytesIO(data))
    # One thread: a multi-threaded zstd frame's bytes depend on the machine's cores.
    return zstandard.ZstdCompressor(level=ZSTD_LEVEL, threads=0).compress(raw.getvalue())


def conda_archive(stem, info, pkg):
    """A `.conda` package: an uncompressed zip of metadata.json, info-STEM.tar.zst (`info/`)
    and pkg-STEM.tar.zst (the rest), with fixed dates so the bytes never vary."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for entry, data in (
            ("metadata.json", json.dumps({"conda_pkg_format_version": 2}).encode()),
            (f"info-{stem}.tar.zst", tar_zst(info)),
            (f"pkg-{stem}.tar.zst", tar_zst(pkg)),
        ):
            archive.writestr(zipfile.ZipInfo(entry, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return out.getvalue()


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    out_root = Path(argv[1]).resolve()
    prefix = source(argv).resolve()
    binary = prefix / "bin" / f"python{'.'.join(prefix.name.split('.')[:2])}"
    identity = f"{prefix}|{binary.stat().st_size}|{binary.stat().st_mtime_ns}|{FORMAT}"
    channel = out_root / f"{prefix.name}-{hashlib.sha256(identity.encode()).hexdigest()[:12]}"
    if not (channel / "linux-64/repodata.json").is_file():
        out_root.mkdir(parents=True, exist_ok=True)
        partial = out_root / f".{channel.name}.{os.getpid()}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        build(prefix, partial)
        try:
            partial.rename(channel)
        except OSError:
            # Another build finished first; its channel is the same.
            shutil.rmtree(partial, ignore_errors=True)
    current = out_root / "current"
    link = out_root / f".current.{os.getpid()}"
    link.unlink(missing_ok=True)
    link.symlink_to(channel.name)
    link.replace(current)
    print(channel)


if __name__ == "__main__":
    main(sys.argv)
