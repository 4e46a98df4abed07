"""The web UI in a real browser: Playwright driving Debian's chromium against a running server."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import select

from munseo.classify import TrainOptions, load_dataset, load_schema, train
from munseo.classify.registry import register_model
from munseo.config import Settings
from munseo.service.api import create_app
from munseo.service.auth import create_token, hash_token
from munseo.store.models import Classification, ClassificationHistory, Document, ProposedLabel
from munseo.store.repository import Store
from tests import documents
from tests.conftest import fresh_postgres_database
from tests.corpus import make_documents, write_jsonl

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "ui"
POSITIVE = re.compile(r"^[1-9][0-9]*$")  # a count above zero, as a data-points attribute holds it


class Server:
    def __init__(self, url: str, tokens: dict[str, str], store: Store, inbox: Path) -> None:
        self.url, self.tokens, self.store, self.inbox = url, tokens, store, inbox


@pytest.fixture(scope="module")
def server(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("ui")
    settings = Settings(data_dir=root / "data", database_url=fresh_postgres_database(postgres_url), workers=2)
    store = Store(settings.resolved_database_url)
    schema = load_schema()
    data = write_jsonl(root / "train.jsonl", make_documents(400, seed=4))
    for seed in (4, 5):  # two versions, so the models page has one to activate
        model = root / f"model-{seed}"
        train(load_dataset([str(data)], schema), schema, model, TrainOptions(seed=seed, threshold=0.99))
        register_model(store, settings.data_dir, model, activate=seed == 4)
    tokens = {role: create_token(store, role, name=f"{role}-tester") for role in ("viewer", "reviewer", "admin")}
    inbox = root / "inbox"
    inbox.mkdir()
    documents.born_digital_pdf(inbox / "bill.pdf", pages=2)
    documents.png_page(inbox / "scan.png", seed=41, dpi=200)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    while not uv.started:
        time.sleep(0.05)
    yield Server(f"http://127.0.0.1:{port}", tokens, store, inbox)
    uv.should_exit = True
    thread.join(timeout=30)
    store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is needed (make test installs it)"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def signed_in(browser: Browser, server: Server, role: str) -> Page:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{server.url}/documents")
    expect(page).to_have_url(re.compile(r"/login"))
    page.fill("#token", server.tokens[role])
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/documents"))
    return page


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def test_login_refuses_a_wrong_token(browser: Browser, server: Server) -> None:
    page = browser.new_page()
    page.goto(f"{server.url}/login")
    page.fill("#token", "msk_wrong")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_contain_text("not valid")
    shot(page, "login")
    page.close()


def test_upload_two_documents_and_see_them_processed(browser: Browser, server: Server) -> None:
    page = signed_in(browser, server, "reviewer")
    page.click("#nav-upload")
    page.set_input_files("#files", [str(server.inbox / "bill.pdf"), str(server.inbox / "scan.png")])
    rows = page.locator("#uploads tbody tr")
    expect(rows).to_have_count(2)
    for name in ("bill.pdf", "scan.png"):
        row = page.locator(f'#uploads tr[data-file="{name}"]')
        expect(row).to_have_attribute("data-state", "done", timeout=180_000)
    shot(page, "upload")
    page.click("#nav-documents")
    expect(page.locator("#documents tbody tr")).to_have_count(2)
    expect(page.locator("#documents tbody")).to_contain_text("processed")
    shot(page, "documents")
    page.fill("input[name=q]", "국회는")
    page.click("#filters button[type=submit]")
    expect(page.locator("#documents tbody tr")).to_have_count(1)
    expect(page.locator("#documents tbody")).to_contain_text("bill.pdf")
    page.close()


def test_document_page_toggles_the_word_box_overlay(browser: Browser, server: Server) -> None:
    page = signed_in(browser, server, "viewer")
    page.locator("#documents tbody tr", has_text="scan.png").click()
    expect(page.locator("#title")).to_have_text("scan.png")
    expect(page.locator("#page-image")).to_have_js_property("complete", True)
    expect(page.locator("#page-image")).not_to_have_js_property("naturalWidth", 0)
    boxes = page.locator("#boxes")
    expect(boxes).to_have_class(re.compile("hidden"))
    assert page.locator("#boxes rect").count() > 20
    page.keyboard.press("o")
    expect(boxes).not_to_have_class(re.compile("hidden"))
    expect(page.locator("#boxes rect").first).to_be_visible()
    expect(page.locator("#labels .task")).to_have_count(2)
    expect(page.locator("#text")).not_to_be_empty()
    shot(page, "document")
    page.locator("#overlay").uncheck()
    expect(boxes).to_have_class(re.compile("hidden"))
    page.close()


def test_search_lists_snippets_and_opens_the_viewer_on_the_page_that_matches(browser: Browser, server: Server) -> None:
    """도시철도 stands on page 2 of bill.pdf only: the hit says so, and the viewer opens there with
    the word marked on the image and in the text."""
    page = signed_in(browser, server, "viewer")
    page.fill("input[name=q]", "도시철도")
    page.click("#filters button[type=submit]")
    rows = page.locator("#documents tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("bill.pdf")
    expect(rows.first.locator(".snippet mark").first).to_have_text("도시철도")
    expect(rows.first.locator(".snippet")).to_contain_text("p. 2")
    shot(page, "search")
    rows.first.click()
    expect(page.locator("#title")).to_have_text("bill.pdf")
    expect(page.locator("#page-label")).to_contain_text("page 2 of 2")
    expect(page.locator("#hit-label")).to_contain_text("hit 1 of 1")
    expect(page.locator("#hits rect.hit").first).to_be_visible()
    expect(page.locator("#text mark").first).to_have_text("도시철도")
    # The other stored document, as the only similar one, with its score.
    expect(page.locator("#similar li a")).to_have_count(1)
    expect(page.locator("#similar li a")).to_have_text("scan.png")
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#hit-label")).to_contain_text("no hit on this page")
    page.keyboard.press("n")
    expect(page.locator("#page-label")).to_contain_text("page 2 of 2")
    shot(page, "search-viewer")
    page.close()


def test_review_corrects_a_label_with_the_keyboard_alone(browser: Browser, server: Server) -> None:
    page = signed_in(browser, server, "reviewer")
    page.click("#nav-review")
    expect(page.locator("#tasks .task")).to_have_count(2)
    expect(page.locator("#remaining")).to_contain_text("2 remaining")
    doc_id = int(page.locator("#review-title a").get_attribute("href").rsplit("/", 1)[1])
    second_task = page.locator("#tasks .task").nth(1)
    task = second_task.get_attribute("data-task")
    wanted = second_task.locator(".prob").nth(1).get_attribute("data-label")
    shot(page, "review")

    page.keyboard.press("Tab")  # focus the second task
    expect(second_task).to_have_class(re.compile("focused"))
    page.keyboard.press("2")  # its second most probable label
    expect(second_task.locator(".prob.chosen")).to_have_attribute("data-label", wanted)
    page.keyboard.press("Enter")
    expect(page.locator("#toast")).to_contain_text(f"Corrected #{doc_id}")
    expect(page.locator("#remaining")).to_contain_text("1 remaining")
    expect(page.locator("#pace")).to_contain_text("1 decided")

    with server.store.sessions() as session:
        label = session.scalars(
            select(Classification).where(Classification.document_id == doc_id, Classification.task == task)
        ).one()
        history = session.scalars(
            select(ClassificationHistory).where(
                ClassificationHistory.document_id == doc_id, ClassificationHistory.source == "reviewer"
            )
        ).all()
        doc = session.get(Document, doc_id)
    assert label.label == wanted and label.source == "reviewer"
    assert {h.task: h.label for h in history}[task] == wanted
    assert all(h.reviewer == "reviewer-tester" and h.created_at for h in history)
    assert doc is not None and doc.needs_review is False and doc.reviewed_by == "reviewer-tester"

    page.keyboard.press("u")  # undo: the document is back in the queue with the model's labels
    expect(page.locator("#toast")).to_contain_text(f"Undid the decision on #{doc_id}")
    expect(page.locator("#remaining")).to_contain_text("2 remaining")
    with server.store.sessions() as session:
        restored = session.scalars(
            select(Classification).where(Classification.document_id == doc_id, Classification.task == task)
        ).one()
    assert restored.source == "model" and restored.label != wanted

    # N: a label the task does not have yet, typed in; saving proposes it to an admin
    first_task = page.locator("#tasks .task").first
    proposed_in = first_task.get_attribute("data-task")
    page.keyboard.press("n")
    page.keyboard.type("감사원")
    page.keyboard.press("Enter")
    expect(first_task.locator(".prob.chosen.new")).to_have_attribute("data-label", "감사원")
    page.keyboard.press("Enter")
    expect(page.locator("#toast")).to_contain_text(f"{proposed_in} → 감사원")
    proposals = [(p.task, p.label, p.proposed_by) for p in server.store.learning.proposed()]
    assert (proposed_in, "감사원", "reviewer-tester") in proposals
    page.keyboard.press("u")
    expect(page.locator("#remaining")).to_contain_text("2 remaining")

    page.select_option("#order", "useful")  # the queue in the order most useful to the next model
    expect(page.locator("#remaining")).to_contain_text("2 remaining")
    expect(page.locator("#tasks .task")).to_have_count(2)
    page.close()


def test_api_docs_render_offline(browser: Browser, server: Server) -> None:
    page = signed_in(browser, server, "viewer")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{server.url}/docs")
    expect(page.locator(".swagger-ui h1.title")).to_contain_text("munseo", timeout=20_000)
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    assert all(url.startswith(server.url) for url in requests), [u for u in requests if not u.startswith(server.url)]
    page.close()


def test_dashboard_draws_its_charts(browser: Browser, server: Server) -> None:
    page = signed_in(browser, server, "viewer")
    page.click("#nav-dashboard")
    # the page's script-src 'self' policy forbids wait_for_function's string predicates (eval)
    expect(page.locator("#throughput")).to_have_attribute("data-points", POSITIVE)
    expect(page.locator("#stages")).to_have_attribute("data-points", POSITIVE)
    expect(page.locator("#histograms canvas")).to_have_count(2)
    assert int(page.locator("#histograms canvas").first.get_attribute("data-points") or 0) > 0
    expect(page.locator("#tiles")).to_contain_text("documents")
    shot(page, "dashboard")
    page.close()


def test_models_page_and_a_viewer_cannot_activate(browser: Browser, server: Server) -> None:
    admin = signed_in(browser, server, "admin")
    admin.click("#nav-models")
    expect(admin.locator("section.model")).to_have_count(2)
    expect(admin.locator('canvas[data-model][data-points]:not([data-points="0"])')).not_to_have_count(0)
    expect(admin.locator("button.activate")).to_be_enabled()
    expect(admin.locator("#retrains")).to_contain_text("No retrain run yet.")
    expect(admin.locator("#retrain-now")).to_be_enabled()
    with server.store.sessions.begin() as session:  # as a reviewer's "new_labels" review leaves it
        session.add(ProposedLabel(task="doc_type", label="감사보고서", proposed_by="reviewer-tester"))
    admin.reload()
    admin.locator("#proposals tr", has_text="감사보고서").locator("button.confirm").click()
    expect(admin.locator("#toast")).to_contain_text("confirmed")
    expect(admin.locator("#proposals")).to_contain_text("confirmed by admin-tester")
    assert server.store.learning.confirmed_labels() == {"doc_type": ["감사보고서"]}
    shot(admin, "models")
    admin.close()

    viewer = signed_in(browser, server, "viewer")
    viewer.click("#nav-models")
    button = viewer.locator("button.activate")
    expect(button).to_be_disabled()
    expect(viewer.locator("#retrains")).to_contain_text("Retrain runs")
    expect(viewer.locator("#retrain-now")).to_have_count(0)
    inactive = viewer.locator("section.model", has=button).get_attribute("data-version")
    message = viewer.evaluate(
        "v => munseo.api(`/api/models/${encodeURIComponent(v)}/activate`, {method: 'POST'})"
        ".then(() => 'ok', e => e.message)",
        inactive,
    )
    assert "admin" in message
    viewer.close()


def test_admin_page_makes_and_revokes_a_token_and_no_page_breaks_the_policy(browser: Browser, server: Server) -> None:
    admin = signed_in(browser, server, "admin")
    refused: list[str] = []
    admin.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    for key in ("upload", "documents", "review", "models", "dashboard", "admin"):
        admin.click(f"#nav-{key}")
        expect(admin).to_have_url(re.compile(f"/{key}(\\?|$)"))  # the documents page writes its query in the URL
        admin.wait_for_load_state("networkidle")
    admin.goto(f"{server.url}/docs")
    expect(admin.locator(".swagger-ui h1.title")).to_contain_text("munseo", timeout=20_000)
    assert not refused, refused

    admin.goto(f"{server.url}/admin")
    admin.fill("#new-token input[name=name]", "ui-made")
    admin.select_option("#new-token select[name=role]", "reviewer")
    admin.fill("#new-token input[name=expires_days]", "3")
    admin.click("#new-token button[type=submit]")
    token = admin.locator("#fresh-token").inner_text()
    assert token.startswith("msk_") and server.store.tokens.use(hash_token(token)) is not None
    row = admin.locator("#token-list tr", has_text="ui-made")
    expect(row.locator(".state")).to_have_text("live")
    row.locator("button.revoke").click()
    expect(row.locator(".state")).to_contain_text("revoked")
    assert server.store.tokens.use(hash_token(token)) is None
    expect(admin.locator("#audit-list")).to_contain_text("revoke_token")
    admin.select_option("#audit-action", "create_token")
    expect(admin.locator("#audit-list tbody tr").first).to_contain_text("ui-made")
    # who uploaded and who activated what: done through the API, read on the page
    as_role = {role: {"Authorization": f"Bearer {server.tokens[role]}"} for role in ("reviewer", "admin")}
    upload = httpx.post(
        f"{server.url}/api/documents", headers=as_role["reviewer"], files={"files": ("audited.txt", b"no document")}
    )
    assert upload.status_code in (202, 415, 422), upload.text
    active = server.store.versions.active()
    assert active is not None
    activated = httpx.post(f"{server.url}/api/models/{active.version}/activate", headers=as_role["admin"])
    assert activated.status_code == 200, activated.text
    admin.select_option("#audit-action", "upload")
    uploaded = admin.locator("#audit-list tbody tr", has_text="audited.txt").first
    expect(uploaded).to_contain_text("reviewer-tester")
    admin.select_option("#audit-action", "activate")
    expect(admin.locator("#audit-list tbody tr").first).to_contain_text(f"model:{active.version}")
    expect(admin.locator("#audit-list tbody tr").first).to_contain_text("admin-tester")
    admin.select_option("#audit-action", "")
    shot(admin, "admin")
    admin.close()

    viewer = signed_in(browser, server, "viewer")
    expect(viewer.locator("#nav-admin")).to_have_count(0)
    assert viewer.goto(f"{server.url}/admin").status == 403
    viewer.close()
