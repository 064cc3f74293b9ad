from __future__ import annotations

import pytest

from stacks.bundling import BundleSpec, BundlingError, build_bundle, bundle_key

pytestmark = pytest.mark.unit


@pytest.fixture
def spec(tmp_path):
    source = tmp_path / "pkg"
    (source / "tests").mkdir(parents=True)
    (source / "__init__.py").write_text("VALUE = 1\n")
    (source / "tests" / "test_x.py").write_text("")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("")
    return BundleSpec(source=source, requirements=requirements, python_version="3.12", architecture="x86_64")


def test_the_platforms_are_manylinux_wheels_for_the_lambda_architecture(spec):
    arm = BundleSpec(spec.source, spec.requirements, "3.12", "arm64")

    assert "manylinux_2_28_x86_64" in spec.platforms() and "manylinux2014_x86_64" in spec.platforms()
    assert all(p.endswith("aarch64") for p in arm.platforms())


def test_the_key_follows_the_content_and_the_target(spec):
    before = bundle_key(spec, with_dependencies=True)
    (spec.source / "__init__.py").write_text("VALUE = 2\n")

    assert bundle_key(spec, with_dependencies=True) != before
    assert bundle_key(spec, with_dependencies=False) != bundle_key(spec, with_dependencies=True)
    assert bundle_key(BundleSpec(spec.source, spec.requirements, "3.13", "x86_64"), with_dependencies=True) != \
        bundle_key(spec, with_dependencies=True)


def test_a_bundle_is_built_once_trimmed_and_compiled_then_served_from_the_cache(spec, tmp_path):
    first = build_bundle(spec, with_dependencies=False, cache_dir=tmp_path / "cache")
    second = build_bundle(spec, with_dependencies=False, cache_dir=tmp_path / "cache")

    assert first.path == second.path
    assert (first.path / "pkg" / "__init__.py").is_file()
    assert not (first.path / "pkg" / "tests").exists()
    assert list((first.path / "pkg" / "__pycache__").glob("__init__.cpython-312*.pyc"))


def test_a_bundle_over_lambdas_unzipped_limit_fails_synth_with_its_size(spec, tmp_path, monkeypatch):
    monkeypatch.setattr("stacks.bundling.LAMBDA_UNZIPPED_LIMIT_BYTES", 10)

    with pytest.raises(BundlingError, match=r"the bundle for pkg is 0 MiB unzipped; Lambda allows 0 MiB"):
        build_bundle(spec, with_dependencies=False, cache_dir=tmp_path / "cache")
    assert not list((tmp_path / "cache").iterdir())
