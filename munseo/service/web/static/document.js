/* One document: page images with word boxes coloured by confidence, text, labels, history; opened
   from a search (?q=…), it starts on the first page that matches, marks the matching words on the
   image and in the text, and N / P step through the matching pages. */
"use strict";
(() => {
  const id = document.getElementById("doc").dataset.id;
  const img = document.getElementById("page-image");
  const svg = document.getElementById("boxes");
  const overlay = document.getElementById("overlay");
  const hitsSvg = document.getElementById("hits");
  const query = new URLSearchParams(location.search).get("q") || "";
  let doc, index = 0, hits = [];

  function marked(text) {
    const words = query.toLowerCase().replace(/"/g, " ").split(/\s+/).filter(Boolean)
      .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    if (!words.length) return munseo.esc(text);
    const pattern = new RegExp(words.sort((a, b) => b.length - a.length).join("|"), "gi");
    let out = "", last = 0;
    for (const m of text.matchAll(pattern)) {
      out += munseo.esc(text.slice(last, m.index)) + `<mark>${munseo.esc(m[0])}</mark>`;
      last = m.index + m[0].length;
    }
    return out + munseo.esc(text.slice(last));
  }
  function showHits(page) {
    const at = hits.findIndex((h) => h.number === page.number);
    hitsSvg.setAttribute("viewBox", `0 0 ${page.width} ${page.height}`);
    hitsSvg.innerHTML = at < 0 ? "" : hits[at].boxes.map(([x0, y0, x1, y1]) =>
      `<rect class="hit" x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}"></rect>`).join("");
    document.getElementById("hit-label").textContent = hits.length
      ? `${at < 0 ? "no hit on this page" : `hit ${at + 1} of ${hits.length}`} · “${query}” on page${hits.length > 1 ? "s" : ""} ${hits.map((h) => h.number).join(", ")}`
      : `“${query}” is not found in this document`;
  }
  function stepHit(step) {
    if (!hits.length || !doc) return;
    const number = doc.pages[index].number;
    const next = step > 0 ? hits.find((h) => h.number > number) || hits[0]
      : hits.slice().reverse().find((h) => h.number < number) || hits[hits.length - 1];
    index = doc.pages.findIndex((p) => p.number === next.number);
    show();
  }

  function probabilities(task, label) {
    const rows = Object.entries(label.probabilities || {}).sort((a, b) => b[1] - a[1]);
    return `<div class="task"><h3>${munseo.esc(task)} · ${munseo.esc(label.label)} ${label.needs_review ? '<span class="badge review">review</span>' : ""}
      <span class="muted small">${label.source === "reviewer" ? "set by a reviewer" : `model ${munseo.esc(label.model_version || "")}`}</span></h3>
      ${rows.map(([l, p], i) => `<div class="prob ${l === label.label ? "top" : ""}"><span class="muted">${i + 1}</span><span>${munseo.esc(l)}</span>
      <span class="fill"><i style="width:${p * 100}%"></i></span><span>${(p * 100).toFixed(1)}%</span></div>`).join("")}</div>`;
  }
  function show() {
    const page = doc.pages[index];
    document.getElementById("page-label").textContent = page ? `page ${page.number} of ${doc.pages.length} · ${page.source}` +
      (page.source === "ocr" ? ` · confidence ${munseo.pct(page.mean_confidence)}` : "") : "no pages";
    if (!page) return;
    const q = page.quality || {};
    const notes = [];
    if (page.needs_review) notes.push(`<span class="badge review">OCR review</span> ${munseo.esc((q.reasons || []).join("; "))}`);
    if (q.reading && q.reading !== "regions") notes.push(`read as ${munseo.esc(q.reading)}`);
    if (q.rotation) notes.push(`turned ${q.rotation}°`);
    if ((q.repairs || []).length) notes.push(`${q.repairs.length} characters repaired`);
    document.getElementById("page-quality").innerHTML = notes.join(" · ");
    img.src = page.image_url;
    svg.setAttribute("viewBox", `0 0 ${page.width} ${page.height}`);
    svg.innerHTML = page.blocks.flatMap((b) => b.lines.flatMap((l) => l.words.map((w) => {
      const [x0, y0, x1, y1] = w.bbox, c = munseo.confColor(w.confidence);
      return `<rect x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}" fill="${c}" stroke="${c}"><title>${munseo.esc(w.text)} · ${munseo.pct(w.confidence)}</title></rect>`;
    }))).join("");
    if (query) {
      document.getElementById("text").innerHTML = page.text ? marked(page.text) : "(no text)";
      showHits(page);
    } else {
      document.getElementById("text").textContent = page.text || "(no text)";
    }
  }
  async function load() {
    try { doc = await munseo.api(`/api/documents/${id}`); } catch (e) { munseo.toast(e.message, true); return; }
    document.getElementById("title").textContent = doc.filename;
    document.getElementById("meta").innerHTML = `#${doc.id} · <span class="badge ${doc.status}">${doc.status}</span>${doc.classification_pending ? ` <span class="badge pending">${munseo.esc(doc.classification_pending)}</span>` : ""} · ${doc.page_count} pages · added ${munseo.when(doc.created_at)}` +
      (doc.reviewed_by ? ` · reviewed by ${munseo.esc(doc.reviewed_by)} ${munseo.when(doc.reviewed_at)}` : "") +
      (doc.near_duplicate_of ? `<div id="near-duplicate" class="notice">Looks like a rescan of <a href="/documents/${doc.near_duplicate_of}">#${doc.near_duplicate_of}</a> (${munseo.pct(doc.near_duplicate_similarity)} alike; kept as its own document)` +
        (Object.keys(doc.suggested_labels).length ? ` · reviewed there as ${Object.entries(doc.suggested_labels).map(([t, l]) => `<span class="muted small">${munseo.esc(t)}</span> ${munseo.esc(l)}`).join(", ")}` : "") + "</div>" : "") +
      (doc.near_duplicates.length ? `<div class="notice">Rescanned as ${doc.near_duplicates.map((d) => `<a href="/documents/${d}">#${d}</a>`).join(", ")}</div>` : "") +
      (doc.error ? `<div class="error">${munseo.esc(doc.error)}</div>` : "");
    document.getElementById("labels").innerHTML = Object.entries(doc.labels).map(([t, l]) => probabilities(t, l)).join("") || '<p class="muted">Not classified.</p>';
    document.querySelector("#history tbody").innerHTML = doc.history.slice().reverse().map((h) => `<tr><td class="small">${munseo.when(h.created_at)}</td>
      <td>${munseo.esc(h.task)}</td><td>${munseo.esc(h.label)}${h.confidence != null && h.source === "model" ? ` <span class="muted small">${munseo.pct(h.confidence)}</span>` : ""}</td>
      <td class="small">${h.source === "model" ? `model ${munseo.esc(h.model_version || "")}` : `${munseo.esc(h.source)} ${munseo.esc(h.reviewer || "")}`}</td></tr>`).join("");
    if (query) {
      document.getElementById("search-bar").classList.remove("hidden");
      try { hits = (await munseo.api(`/api/documents/${id}/hits?q=${encodeURIComponent(query)}`)).pages; } catch (e) { munseo.toast(e.message, true); }
      const first = doc.pages.findIndex((p) => hits.length && p.number === hits[0].number);
      if (first >= 0) index = first;
    }
    show();
    similar();
  }
  async function similar() {
    const list = document.getElementById("similar");
    try {
      const data = await munseo.api(`/api/documents/${id}/similar?limit=8`);
      list.innerHTML = data.items.map((d) => `<li><a href="/documents/${d.id}">${munseo.esc(d.filename)}</a>
        <span class="fill" title="cosine similarity"><i style="width:${Math.max(0, d.score) * 100}%"></i></span>
        <span class="muted">${d.score.toFixed(2)}</span>
        ${Object.values(d.labels).map((l) => `<span class="muted">${munseo.esc(l.label)}</span>`).join(" · ")}</li>`).join("")
        || '<li class="muted">No other documents yet.</li>';
    } catch (e) { list.innerHTML = `<li class="muted">${munseo.esc(e.message)}</li>`; }
  }
  overlay.addEventListener("change", () => svg.classList.toggle("hidden", !overlay.checked));
  document.getElementById("prev-page").onclick = () => { if (index > 0) { index--; show(); } };
  document.getElementById("next-page").onclick = () => { if (doc && index < doc.pages.length - 1) { index++; show(); } };
  document.addEventListener("keydown", (e) => {
    if (e.target.matches("input, textarea, select")) return;
    if (e.key === "o" || e.key === "O") { overlay.checked = !overlay.checked; overlay.dispatchEvent(new Event("change")); }
    if (e.key === "ArrowRight") document.getElementById("next-page").click();
    if (e.key === "ArrowLeft") document.getElementById("prev-page").click();
    if (e.key === "n" || e.key === "N") stepHit(1);
    if (e.key === "p" || e.key === "P") stepHit(-1);
  });
  document.getElementById("next-hit").onclick = () => stepHit(1);
  document.getElementById("prev-hit").onclick = () => stepHit(-1);
  load();
})();
