"""Inputs of no known class: a receipt, an ID-card-like staff card, a blank page, a photo without text."""

from __future__ import annotations

import random
from dataclasses import dataclass

import cv2
import numpy as np

from munseo.synth.degrade import Box, pixel_box, rasterize, sample_effects, scan, transform_box
from munseo.synth.fonts import GOTHIC, GOTHIC_BOLD
from munseo.synth.korean import person_name
from munseo.synth.layout import Block, Cell, Gap, PageTemplate, Rule, Style, Table, layout, para
from munseo.synth.render_pdf import pdf_bytes

UNKNOWN_KINDS = ("receipt", "card", "blank", "photo")
PHOTO_DPI = 72

_STORES = ("한빛마트 여의도점", "새봄편의점 의사당점", "커피나무 국회점", "푸른문구 영등포점", "다온베이커리 여의도점")
_ITEMS = (
    ("아메리카노", 4500),
    ("카페라떼", 5000),
    ("삼각김밥", 1500),
    ("생수 500ml", 900),
    ("볼펜 0.5mm", 1200),
    ("A4 복사용지", 6900),
    ("클리어파일", 2500),
    ("샌드위치", 4800),
    ("우유 200ml", 1300),
    ("컵라면", 1700),
    ("포스트잇", 2200),
    ("건전지 AA", 3900),
    ("단팥빵", 2300),
    ("녹차", 3500),
)


@dataclass(frozen=True)
class UnknownPage:
    """The single page of an unknown input: its pixels, its text lines (boxes in pixels) and its skew."""

    image: np.ndarray
    lines: list[tuple[str, Box]]
    dpi: int
    skew: float


def _receipt_blocks(rng: random.Random) -> list[Block]:
    center = Style(GOTHIC, 8.5, 1.45, "center")
    left = Style(GOTHIC, 8.5, 1.45, "left")
    right = Style(GOTHIC, 8.5, 1.45, "right")
    day = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(8, 21):02d}:{rng.randint(0, 59):02d}"
    items = rng.sample(_ITEMS, rng.randint(3, 9))
    rows = [(Cell((para("상품명", left),)), Cell((para("수량", right),)), Cell((para("금액", right),)))]
    total = 0
    for name, price in items:
        qty = rng.choice((1, 1, 1, 2, 3))
        total += qty * price
        rows.append(
            (Cell((para(name, left),)), Cell((para(str(qty), right),)), Cell((para(f"{qty * price:,}", right),)))
        )
    tax = round(total / 11)
    sums = [
        ("합계 금액", f"{total:,}"),
        ("과세물품가액", f"{total - tax:,}"),
        ("부 가 세", f"{tax:,}"),
        ("신용카드", f"{total:,}"),
    ]
    return [
        para(rng.choice(_STORES), Style(GOTHIC_BOLD, 12, 1.4, "center", after=2)),
        para(f"사업자번호 {rng.randint(101, 899)}-{rng.randint(10, 99)}-{rng.randint(10000, 99999)}", center),
        para(f"서울특별시 영등포구 의사당대로 {rng.randint(1, 180)}", center),
        para(f"TEL 02-{rng.randint(200, 899)}-{rng.randint(1000, 9999)}", center),
        Rule(0.5, before=4, after=4),
        para(f"[영수증]  {day}", left),
        Rule(0.5, before=4, after=2),
        Table((3.2, 1.0, 1.8), tuple(rows), pad=1.5, line=0.0, frame=0.0, before=0.0, after=2.0),
        Rule(0.5, before=2, after=2),
        Table(
            (3.0, 2.0),
            tuple((Cell((para(a, left),)), Cell((para(b, right),))) for a, b in sums),
            pad=1.5,
            line=0.0,
            frame=0.0,
            before=0.0,
            after=2.0,
        ),
        Rule(0.5, before=2, after=4),
        para(f"카드번호 {rng.randint(1000, 9999)}-{rng.randint(10, 99)}**-****-{rng.randint(1000, 9999)}", left),
        para(f"승인번호 {rng.randint(10000000, 99999999)}", left),
        Gap(6),
        para("감사합니다. 또 방문해 주세요.", center),
    ]


