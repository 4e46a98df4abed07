/* Documents: filters and pagination over GET /api/documents; with words in the search box, ranked
   full-text search over GET /api/search, each hit with its snippet and a link to its best page. */
"use strict";
(() => {
  const form = document.getElementById("filters");
  const body = document.querySelector("#documents tbody");
  const params = new URLSearchParams(location.search);
  let page = Number(params.get("page") || 1);
  for (const [k, v] of params) if (form.elements[k]) form.elements[k].value = v;

  async function labelFilters() {
    const models = await munseo.api("/api/models").catch(() => []);
    const active = models.find((m) => m.active) || models[0];
    if (!active) return;
    const holder = document.getElementById("label-filters");
    const wanted = params.getAll("label");
    for (const [task, spec] of Object.entries(active.label_mappings.tasks || active.label_mappings)) {
      const labels = Array.isArray(spec) ? spec : spec.labels || Object.keys(spec);
      const select = document.createElement("select");
      select.dataset.task = task; select.setAttribute("aria-label", task);
      select.innerHTML = `<option value="">any ${munseo.esc(task)}</option>` +
        labels.map((l) => `<option ${wanted.includes(`${task}:${l}`) ? "selected" : ""}>${munseo.esc(l)}</option>`).join("");
      holder.append(select);
    }
  }
  function query() {
    const q = new URLSearchParams();
    for (const el of form.elements) if (el.name && el.value) q.set(el.name, el.value);
    for (const s of document.querySelectorAll("#label-filters select")) if (s.value) q.append("label", `${s.dataset.task}:${s.value}`);
    q.set("page", String(page));
    return q;
  }
  function snippet(d) {
    if (d.snippet == null) return "";
    let out = "", last = 0;
    for (const [start, end] of d.highlights) {
      out += munseo.esc(d.snippet.slice(last, start)) + `<mark>${munseo.esc(d.snippet.slice(start, end))}</mark>`;
      last = end;
    }
    return `<div class="snippet small">p. ${d.page} · ${out}${munseo.esc(d.snippet.slice(last))}</div>`;
  }
  async function load() {
    const q = query();
    history.replaceState(null, "", `?${q}`);
    const words = (q.get("q") || "").trim();
    let data;
    try {
      if (words) {
        const s = new URLSearchParams(q);
        s.delete("sort");
        if (s.get("status") && s.get("status") !== "processed") { s.delete("status"); munseo.toast("search finds processed documents only"); }
        data = await munseo.api(`/api/search?${s}&page_size=25`);
      } else {
        data = await munseo.api(`/api/documents?${q}&page_size=25`);
      }
    } catch (e) { munseo.toast(e.message, true); return; }
    document.getElementById("total").textContent = words ? `(${data.total} matching, best first)` : `(${data.total})`;
    body.innerHTML = data.items.map((d) => `<tr class="link" data-id="${d.id}" data-href="/documents/${d.id}${words ? `?q=${encodeURIComponent(words)}` : ""}">
      <td>${d.id}</td><td>${munseo.esc(d.filename)}${d.error ? `<div class="error small">${munseo.esc(d.error)}</div>` : ""}${snippet(d)}</td>
      <td><span class="badge ${d.status}">${d.status}</span>${d.needs_review ? ' <span class="badge review">review</span>' : ""}${d.near_duplicate_of ? ` <span class="badge rescan" title="${munseo.pct(d.near_duplicate_similarity)} alike">rescan of #${d.near_duplicate_of}</span>` : ""}</td>
      <td>${Object.entries(d.labels).map(([t, l]) => `<div><span class="muted small">${munseo.esc(t)}</span> ${munseo.esc(l.label)}</div>`).join("")}${d.classification_pending ? `<span class="badge pending" title="classified once a model version is active">${munseo.esc(d.classification_pending)}</span>` : ""}</td>
      <td>${d.min_confidence == null ? "—" : munseo.confBar(d.min_confidence)}</td>
      <td>${d.page_count}</td><td class="small">${munseo.when(d.created_at)}</td></tr>`).join("")
      || `<tr><td colspan="7" class="muted">No documents match.</td></tr>`;
    const pages = Math.max(1, Math.ceil(data.total / data.page_size));
    document.getElementById("pageinfo").textContent = `page ${page} of ${pages}`;
    document.getElementById("prev").disabled = page <= 1;
    document.getElementById("next").disabled = page >= pages;
  }
  body.addEventListener("click", (e) => { const tr = e.target.closest("tr[data-id]"); if (tr) location.href = tr.dataset.href; });
  form.addEventListener("submit", (e) => { e.preventDefault(); page = 1; load(); });
  document.getElementById("prev").onclick = () => { page--; load(); };
  document.getElementById("next").onclick = () => { page++; load(); };
  labelFilters().then(load);
})();
