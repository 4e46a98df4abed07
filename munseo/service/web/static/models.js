/* Model versions: metrics, training data counts, which is active, activation (admin), confusion matrices. */
"use strict";
(() => {
  const holder = document.getElementById("models");
  const admin = munseo.role === "admin";
  function shadowNote(st) {
    if (!st) return "";
    return `<p class="small shadow-stats">beside the active version: ${st.documents} documents, agreement ${munseo.pct(st.agreement)}
      · on ${st.reviewed} reviewed decisions this version was right ${st.shadow_right} times, the active one ${st.active_right}</p>`;
  }
  function retrainNote(r) {
    if (!r) return "";
    const rows = Object.entries(r.candidate || {}).map(([t, c]) => {
      const a = (r.active || {})[t] || {};
      const f = (v) => (v == null ? "—" : v.toFixed(3));
      return `<tr><td>${munseo.esc(t)}</td><td>${f(a.accuracy)} → ${f(c.accuracy)}</td><td>${f(a.macro_f1)} → ${f(c.macro_f1)}</td><td>${f(a.ece)} → ${f(c.ece)}</td></tr>`;
    }).join("");
    return `<p class="small retrain ${r.promoted ? "done" : "refused"}"><b>retrain run ${r.run}: ${r.promoted ? "promoted" : "not promoted"}</b> — ${munseo.esc(r.decision)}
      · pool ${r.pool?.examples ?? "?"} examples · fixed set ${r.fixed_set?.documents ?? 0} documents</p>
      ${rows ? `<table class="grid small"><thead><tr><th>task (fixed set)</th><th>accuracy: active → candidate</th><th>macro-F1</th><th>ECE</th></tr></thead><tbody>${rows}</tbody></table>` : ""}`;
  }
  async function runs() {
    const holder = document.getElementById("retrains");
    let list;
    try { list = await munseo.api("/api/models/retrains"); } catch (e) { munseo.toast(e.message, true); return; }
    holder.innerHTML = `<header><h2>Retrain runs</h2>${admin ? '<button class="primary" id="retrain-now">Retrain now</button>' : ""}</header>` +
      (list.length ? `<table class="grid small"><thead><tr><th>#</th><th>asked</th><th>why</th><th>status</th><th>candidate</th><th>decision</th></tr></thead><tbody>
      ${list.map((r) => `<tr><td>${r.id}</td><td>${munseo.when(r.created_at)}</td><td>${munseo.esc(r.reason)}</td><td>${munseo.esc(r.status)}${r.promoted ? " · promoted" : ""}</td>
        <td>${munseo.esc(r.candidate || "")}</td><td>${munseo.esc(r.decision || "")}</td></tr>`).join("")}</tbody></table>` : '<p class="muted">No retrain run yet.</p>');
    const button = document.getElementById("retrain-now");
    if (button) button.addEventListener("click", async () => {
      try { await munseo.api("/api/models/retrain", { json: {} }); munseo.toast("retrain queued"); runs(); }
      catch (e) { munseo.toast(e.message, true); }
    });
  }
  async function proposals() {
    const holder = document.getElementById("proposals");
    let list;
    try { list = await munseo.api("/api/labels/proposed"); } catch (e) { munseo.toast(e.message, true); return; }
    holder.innerHTML = "<header><h2>Proposed labels</h2></header>" + (list.length
      ? `<table class="grid small"><thead><tr><th>task</th><th>label</th><th>proposed by</th><th>state</th></tr></thead><tbody>
        ${list.map((p) => `<tr><td>${munseo.esc(p.task)}</td><td>${munseo.esc(p.label)}</td><td>${munseo.esc(p.proposed_by)} · ${munseo.when(p.created_at)}</td>
          <td>${p.confirmed_at ? `confirmed by ${munseo.esc(p.confirmed_by)}` : (admin ? `<button class="confirm" data-id="${p.id}">Confirm</button>` : "waiting for an admin")}</td></tr>`).join("")}</tbody></table>`
      : '<p class="muted">No label proposed. A reviewer proposes one by giving a label a task does not have yet.</p>');
    holder.querySelectorAll("button.confirm").forEach((b) => b.addEventListener("click", async () => {
      try { await munseo.api(`/api/labels/proposed/${b.dataset.id}/confirm`, { method: "POST" }); munseo.toast("confirmed: the next retrain learns it"); proposals(); }
      catch (e) { munseo.toast(e.message, true); }
    }));
  }
  async function load() {
    runs();
    proposals();
    let models;
    try { models = await munseo.api("/api/models"); } catch (e) { munseo.toast(e.message, true); return; }
    if (!models.length) { holder.innerHTML = '<p class="card muted">No model is registered. Train one with <code>munseo train</code> and add it with <code>munseo models add</code>.</p>'; return; }
    holder.innerHTML = models.map((m, mi) => {
      const dev = m.metrics.dev || {};
      const counts = m.metrics.training_data?.counts || {};
      return `<section class="card model" data-version="${munseo.esc(m.version)}"><header>
        <h2>${munseo.esc(m.version)}</h2><span class="badge">${munseo.esc(m.backend)}</span>
        ${m.active ? '<span class="badge done">active</span>' : `<button class="primary activate" ${admin ? "" : 'disabled title="needs an admin token"'}>Activate</button>
          <button class="shadow" data-on="${m.shadow ? "false" : "true"}" ${admin ? "" : 'disabled title="needs an admin token"'}>${m.shadow ? "Stop shadowing" : "Shadow"}</button>`}
        ${m.shadow ? '<span class="badge">shadow</span>' : ""}
        <span class="muted small">registered ${munseo.when(m.created_at)} · trained on ${m.metrics.train_examples ?? "?"} documents</span></header>
        <table class="grid small" style="margin-top:10px"><thead><tr><th>task</th><th>dev accuracy</th><th>macro-F1</th><th>ECE</th><th>training documents per label</th></tr></thead><tbody>
        ${Object.entries(dev).map(([t, v]) => `<tr><td>${munseo.esc(t)}</td><td>${munseo.pct(v.accuracy)}</td><td>${v.macro_f1?.toFixed(3) ?? "—"}</td>
          <td>${v.ece?.toFixed(3) ?? "—"}</td><td>${Object.entries(counts[t] || {}).map(([l, n]) => `${munseo.esc(l)} ${n}`).join(" · ")}</td></tr>`).join("")}
        </tbody></table>
        ${shadowNote(m.shadow_stats)}
        ${retrainNote(m.metrics.retrain)}
        <div class="metrics">${Object.entries(dev).filter(([, v]) => v.confusion).map(([t]) => `<figure><figcaption>${munseo.esc(t)}: dev confusion</figcaption><canvas data-model="${mi}" data-task="${munseo.esc(t)}"></canvas></figure>`).join("")}</div>
      </section>`;
    }).join("");
    holder.querySelectorAll("canvas[data-model]").forEach((c) => {
      const v = models[Number(c.dataset.model)].metrics.dev[c.dataset.task];
      charts.heatmap(c, v.labels, v.labels, v.confusion, { rows: "true label", cols: "predicted" });
    });
    holder.querySelectorAll("button.shadow").forEach((b) => b.addEventListener("click", async () => {
      const version = b.closest("section").dataset.version;
      try { await munseo.api(`/api/models/${encodeURIComponent(version)}/shadow`, { json: { on: b.dataset.on === "true" } }); load(); }
      catch (e) { munseo.toast(e.message, true); }
    }));
    holder.querySelectorAll("button.activate").forEach((b) => b.addEventListener("click", async () => {
      const version = b.closest("section").dataset.version;
      try { await munseo.api(`/api/models/${encodeURIComponent(version)}/activate`, { method: "POST" }); munseo.toast(`${version} is active`); load(); }
      catch (e) { munseo.toast(e.message, true); }
    }));
  }
  load();
})();
