"""심사보고서: a committee's report on the bill it has reviewed."""

from __future__ import annotations

from munseo.synth.content.common import (
    Context,
    Document,
    amendments,
    bill_text,
    comparison_table,
    debate,
    number_box,
    opinions,
    reasons,
)
from munseo.synth.fonts import GOTHIC_BOLD
from munseo.synth.korean import MARKS, dot_date, josa, long_date, month_date, spaced
from munseo.synth.layout import Block, Gap, PageBreak, Rule, para


def build(ctx: Context) -> Document:
    s = ctx.styles
    inst = ctx.inst
    bill = ctx.main_bill(ctx.later(ctx.date, -120, -60))
    referred = ctx.later(bill.proposed, 1, 6)
    first = ctx.later(referred, 20, 70)
    sub = ctx.later(first, 7, 35)
    decided = ctx.later(sub, 2, 14)
    changes = amendments(ctx, bill, ctx.rng.choice((1, 2, 3, 3, 4)) * ctx.length)
    amended = ctx.chance(0.45)
    result = "수정가결" if amended else "원안가결"
    committee = inst.committee
    # Unnamed, the report shows its committee only as "위원회" (the cover names no committee).
    meeting_body = committee if ctx.named else "전체회의"
    level1, level2 = s.bullet(1), s.bullet(2)
    item = s.body.but(first=0.0, indent=8 * s.scale, hang=1, before=3 * s.scale)
    explainer = f"{bill.proposer}의원" if not bill.by_government else ctx.pick(ctx.topic_inst.officials)

    def heading(text: str) -> Block:
        return para(text, s.heading.but(before=16 * s.scale), keep=True)

    blocks: list[Block] = [
        number_box(ctx, bill.number),
        Gap(40 * s.scale, at_top=True),
        para(bill.title, s.title.but(size=18 * s.scale)),
        Gap(24 * s.scale),
        para(spaced("심사보고서"), s.plain(26, GOTHIC_BOLD, "center", after=40)),
        para(month_date(decided), s.plain(13, align="right", after=4 if ctx.named else 24)),
        *([para(spaced(committee), s.plain(15, GOTHIC_BOLD, "right", after=24))] if ctx.named else []),
        Rule(0.8),
        heading("Ⅰ. 심사경과"),
        para(f"가. 제안일자 및 제안자 : {long_date(bill.proposed)}, {bill.proposers}", item),
        para(f"나. 회부일자 : {long_date(referred)}", item),
        para("다. 상정 및 의결일자", item, keep=True),
    ]
    meetings = [
        (first, f"제{ctx.rng.randint(1, 9)}차 {meeting_body}", "상정, 제안설명, 검토보고, 대체토론, 소위원회 회부"),
        (
            sub,
            f"제{ctx.rng.randint(1, 6)}차 법안심사소위원회",
            f"상정, 축조심사, 의결({'수정안' if amended else '원안'})",
        ),
        (decided, f"제{ctx.rng.randint(2, 12)}차 {meeting_body}", f"소위원회 심사보고, 의결({result})"),
    ]
    for day, meeting, steps in meetings:
        blocks += [para(f"○ {ctx.session_name(day)} {meeting}({dot_date(day)})", level1), para(f"- {steps}", level2)]
    blocks.append(heading(f"Ⅱ. 제안설명의 요지 (제안설명자 : {explainer})"))
    for text in reasons(ctx, bill, changes):
        if text[:2] in {f"{m}." for m in MARKS}:
            blocks.append(para(f"- {text[3:]}", level2))
        else:
            blocks.append(para(f"○ {text}", level1))
    reviewer = ctx.name()
    blocks.append(heading(f"Ⅲ. 전문위원 검토보고의 요지 (수석전문위원 {reviewer})"))
    blocks += [para(f"○ {text}", level1) for text in opinions(ctx, bill, changes[0])[:4]]
    blocks.append(heading("Ⅳ. 대체토론의 요지"))
    if ctx.chance(0.3):
        blocks.append(para("○ 없음", level1))
    else:
        blocks += [para(f"○ {text}", level1) for text in debate(ctx, bill)]
    blocks.append(heading("Ⅴ. 소위원회 심사내용"))
    outcome = (
        "일부 자구를 수정하여 수정안대로 의결하기로 하였음"
        if amended
        else "개정안의 입법취지가 타당하다고 보아 원안대로 의결하기로 하였음"
    )
    blocks.append(
        para(
            f"○ 법안심사소위원회는 {dot_date(sub)} 회의에서 {josa(bill.title, '을/를')} 심사한 결과, {outcome}.", level1
        )
    )
    if amended:
        blocks += [
            para("- 시행일을 공포 후 1년이 경과한 날로 조정함.", level2),
            para(f"- {changes[-1].title}에 관한 규정의 자구를 정비함.", level2),
        ]
    blocks += [
        heading("Ⅵ. 심사결과"),
        para(f"○ {result}" + ("(수정안은 별지와 같음)" if amended else ""), level1),
        heading("Ⅶ. 소수의견의 요지"),
        para("○ 없음", level1),
        heading("Ⅷ. 관련위원회 의견요지"),
        para("○ 없음", level1),
        heading("Ⅸ. 기타 필요한 사항"),
        para("○ 없음", level1),
    ]
    if amended or ctx.chance(0.6):
        blocks += [PageBreak(), para("(별지)", s.plain(12))]
        if amended:
            blocks.append(para(f"{bill.title}에 대한 수정안", s.plain(15, GOTHIC_BOLD, "center", after=12)))
        blocks += bill_text(ctx, bill, changes)
        if bill.kind == "일부개정" and ctx.chance(0.7):
            blocks += [
                PageBreak(),
                para("신ㆍ구조문대비표", s.plain(16, GOTHIC_BOLD, "center", after=10)),
                comparison_table(ctx, changes),
            ]
    fields = {
        "의안번호": bill.number,
        "제목": bill.title,
        "제안자": bill.proposers,
        "제안일자": dot_date(bill.proposed),
        "회부일자": dot_date(referred),
        "소관위원회": committee,
        "의결일자": dot_date(decided),
        "심사결과": result,
    }
    return Document(blocks, ctx.template, fields)
