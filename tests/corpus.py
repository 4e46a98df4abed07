"""Labelled Korean texts made on the spot, for tests that train classifiers."""

from __future__ import annotations

import json
import random
from pathlib import Path

# Vocabulary of domain.md: the subject matter of each institution and the structure of each type.
INSTITUTIONS = {
    "의사국": "본회의 의사일정 의안 접수 회기 국회운영 교섭단체 표결",
    "정무위원회": "금융위원회 공정거래위원회 금융소비자 국가보훈 국무조정실 은행 보험",
    "법제사법위원회": "법무부 법원 검찰 헌법재판소 체계자구 형법 민법",
    "기획재정위원회": "기획재정부 조세 세법 소득세 부가가치세 관세 국가재정",
    "교육위원회": "교육부 학교 교원 대학 학생 사립학교 교육과정",
    "행정안전위원회": "행정안전부 지방자치단체 경찰청 소방 재난 선거 공무원",
    "보건복지위원회": "보건복지부 의료 국민연금 건강보험 아동 노인 장애인",
    "국토교통위원회": "국토교통부 주택 도로 철도 부동산 항공 도시개발",
}
DOC_TYPES = {
    "의안원문": "일부개정법률안 대표발의 발의연월일 발의자 제안이유 개정한다 부칙 신구조문대비표",
    "심사보고서": "심사보고서 심사경과 회부일자 제안설명의 대체토론 소위원회 원안가결 수정가결",
    "검토보고서": "검토보고 제안경과 주요내용 검토의견 전문위원 검토결과",
    "회의록": "회의록 국회사무처 장소 상정된 개의 위원장 산회 속기",
    "의사일정": "의사일정 제1차 일시 의안번호 제안자 안건목록",
    "공문": "수신 경유 제목 관련 붙임 시행 주소 전화",
    "보도자료": "보도자료 배포일시 보도일시 담당부서 연락처 헤드라인",
}
BOILERPLATE = [
    "국회",
    "위원회",
    "법률안",
    "2024년",
    "페이지",
    "제",
    "조",
    "항",
    "호",
    "및",
    "의",
    "에",
    "관한",
    "사항",
    "검토",
    "결과",
    "따라",
    "위하여",
    "있다",
    "한다",
]

# the real labelled Korean collections (see ../shared/corpora/README.md)
CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def make_documents(count: int, seed: int, words: int = 70, confusion: float = 0.12) -> list[dict]:
    """Imbalanced documents: each word is the institution's subject (9%), the type's structure
    (8%), another institution's subject (``confusion``) or boilerplate; ~3% of characters garbled."""
    rng = random.Random(seed)
    institutions, types = list(INSTITUTIONS), list(DOC_TYPES)
    documents = []
    for _ in range(count):
        institution = rng.choices(institutions, weights=[10, 7, 5, 4, 3, 2, 1.5, 1])[0]
        doc_type = rng.choices(types, weights=[10, 7, 5, 4, 3, 2, 1])[0]
        text = []
        for _ in range(words):
            r = rng.random()
            if r < 0.09:
                word = rng.choice(INSTITUTIONS[institution].split())
            elif r < 0.17:
                word = rng.choice(DOC_TYPES[doc_type].split())
            elif r < 0.17 + confusion:
                word = rng.choice(INSTITUTIONS[rng.choice(institutions)].split())
            else:
                word = rng.choice(BOILERPLATE)
            text.append("".join(c if rng.random() > 0.03 else rng.choice("가나다라마바사") for c in word))
        documents.append({"text": " ".join(text), "labels": {"institution": institution, "doc_type": doc_type}})
    return documents


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def trained_model(root: Path, count: int = 300, seed: int = 5) -> Path:
    """A linear model of the default schema, trained on ``count`` generated documents in ``root``."""
    from munseo.classify import TrainOptions, load_dataset, load_schema, train

    schema = load_schema()
    data = write_jsonl(root / f"train-{seed}.jsonl", make_documents(count, seed=seed))
    train(load_dataset([str(data)], schema), schema, root / f"model-{seed}", TrainOptions(seed=seed))
    return root / f"model-{seed}"
