#!/usr/bin/env python3
"""Fetches the core metadata of real distributions from PyPI into tests/fixtures/metadata.

The differential test (tests/metadata_differential.rs) reads each with wt and with Python's
`email.parser`; these files are committed, so the test needs no network. Run this script only
to change the set. Wheels' METADATA come from the index's PEP 658 `.metadata` files; an sdist's
PKG-INFO from its archive.
"""

import io
import json
import pathlib
import sys
import tarfile
import urllib.request
import zipfile

# name, version, kind: chosen for variety (licence texts over many lines, License-Expression,
# markers, extras, Dynamic, metadata 1.0 to 2.4).
WANTED = [
    ("pandera", "0.35.0", "wheel"),
    ("numpy", "2.2.6", "wheel"),
    ("scipy", "1.15.3", "wheel"),
    ("pandas", "2.2.3", "wheel"),
    ("shapely", "2.1.1", "wheel"),
    ("pyproj", "3.7.1", "wheel"),
    ("geopandas", "1.1.1", "wheel"),
    ("fiona", "1.10.1", "wheel"),
    ("rasterio", "1.4.3", "wheel"),
    ("matplotlib", "3.10.3", "wheel"),
    ("pillow", "11.2.1", "wheel"),
    ("requests", "2.32.4", "wheel"),
    ("urllib3", "2.5.0", "wheel"),
    ("certifi", "2025.6.15", "wheel"),
    ("idna", "3.10", "wheel"),
    ("pydantic", "2.11.7", "wheel"),
    ("pydantic-core", "2.33.2", "wheel"),
    ("typing-extensions", "4.14.0", "wheel"),
    ("typing-inspect", "0.9.0", "wheel"),
    ("typeguard", "4.4.4", "wheel"),
    ("packaging", "25.0", "wheel"),
    ("setuptools", "80.9.0", "wheel"),
    ("six", "1.17.0", "wheel"),
    ("six", "1.10.0", "wheel"),
    ("python-dateutil", "2.9.0.post0", "wheel"),
    ("pytz", "2025.2", "wheel"),
    ("tzdata", "2025.2", "wheel"),
    ("attrs", "25.3.0", "wheel"),
    ("click", "8.2.1", "wheel"),
    ("jinja2", "3.1.6", "wheel"),
    ("markupsafe", "3.0.2", "wheel"),
    ("pyyaml", "6.0.2", "wheel"),
    ("lxml", "5.4.0", "wheel"),
    ("cryptography", "45.0.4", "wheel"),
    ("cffi", "1.17.1", "wheel"),
    ("pycparser", "2.22", "wheel"),
    ("psutil", "7.0.0", "wheel"),
    ("scikit-learn", "1.7.0", "wheel"),
    ("joblib", "1.5.1", "wheel"),
    ("networkx", "3.5", "wheel"),
    ("sqlalchemy", "2.0.41", "wheel"),
    ("protobuf", "6.31.1", "wheel"),
    ("google-auth", "2.40.3", "wheel"),
    ("boto3", "1.38.36", "wheel"),
    ("botocore", "1.38.36", "wheel"),
    ("fsspec", "2025.5.1", "wheel"),
    ("pyarrow", "20.0.0", "wheel"),
    ("polars", "1.31.0", "wheel"),
    ("xarray", "2025.6.1", "wheel"),
    ("dask", "2025.5.1", "wheel"),
    ("tornado", "6.5.1", "wheel"),
    ("rich", "14.0.0", "wheel"),
    ("pytest", "8.4.0", "wheel"),
    ("tqdm", "4.67.1", "wheel"),
    ("folium", "0.19.7", "wheel"),
    ("mapclassify", "2.9.0", "wheel"),
    ("docopt", "0.6.2", "sdist"),
    ("termcolor", "1.1.0", "sdist"),
    ("future", "1.0.0", "sdist"),
    ("pyasn1", "0.1.1", "sdist"),
]


def files(name, version):
    """The index's files of `name` at `version` (the PEP 691 JSON simple API)."""
    request = urllib.request.Request(
        f"https://pypi.org/simple/{name}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    )
    with urllib.request.urlopen(request, timeout=60) as r:
        listing = json.load(r)["files"]
    prefix = name.replace("-", "_").lower() + "-" + version
    out = []
    for f in listing:
        stem = f["filename"].lower().replace("-", "_")
        if f["filename"].endswith(".whl") and stem.startswith(prefix.replace("-", "_") + "_"):
            out.append(dict(f, packagetype="bdist_wheel"))
        elif f["filename"].endswith((".tar.gz", ".zip")) and stem in (prefix.replace("-", "_") + ".tar.gz", prefix.replace("-", "_") + ".zip"):
            out.append(dict(f, packagetype="sdist"))
    if not out:
        raise SystemExit(f"{name} {version}: no files on the index")
    return out


def fetch(url):
    with urllib.request.urlopen(url, timeout=120) as r:
        return r.read()


def main(out):
    out.mkdir(parents=True, exist_ok=True)
    for name, version, kind in WANTED:
        urls = files(name, version)
        if kind == "wheel":
            wheel = next(u for u in urls if u["packagetype"] == "bdist_wheel")
            if wheel.get("core-metadata") or wheel.get("data-dist-info-metadata"):
                text = fetch(wheel["url"] + ".metadata")
            else:
                archive = zipfile.ZipFile(io.BytesIO(fetch(wheel["url"])))
                member = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
                text = archive.read(member)
        else:
            sdist = next(u for u in urls if u["packagetype"] == "sdist")
            archive = tarfile.open(fileobj=io.BytesIO(fetch(sdist["url"])))
            member = next(m for m in archive.getmembers() if m.name.count("/") == 1 and m.name.endswith("/PKG-INFO"))
            text = archive.extractfile(member).read()
        target = out / f"{name}-{version}.{'METADATA' if kind == 'wheel' else 'PKG-INFO'}"
        target.write_bytes(text)
        print(target.name, len(text))


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/metadata"))
