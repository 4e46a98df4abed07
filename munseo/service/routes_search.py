"""Search: ranked documents with snippets, the words to mark on a document's pages, and similar documents."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from munseo.service.deps import ApiError, Id, IsoDateTime, LabelFilter, PageNumber, Viewer
from munseo.service.routes_documents import ERRORS
from munseo.service.schemas import DocumentHits, PageHits, SearchResults, SimilarItem, SimilarList
from munseo.service.views import search_items, summaries
from munseo.store.documents import DocumentFilter
from munseo.store.similar import NoContentModel
from munseo.text.analysis import query_words
from munseo.text.highlight import matching_boxes

router = APIRouter()
SearchQuery = Annotated[
    str,
    Query(
        min_length=1,
        max_length=500,
        description='Words that must all occur (inside longer words too: 위원회 finds 정무위원회는); "quoted words" '
        "must stand together.",
    ),
]


@router.get("/api/search", response_model=SearchResults, responses=ERRORS, tags=["search"])
def search(
    request: Request,
    _: Viewer,
    q: SearchQuery,
    needs_review: bool | None = None,
    label: LabelFilter = None,
    created_from: IsoDateTime | None = None,
    created_to: IsoDateTime | None = None,
    client_ref: Annotated[str | None, Query(max_length=255)] = None,
    status: Annotated[Literal["processed"] | None, Query(description="Only processed documents are indexed")] = None,
    page: PageNumber = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SearchResults:
    """Documents ranked by how well their text matches (BM25 on SQLite; on PostgreSQL, BM25's
    frequency saturation and length normalisation), each with its best page and a snippet, with
    the filters of the document list."""
    labels = [tuple(item.split(":", 1)) for item in label or []]
    where = DocumentFilter(status, needs_review, labels, created_from, created_to, client_ref=client_ref)
    store = request.app.state.store
    total, hits = store.search.find(q, where, (page - 1) * page_size, page_size)
    items = search_items(store, hits, q)
    return SearchResults(query=q, items=items, total=total, page=page, page_size=page_size)


@router.get("/api/documents/{doc_id}/hits", response_model=DocumentHits, responses=ERRORS, tags=["search"])
def document_hits(request: Request, _: Viewer, doc_id: Id, q: SearchQuery) -> DocumentHits:
    """The document's pages that match ``q``, each with the boxes of its matching words."""
    store = request.app.state.store
    doc = store.documents.load(doc_id)
    numbers = set(store.search.pages(doc_id, q))
    words = query_words(q)
    pages = [
        PageHits(number=p.number, boxes=matching_boxes(p.blocks or [], words)) for p in doc.pages if p.number in numbers
    ]
    return DocumentHits(query=q, pages=pages)


@router.get("/api/documents/{doc_id}/similar", response_model=SimilarList, responses=ERRORS, tags=["search"])
def similar_documents(
    request: Request, _: Viewer, doc_id: Id, limit: Annotated[int, Query(ge=1, le=50)] = 10
) -> SimilarList:
    """The processed documents most like this one by content, most alike first, with a score. The
    first request of a new collection fits the content model (``munseo reindex`` does it ahead)."""
    store = request.app.state.store
    store.documents.load(doc_id)
    try:
        found = store.similar.neighbours(doc_id, limit)
    except NoContentModel as exc:
        raise ApiError(409, str(exc)) from exc
    docs = store.documents.many([n.document_id for n in found])
    present = [n for n in found if n.document_id in docs]
    views = summaries(store, [docs[n.document_id] for n in present])
    items = [SimilarItem(**v.model_dump(), score=n.score) for n, v in zip(present, views, strict=True)]
    return SimilarList(items=items)
