"""의안원문: the original text of a bill."""

from __future__ import annotations

from munseo.synth.content.common import (
    Context,
    Document,
    amendments,
    bill_text,
    comparison_table,
    number_box,
    reasons,
)
from munseo.synth.fonts import GOTHIC_BOLD, MYEONGJO
from munseo.synth.korean import MARKS, dot_date
from munseo.synth.layout import Block, Gap, PageBreak, Rule, para


def build(ctx: Context) -> Document:
    s = ctx.styles
    bill = ctx.main_bill(ctx.date)
    changes = amendments(ctx, bill, ctx.rng.choice((1, 2, 3, 3, 4, 5)) * ctx.length)
    info = s.plain(12.5, MYEONGJO, leading=1.7)
    blocks: list[Block] = [
        number_box(ctx, bill.number),
        Gap(10 * s.scale, at_top=True),
        para(bill.title, s.title.but(after=4 * s.scale)),
        para(f"({bill.sponsor})", s.plain(13, align="center", after=16)),
        Rule(1.4, after=6),
    ]
    if bill.by_government:
        blocks += [para(f"제출연월일 : {dot_date(bill.proposed)}", info), para("제  출  자 : 정      부", info)]
    else:
        names = "ㆍ".join((bill.proposer, *bill.cosponsors))
        blocks += [
            para(f"발의연월일 : {dot_date(bill.proposed)}", info),
            para(f"발  의  자 : {names} 의원({len(bill.cosponsors) + 1}인)", info.but(hang=4)),
        ]
    blocks += [
        Rule(1.4, before=6, after=10),
        para("제안이유 및 주요내용", s.heading.but(before=6 * s.scale), keep=True),
    ]
    for text in reasons(ctx, bill, changes):
        item = text[:2] in {f"{m}." for m in MARKS}
        blocks.append(para(text, s.body.but(first=0.0, indent=12.5 * s.scale, hang=1) if item else s.body))
    if ctx.chance(0.15):
        other_inst, other_topic = ctx.other()
        other = ctx.bill(other_inst, other_topic)
        source = "정부가 제출한" if other.by_government else f"{other.proposer}의원이 대표발의한"
        blocks += [
            para("참고사항", s.heading, keep=True),
            para(
                f"이 법률안은 {source} 「{other.title}」(의안번호 제{other.number}호)의 의결을 전제로 하는 것이므로 "
                f"같은 법률안이 의결되지 아니하거나 수정의결되는 경우에는 이에 맞추어 조정되어야 할 것임.",
                s.body,
            ),
        ]
    blocks.append(PageBreak())
    blocks += bill_text(ctx, bill, changes)
    if bill.kind == "일부개정":
        blocks += [
            PageBreak(),
            para("신ㆍ구조문대비표", s.plain(16, GOTHIC_BOLD, "center", after=10)),
            comparison_table(ctx, changes),
        ]
    fields = {
        "의안번호": bill.number,
        "제목": bill.title,
        "발의연월일": dot_date(bill.proposed),
        "제안자": bill.proposers,
        "소관위원회": ctx.inst.committee,
    }
    return Document(blocks, ctx.template, fields)
