/* Model versions: metrics, training data counts, which is active, activation (admin), confusion matrices. */
"use strict";
(() => {
  const holder = document.getElementById("models");
  const admin = munseo.role === "admin";
  async function load() {
    let models;
    try { models = await munseo.api("/api/models"); } catch (e) { munseo.toast(e.message, true); return; }
    if (!models.length) { holder.innerHTML = '<p class="card muted">No model is registered. Train one with <code>munseo train</code> and add it with <code>munseo models add</code>.</p>'; return; }
    holder.innerHTML = models.map((m, mi) => {
      const dev = m.metrics.dev || {};
      const counts = m.metrics.training_data?.counts || {};
      return `<section class="card model" data-version="${munseo.esc(m.version)}"><header>
        <h2>${munseo.esc(m.version)}</h2><span class="badge">${munseo.esc(m.backend)}</span>
        ${m.active ? '<span class="badge done">active</span>' : `<button class="primary activate" ${admin ? "" : 'disabled title="needs an admin token"'}>Activate</button>`}
        <span class="muted small">registered ${munseo.when(m.created_at)} · trained on ${m.metrics.train_examples ?? "?"} documents</span></header>
        <table class="grid small" style="margin-top:10px"><thead><tr><th>task</th><th>dev accuracy</th><th>macro-F1</th><th>ECE</th><th>training documents per label</th></tr></thead><tbody>
        ${Object.entries(dev).map(([t, v]) => `<tr><td>${munseo.esc(t)}</td><td>${munseo.pct(v.accuracy)}</td><td>${v.macro_f1?.toFixed(3) ?? "—"}</td>
          <td>${v.ece?.toFixed(3) ?? "—"}</td><td>${Object.entries(counts[t] || {}).map(([l, n]) => `${munseo.esc(l)} ${n}`).join(" · ")}</td></tr>`).join("")}
        </tbody></table>
        <div class="metrics">${Object.entries(dev).filter(([, v]) => v.confusion).map(([t]) => `<figure><figcaption>${munseo.esc(t)}: dev confusion</figcaption><canvas data-model="${mi}" data-task="${munseo.esc(t)}"></canvas></figure>`).join("")}</div>
      </section>`;
    }).join("");
    holder.querySelectorAll("canvas[data-model]").forEach((c) => {
      const v = models[Number(c.dataset.model)].metrics.dev[c.dataset.task];
      charts.heatmap(c, v.labels, v.labels, v.confusion, { rows: "true label", cols: "predicted" });
    });
    holder.querySelectorAll("button.activate").forEach((b) => b.addEventListener("click", async () => {
      const version = b.closest("section").dataset.version;
      try { await munseo.api(`/api/models/${encodeURIComponent(version)}/activate`, { method: "POST" }); munseo.toast(`${version} is active`); load(); }
      catch (e) { munseo.toast(e.message, true); }
    }));
  }
  load();
})();