def _card_blocks(rng: random.Random) -> list[Block]:
    company = rng.choice(("주식회사 한결", "(주)미래정보", "푸른솔 주식회사", "다올기술(주)"))
    label = Style(GOTHIC, 7.5, 1.5, "left")
    number = f"{rng.randint(2015, 2025)}{rng.randint(1000, 9999)}"
    info = (
        para(f"성명  {person_name(rng)}", Style(GOTHIC_BOLD, 10, 1.6, "left")),
        para(f"소속  {rng.choice(('경영지원팀', '연구개발팀', '영업1팀', '품질관리팀'))}", label),
        para(f"사번  {number}", label),
        para(f"유효기간  ~ {rng.randint(2026, 2029)}. 12. 31.", label),
    )
    photo = (para(" ", Style(GOTHIC, 8, 7.8, "left")),)
    return [
        Table(
            (1.0,),
            ((Cell((para(company, Style(GOTHIC_BOLD, 11, 1.5, "center")),), 0.72),),),
            pad=3.0,
            line=0.0,
            frame=0.0,
            before=0.0,
            after=6.0,
        ),
        para("사  원  증", Style(GOTHIC_BOLD, 14, 1.4, "center", after=4)),
        Table((1.0, 2.2), ((Cell(photo, 0.82), Cell(info)),), pad=3.0, line=0.0, frame=0.0, before=0.0),
    ]


def _laid_out(blocks: list[Block], template: PageTemplate, dpi: int) -> tuple[np.ndarray, list[tuple[str, Box]]]:
    page = layout(blocks, template)[0]
    image = rasterize(pdf_bytes([page]), dpi, color=False)[0]
    height, width = image.shape
    return image, [(line.text, pixel_box(line.bbox, dpi, width, height)) for line in page.lines]


