"""What a key is made of."""

from pathlib import Path

from wt_runtime import keys


def test_the_runtime_digest_covers_every_runtime_module():
    here = Path(keys.__file__).parent
    modules = sorted(p.name for p in here.glob("*.py") if p.name != "__init__.py")
    assert list(keys.RUNTIME_MODULES) == modules


def test_keys_follow_their_parts_and_the_salt(monkeypatch):
    monkeypatch.delenv(keys.SALT_ENV_VAR, raising=False)
    parts = {"code": "c", "args": {"n": "1"}}
    unsalted = keys.key_of(parts)
    assert unsalted == keys.key_of(dict(parts))
    assert unsalted != keys.key_of({"code": "c", "args": {"n": "2"}})
    monkeypatch.setenv(keys.SALT_ENV_VAR, "another caller")
    assert keys.key_of(parts) != unsalted


def test_a_package_digest_follows_its_sources(tmp_path, monkeypatch):
    package = tmp_path / "digested_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("def f():\n    return 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import digested_pkg

    before = keys.code_digest(digested_pkg.f)
    assert before.startswith("digested_pkg.f:")
    (package / "helpers.py").write_text("X = 1\n")
    keys._package_digest.cache_clear()
    assert keys.code_digest(digested_pkg.f) != before
