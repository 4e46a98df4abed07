"""Pages of known text for measuring OCR: rendered with the Nanum fonts, optionally degraded.

Tests and benchmarks share these so that the figures in BENCHMARKS.md and the thresholds in the
tests speak of the same pages. Realistic whole documents come from ``munseo.synth``; these are
plain text pages whose ground truth is exactly what was drawn.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/nanum")
FONTS = ("NanumGothic.ttf", "NanumMyeongjo.ttf")

SENTENCES = (
    "국회는 2024년 11월 15일 제418회 정기회 제12차 본회의를 열어 법률안 27건을 의결하였다.",
    "정무위원회는 금융소비자 보호에 관한 법률 일부개정법률안을 심사하고 원안대로 가결하였다.",
    "기획재정부는 소득세법 시행령 개정으로 연간 3,200억원의 세수 감소가 예상된다고 밝혔다.",
    "교육위원회 전문위원은 사립학교 교원의 임용 절차에 관한 검토보고서를 제출하였다.",
    "The National Assembly passed 27 bills on November 15, 2024, including the Banking Act.",
    "보건복지부는 국민연금 기금의 운용 수익률이 전년 대비 4.7% 상승하였다고 보고하였다.",
    "국토교통위원회는 도시철도 건설 사업의 예산 집행 현황을 점검하기 위한 회의를 개최하였다.",
    "행정안전부 장관은 지방자치단체의 재난 대응 체계를 개선하겠다고 답변하였다.",
    "Committee members asked the Ministry of Education about the 2025 budget of 96 trillion won.",
    "법제사법위원회는 형법 일부개정법률안의 체계와 자구를 심사한 후 본회의에 부의하였다.",
    "의안번호 2204518 발의연월일 2024. 10. 21. 발의자 김민수, 이서연, 박지훈 의원 등 12인",
    "제안이유 및 주요내용: 현행법상 공공기관의 정보공개 범위를 명확히 하려는 것임.",
    "부칙 이 법은 공포 후 6개월이 경과한 날부터 시행한다.",
    "Press inquiries: Public Relations Division, +82-2-788-2114, press@assembly.go.kr",
    "위원장은 오전 10시 3분에 개의를 선포하고 의사일정 제1항부터 제5항까지를 일괄 상정하였다.",
    "공정거래위원회는 대규모 유통업체의 불공정 거래 행위에 대하여 과징금 58억원을 부과하였다.",
)


@dataclass
class TextPage:
    image: Image.Image
    text: str
    dpi: int


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break at spaces where possible, between syllables where a word is wider than the line."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for char in word:
            if draw.textlength(current + char, font=font) > width:
                lines.append(current)
                current = ""
            current += char
    if current:
        lines.append(current)
    return lines


def render_text_page(
    seed: int = 0,
    dpi: int = 300,
    columns: int = 1,
    paragraphs: int = 6,
    font_size_pt: float = 11.0,
    font_name: str | None = None,
) -> TextPage:
    """An A4 page of Korean, English and digits in ``columns`` columns; ``text`` is what was drawn."""
    rng = random.Random(seed)
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    margin = round(0.8 * dpi)
    gutter = round(0.35 * dpi)
    font = ImageFont.truetype(str(FONT_DIR / (font_name or rng.choice(FONTS))), round(font_size_pt * dpi / 72))
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    col_width = (width - 2 * margin - (columns - 1) * gutter) // columns
    line_height = round(font.size * 1.6)
    drawn: list[str] = []
    for column in range(columns):
        x = margin + column * (col_width + gutter)
        y = margin
        for _ in range(paragraphs):
            paragraph = " ".join(rng.sample(SENTENCES, 2))
            for line in _wrap(draw, paragraph, font, col_width):
                if y + line_height > height - margin:
                    break
                draw.text((x, y), line, font=font, fill=0)
                drawn.append(line)
                y += line_height
            y += line_height // 2
    return TextPage(image=image, text="\n".join(drawn), dpi=dpi)


# The heavy damage the ingest benchmark's "heavily degraded" pages get besides their skew, and the
# tests that pin those pages: strong noise, blur, shading, speckle and a low JPEG quality.
HEAVY_DAMAGE: dict[str, float] = {"noise": 18, "blur": 1.0, "jpeg_quality": 45, "shading": 0.35, "salt_pepper": 0.01}


def degrade(
    image: Image.Image,
    seed: int = 0,
    angle: float = 0.0,
    noise: float = 0.0,
    blur: float = 0.0,
    jpeg_quality: int | None = None,
    shading: float = 0.0,
    salt_pepper: float = 0.0,
) -> Image.Image:
    """A scanner's damage: rotation (degrees, counter-clockwise), gaussian blur (radius in pixels),
    uneven lighting (``shading``: how much darker one corner is, 0–1), gaussian noise (σ in grey
    levels), salt-and-pepper noise (share of pixels) and JPEG compression."""
    out = image.convert("L")
    if angle:
        out = out.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    if blur:
        out = out.filter(ImageFilter.GaussianBlur(blur))
    rng = np.random.default_rng(seed)
    if shading or noise or salt_pepper:
        pixels = np.asarray(out, dtype=np.float32)
        if shading:
            ys, xs = np.ogrid[0 : out.height, 0 : out.width]
            pixels = pixels * (1.0 - shading * (xs / out.width + ys / out.height) / 2)
        if noise:
            pixels = pixels + rng.normal(0.0, noise, pixels.shape)
        if salt_pepper:
            flips = rng.random(pixels.shape)
            pixels[flips < salt_pepper / 2] = 0
            pixels[flips > 1 - salt_pepper / 2] = 255
        out = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    if jpeg_quality is not None:
        buffer = io.BytesIO()
        out.save(buffer, format="JPEG", quality=jpeg_quality)
        out = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    return out


def text_pdf(path: Path, text: str, chars: int = 900) -> Path:
    """A one-page born-digital PDF of the first ``chars`` characters of a Korean text (NanumGothic,
    45 characters a line): a text-layer document of known text."""
    from reportlab.pdfgen import canvas

    from munseo.synth.fonts import GOTHIC, register_fonts

    register_fonts()
    page = canvas.Canvas(str(path), invariant=1)
    page.setFont(GOTHIC, 10)
    y = 800
    for start in range(0, min(len(text), chars), 45):
        page.drawString(40, y, text[start : start + 45].replace("\n", " "))
        y -= 14
    page.save()
    return path
