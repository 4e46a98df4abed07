"""검토보고서: the committee staff's examination of a bill."""

from __future__ import annotations

from munseo.synth.content.common import (
    Context,
    Document,
    amendments,
    comparison_table,
    opinions,
    reasons,
)
from munseo.synth.fonts import GOTHIC_BOLD
from munseo.synth.korean import MARKS, dot_date, josa, month_date, spaced
from munseo.synth.layout import Block, Gap, PageBreak, Rule, para


def build(ctx: Context) -> Document:
    s = ctx.styles
    inst = ctx.inst
    bill = ctx.main_bill(ctx.later(ctx.date, -60, -20))
    referred = ctx.later(bill.proposed, 1, 6)
    changes = amendments(ctx, bill, ctx.rng.choice((1, 2, 2, 3, 3, 4)) * ctx.length)
    reviewer = ctx.name()
    level0, level1, level2 = s.bullet(0), s.bullet(1), s.bullet(2)

    def heading(text: str) -> Block:
        return para(text, s.heading.but(before=18 * s.scale), keep=True)

    blocks: list[Block] = [
        Gap(50 * s.scale, at_top=True),
        para(bill.title, s.title.but(size=18 * s.scale, after=10 * s.scale)),
        para(f"({bill.sponsor}, 의안번호 제{bill.number}호)", s.plain(12.5, align="center", after=30)),
        para(spaced("검토보고"), s.plain(26, GOTHIC_BOLD, "center", after=60)),
        para(month_date(ctx.date), s.plain(13, align="right", after=4)),
    ]
    if ctx.named:
        blocks.append(para(spaced(inst.committee), s.plain(14, GOTHIC_BOLD, "right", after=2)))
    blocks += [
        para(f"{spaced('수석전문위원')}  {reviewer}", s.plain(13, GOTHIC_BOLD, "right", after=24)),
        Rule(0.8),
        heading("Ⅰ. 제안경과"),
    ]
    who = "정부가 제출하여" if bill.by_government else f"{bill.proposers}이 발의하여"
    blocks.append(para(f"○ {dot_date(bill.proposed)} {who} {dot_date(referred)} 우리 위원회에 회부됨.", level1))
    blocks.append(heading("Ⅱ. 제안이유"))
    for text in reasons(ctx, bill, changes):
        if text[:2] in {f"{m}." for m in MARKS}:
            blocks.append(para(f"- {text[3:]}", level2))
        else:
            blocks.append(para(f"○ {text}", level1))
    blocks.append(heading("Ⅲ. 주요내용 및 검토의견"))
    sub = s.plain(13, GOTHIC_BOLD, before=12, after=2)
    for number, change in enumerate(changes, start=1):
        blocks += [
            para(f"{number}. {change.title}({change.reference})", sub.but(size=13.5 * s.scale), keep=True),
            para("가. 개정안의 주요내용", sub, keep=True),
            para(f"□ 개정안은 {change.purpose}임.", level0),
        ]
        if ctx.chance(0.7):
            blocks.append(comparison_table(ctx, [change], size=10.5, omissions=False))
        blocks.append(para("나. 검토의견", sub, keep=True))
        blocks += [para(f"○ {text}", level1) for text in opinions(ctx, bill, change, main=number == 1)]
        if ctx.chance(0.3):
            blocks.append(
                para(
                    f"- 참고로, {josa(ctx.pick(ctx.topic_inst.ministries), '은/는')} 관련 예산으로 연간 "
                    f"{ctx.rng.randint(12, 900)}억원이 소요될 것으로 추계하고 있음.",
                    level2,
                )
            )
    if ctx.chance(0.5):
        blocks += [
            heading("Ⅳ. 기타 검토사항"),
            para(
                "○ 개정안은 공포 후 6개월이 경과한 날부터 시행하도록 하고 있는바, 하위법령의 정비와 관계 기관의 "
                "준비에 필요한 기간을 고려할 때 적절한 것으로 보임.",
                level1,
            ),
        ]
    if bill.kind == "일부개정" and ctx.chance(0.3):
        blocks += [
            PageBreak(),
            para("[참고] 신ㆍ구조문대비표", s.plain(15, GOTHIC_BOLD, "center", after=10)),
            comparison_table(ctx, changes),
        ]
    fields = {
        "의안번호": bill.number,
        "제목": bill.title,
        "제안자": bill.proposers,
        "소관위원회": inst.committee,
        "작성자": f"수석전문위원 {reviewer}",
        "작성일": month_date(ctx.date),
    }
    return Document(blocks, ctx.template, fields)
