"""Page segmentation: columns found, ruled tables and edge shadows are not columns."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import ImageDraw

from munseo.evaluate.testpages import HEAVY_DAMAGE, degrade, render_text_page
from munseo.ocr.layout import find_regions


@pytest.mark.parametrize("columns", [1, 2])
@pytest.mark.parametrize("degraded", [False, True])
def test_columns_found_on_clean_and_degraded_pages(columns: int, degraded: bool) -> None:
    """Ragged margins and word-space rivers are not gutters; noise and shading hide no gutter."""
    for seed in range(300, 306):
        image = render_text_page(seed=seed, dpi=300, columns=columns).image
        if degraded:
            image = degrade(image, seed=seed, **HEAVY_DAMAGE)
        assert {r.columns for r in find_regions(np.asarray(image))} == {columns}, seed


def test_ruled_table_and_edge_shadow_are_not_columns() -> None:
    table = render_text_page(seed=7, dpi=200, columns=2).image
    middle = table.width // 2
    ImageDraw.Draw(table).line([(middle, 150), (middle, table.height - 150)], fill=0, width=3)
    assert [r.columns for r in find_regions(np.asarray(table))] == [1]

    shadowed = render_text_page(seed=8, dpi=200).image
    ImageDraw.Draw(shadowed).rectangle([0, 0, 25, shadowed.height], fill=70)
    assert [r.columns for r in find_regions(np.asarray(shadowed))] == [1]
