"""The web UI: server-rendered page shells whose scripts read the JSON API with the session cookie.

Everything the pages need ships in ``munseo/service/web`` (templates, CSS, JavaScript, charts drawn
on canvas): nothing is loaded from the internet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from munseo import __version__
from munseo.service.deps import Id, Principal
from munseo.store.models import Role

WEB = Path(__file__).parent / "web"
COOKIE = "munseo_token"
templates = Jinja2Templates(directory=str(WEB / "templates"))
router = APIRouter(include_in_schema=False)
static = StaticFiles(directory=str(WEB / "static"))

PAGES = {
    "upload": "Upload",
    "documents": "Documents",
    "review": "Review",
    "models": "Models",
    "dashboard": "Dashboard",
    "admin": "Admin",  # shown to admins only
}


def signed_in(request: Request) -> Principal | None:
    token = request.cookies.get(COOKIE, "")
    return request.app.state.tokens.lookup(token) if token else None


def _page(request: Request, template: str, active: str, **context: object) -> Response:
    who = signed_in(request)
    if who is None:
        return RedirectResponse(f"/login?next={quote(str(request.url.path))}", status_code=303)
    pages = {k: v for k, v in PAGES.items() if k != "admin" or who.role is Role.ADMIN}
    if active not in pages:
        return templates.TemplateResponse(
            request,
            "forbidden.html",
            {"who": who, "pages": pages, "active": "", "version": __version__},
            status_code=403,
        )
    return templates.TemplateResponse(
        request, template, {"who": who, "pages": pages, "active": active, "version": __version__, **context}
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/documents", error: str | None = None) -> Response:
    return templates.TemplateResponse(request, "login.html", {"next": next, "error": error, "version": __version__})


@router.post("/login")
def login(request: Request, token: Annotated[str, Form()], next: Annotated[str, Form()] = "/documents") -> Response:
    """Sign in with a token; failed attempts are limited per client address (``login_attempts_per_minute``)."""
    token = token.strip()
    client = request.client.host if request.client else "unknown"
    limit = request.app.state.login_limit
    wait = limit.retry_after(client)
    if wait:
        return templates.TemplateResponse(
            request,
            "login.html",
            {"next": next, "error": f"Too many failed sign-ins: try again in {wait} s.", "version": __version__},
            status_code=429,
            headers={"Retry-After": str(wait)},
        )
    if request.app.state.tokens.lookup(token) is None:
        limit.add(client)
        return templates.TemplateResponse(
            request,
            "login.html",
            {"next": next, "error": "That token is not valid.", "version": __version__},
            status_code=401,
        )
    target = next if next.startswith("/") and not next.startswith("//") else "/documents"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=30 * 24 * 3600)
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/")
def home() -> Response:
    return RedirectResponse("/documents", status_code=303)


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request) -> Response:
    return _page(request, "upload.html", "upload")


@router.get("/documents", response_class=HTMLResponse)
def documents_page(request: Request) -> Response:
    return _page(request, "documents.html", "documents")


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(request: Request, doc_id: Id) -> Response:
    return _page(request, "document.html", "documents", doc_id=doc_id)


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request) -> Response:
    return _page(request, "review.html", "review")


@router.get("/models", response_class=HTMLResponse)
def models_page(request: Request) -> Response:
    return _page(request, "models.html", "models")


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request) -> Response:
    return _page(request, "dashboard.html", "dashboard")


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request) -> Response:
    return _page(request, "admin.html", "admin")
