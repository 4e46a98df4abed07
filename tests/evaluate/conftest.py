"""What the evaluate tests share: the real-text corpora, and a slice of their dev split."""

from __future__ import annotations

from pathlib import Path

import pytest

from munseo.evaluate.realpages import RealText, load_real_text
from tests.corpus import CORPORA


@pytest.fixture(scope="module")
def corpora() -> Path:
    if not (CORPORA / "kr-laws.jsonl.xz").is_file():
        pytest.fail(f"{CORPORA}: the real-text corpora are missing (../shared/corpora from the project root)")
    return CORPORA


@pytest.fixture(scope="module")
def dev_text(corpora: Path) -> RealText:
    return load_real_text(corpora, "dev", seed=3, documents=20)