def _photo(nrng: np.random.Generator) -> np.ndarray:
    """A photo-like street scene without text: sky, hills, road, a car with its shadow; lens blur and grain."""
    height, width = 960, 1280
    horizon = int(height * nrng.uniform(0.42, 0.55))
    image = np.zeros((height, width, 3), dtype=np.float32)
    ramp = np.linspace(0.0, 1.0, horizon, dtype=np.float32)[:, None, None]
    image[:horizon] = nrng.uniform(90, 170, 3) * (1 - ramp) + nrng.uniform(190, 240, 3) * ramp
    hills = horizon - np.cumsum(nrng.normal(0, 3, width)) - nrng.uniform(20, 80)
    hills = np.clip(
        cv2.GaussianBlur(hills.astype(np.float32).reshape(1, -1), (0, 0), 25).ravel(), horizon - 160, horizon - 5
    )
    outline = np.array([[0, height]] + [[x, int(y)] for x, y in enumerate(hills)] + [[width - 1, height]], np.int32)
    cv2.fillPoly(image, [outline], tuple(float(v) for v in nrng.uniform((40, 60, 40), (90, 110, 80))))
    road_top = horizon + int(height * 0.12)
    cv2.fillPoly(
        image,
        [np.array([[0, height], [width // 2 - 60, horizon], [width // 2 + 60, horizon], [width, height]], np.int32)],
        (88.0, 88.0, 92.0),
    )
    for k in range(6):
        y0 = horizon + int((height - horizon) * (k / 6) ** 1.6)
        y1 = horizon + int((height - horizon) * ((k + 0.5) / 6) ** 1.6)
        cv2.line(image, (width // 2, y0), (width // 2, y1), (225.0, 225.0, 215.0), 2 + 2 * k)
    body = tuple(float(v) for v in nrng.uniform(20, 230, 3))
    x0 = int(width * nrng.uniform(0.12, 0.3))
    x1 = x0 + int(width * nrng.uniform(0.3, 0.42))
    bottom = road_top + int(height * nrng.uniform(0.12, 0.22))
    top = bottom - int((x1 - x0) * 0.27)
    span, rise = x1 - x0, (bottom - top) * 0.75
    cv2.ellipse(image, ((x0 + x1) // 2, bottom + 6), (span // 2 + 20, 18), 0, 0, 360, (40.0, 40.0, 45.0), -1)
    cabin = np.array(
        [
            [x0 + span * 0.2, top],
            [x0 + span * 0.32, top - rise],
            [x0 + span * 0.7, top - rise],
            [x0 + span * 0.84, top],
        ],
        np.int32,
    )
    cv2.rectangle(image, (x0, top), (x1, bottom), body, -1)
    cv2.fillPoly(image, [cabin], body)
    cv2.fillPoly(image, [cabin + np.array([[10, -4], [10, 9], [-10, 9], [-10, -4]], np.int32)], (170.0, 190.0, 205.0))
    cv2.rectangle(image, (x0, top + (bottom - top) // 2), (x1, bottom), tuple(v * 0.8 for v in body), -1)
    radius = int((bottom - top) * 0.42)
    for cx in (x0 + span * 0.22, x0 + span * 0.78):
        cv2.circle(image, (int(cx), bottom), radius, (22.0, 22.0, 24.0), -1)
        cv2.circle(image, (int(cx), bottom), radius // 2, (160.0, 160.0, 165.0), -1)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    vignette = 1.0 - 0.35 * (((xx - width / 2) / width) ** 2 + ((yy - height / 2) / height) ** 2)
    image = cv2.GaussianBlur(image, (0, 0), 1.4) * vignette[..., None]
    image += nrng.normal(0, 5, image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def unknown_page(kind: str, rng: random.Random, nrng: np.random.Generator, strength: float) -> UnknownPage:
    """One page of an unknown input, degraded like a scan (or a phone photo)."""
    if kind == "photo":
        return UnknownPage(_photo(nrng), [], PHOTO_DPI, 0.0)
    dpi = rng.choice((150, 200))
    if kind == "receipt":
        template = PageTemplate(
            width=226.0, height=rng.uniform(400, 520), top=16, bottom=16, left=14, right=14, footer=None
        )
        image, lines = _laid_out(_receipt_blocks(rng), template, dpi)
    elif kind == "card":
        card, card_lines = _laid_out(
            _card_blocks(rng),
            PageTemplate(width=242.6, height=153.0, top=10, bottom=6, left=10, right=10, footer=None),
            dpi,
        )
        bed_w, bed_h = round(595.28 * dpi / 72), round(841.89 * dpi / 72)
        image = np.full((bed_h, bed_w), 255, dtype=np.uint8)
        ox = int(nrng.integers(bed_w // 12, bed_w - card.shape[1] - bed_w // 12))
        oy = int(nrng.integers(bed_h // 12, bed_h // 2))
        image[oy : oy + card.shape[0], ox : ox + card.shape[1]] = card
        cv2.rectangle(image, (ox, oy), (ox + card.shape[1] - 1, oy + card.shape[0] - 1), 170, 2)
        lines = [(text, (x0 + ox, y0 + oy, x1 + ox, y1 + oy)) for text, (x0, y0, x1, y1) in card_lines]
    else:
        image = np.full((round(841.89 * dpi / 72), round(595.28 * dpi / 72)), 255, dtype=np.uint8)
        lines = []
    effects = sample_effects(nrng, strength, dpi)
    scanned, matrix = scan(image, effects, nrng)
    height, width = scanned.shape[:2]
    moved = [(text, transform_box(box, matrix, width, height)) for text, box in lines]
    return UnknownPage(scanned, moved, dpi, round(effects.skew, 3))
