/* Dashboard: drawn from GET /api/stats, refreshed every 10 seconds. */
"use strict";
(() => {
  function tile(value, label) { return `<div class="tile"><b>${value}</b><span>${label}</span></div>`; }
  function canvasIn(holder, key, height) {
    let c = holder.querySelector(`canvas[data-key="${key}"]`);
    if (!c) { c = document.createElement("canvas"); c.dataset.key = key; c.height = height; holder.append(c); }
    return c;
  }
  async function refresh() {
    let s;
    try { s = await munseo.api("/api/stats"); } catch (e) { munseo.toast(e.message, true); return; }
    const byStatus = s.documents.by_status, queued = Object.values(s.queue.queued).reduce((a, b) => a + b, 0);
    document.getElementById("tiles").innerHTML = [
      tile(s.documents.total, "documents"), tile(byStatus.processed || 0, "processed"), tile(byStatus.failed || 0, "failed"),
      tile(s.pages.total, "pages"), tile(s.throughput.last_hour.pages_per_minute.toFixed(1), "pages/min, last hour"),
      tile(`${queued} + ${s.queue.running}`, "queue: waiting + running"), tile(munseo.pct(s.review.share), "review share"),
      tile(s.review.waiting, "waiting for review"),
      tile(s.drift.rolling_accuracy == null ? "—" : munseo.pct(s.drift.rolling_accuracy),
        s.drift.alarm ? `<em class="alarm">drift alarm</em>: fixed set ${munseo.pct(s.drift.fixed_set_accuracy)}` : `accuracy, last ${s.drift.reviewed} reviews`),
      tile(s.retrain ? (s.retrain.promoted ? "promoted" : s.retrain.status) : "—", s.retrain ? `last retrain: ${munseo.esc(s.retrain.reason)}` : "no retrain yet"),
    ].join("");
    const minutes = s.throughput.per_minute;
    charts.bars(document.getElementById("throughput"), minutes.map((m) => m.minute),
      [{ name: "documents", values: minutes.map((m) => m.documents) }, { name: "pages", values: minutes.map((m) => m.pages) }]);
    const stages = Object.entries(s.stage_timings);
    charts.bars(document.getElementById("stages"), stages.map(([k]) => k), [{ name: "mean ms", values: stages.map(([, v]) => v.mean_ms) }]);
    const hist = document.getElementById("histograms");
    Object.entries(s.confidence_histograms).forEach(([task, h], i) => charts.bars(canvasIn(hist, task, 160),
      h.counts.map((_, j) => `${h.bins[j].toFixed(1)}`), [{ name: task, values: h.counts, color: charts.palette[i] }], { height: 160 }));
    const acc = document.getElementById("accuracy");
    const tasks = Object.entries(s.reviewed_accuracy);
    if (!tasks.length && !acc.querySelector("p")) acc.insertAdjacentHTML("beforeend", '<p class="muted">No reviewed documents yet.</p>');
    tasks.forEach(([task, a], i) => {
      const classes = Object.entries(a.per_class);
      charts.bars(canvasIn(acc, task, 190), [`all (${a.documents})`, ...classes.map(([l, v]) => `${l} (${v.documents})`)],
        [{ name: `${task}: ${munseo.pct(a.accuracy)}`, values: [a.accuracy, ...classes.map(([, v]) => v.accuracy)], color: charts.palette[i] }],
        { max: 1, rotate: true, height: 190 });
    });
    const conf = document.getElementById("confusions");
    tasks.forEach(([task, a]) => charts.heatmap(canvasIn(conf, task, 200), a.confusion.labels, a.confusion.labels, a.confusion.matrix,
      { rows: `reviewer (${task})`, cols: "model" }));
    document.getElementById("updated").textContent = `updated ${new Date().toLocaleTimeString()} · refreshes every 10 s`;
  }
  refresh();
  setInterval(refresh, 10000);
  window.addEventListener("resize", refresh);
})();
