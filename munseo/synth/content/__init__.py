"""Document builders, one per document type: each turns a :class:`Context` into blocks and key fields."""

from __future__ import annotations

from collections.abc import Callable

from munseo.synth.content import agenda, bill, examination, letter, minutes, press, review
from munseo.synth.content.common import Context, Document

BUILDERS: dict[str, Callable[[Context], Document]] = {
    "의안원문": bill.build,
    "심사보고서": review.build,
    "검토보고서": examination.build,
    "회의록": minutes.build,
    "의사일정": agenda.build,
    "공문": letter.build,
    "보도자료": press.build,
}

__all__ = ["BUILDERS", "Context", "Document"]
