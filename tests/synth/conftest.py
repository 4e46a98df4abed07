"""Generated sets the synth tests share (module-scoped: generated once per test module)."""

from __future__ import annotations

from pathlib import Path

import pytest

from munseo.synth import ManifestRecord, generate, read_manifest


@pytest.fixture(scope="module")
def born_digital(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[ManifestRecord]]:
    out = tmp_path_factory.mktemp("born")
    manifest = generate(out, 14, seed=7, scan_ratio=0.0, imbalance=1.0, workers=1)
    return out, read_manifest(manifest)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[ManifestRecord]]:
    out = tmp_path_factory.mktemp("mixed")
    manifest = generate(out, 10, seed=3, scan_ratio=0.6, difficulty="hard", include_unknown=4, workers=1)
    return out, read_manifest(manifest)
