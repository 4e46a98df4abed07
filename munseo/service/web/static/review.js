/* Review queue, keyboard first: 1–9 pick a label for the focused task, Tab moves between tasks,
   Enter accepts (or saves the corrections) and loads the next document, J/K move through the
   queue, U undoes the last decision, N types a label the task does not have yet (it is proposed,
   and an admin confirms it before a retrain learns it). */
"use strict";
(() => {
  let queue = [], total = 0, at = 0, focus = 0, choice = {}, decisions = [];
  const started = Date.now();
  const tasksEl = document.getElementById("tasks");

  function options(label) { return Object.entries(label.probabilities || {}).sort((a, b) => b[1] - a[1]); }
  function isNew(task, value) { const doc = current(); return Boolean(doc) && !Object.hasOwn(doc.labels[task].probabilities || {}, value); }
  function current() { return queue[at]; }
  function render() {
    const doc = current();
    document.getElementById("empty").classList.toggle("hidden", Boolean(doc));
    document.getElementById("review").classList.toggle("hidden", !doc);
    const done = decisions.length;
    document.getElementById("remaining").textContent = `${Math.max(0, total)} remaining`;
    const minutes = (Date.now() - started) / 60000;
    document.getElementById("pace").textContent = done ? `${done} decided · ${(done / minutes).toFixed(1)}/min · ${(minutes * 60 / done).toFixed(1)} s each` : "";
    if (!doc) return;
    document.getElementById("review-image").src = `/api/documents/${doc.id}/pages/1/image`;
    document.getElementById("review-title").innerHTML = `<a href="/documents/${doc.id}">${munseo.esc(doc.filename)}</a> <span class="muted small">#${doc.id} · ${at + 1} of ${queue.length} loaded</span>`;
    const tasks = Object.entries(doc.labels);
    tasksEl.innerHTML = tasks.map(([task, label], ti) => `<div class="task ${ti === focus ? "focused" : ""}" data-task="${munseo.esc(task)}">
      <h3>${munseo.esc(task)} <span class="muted small">model: ${munseo.esc(label.label)} ${munseo.pct(label.confidence)}</span></h3>
      ${options(label).slice(0, 9).map(([l, p], i) => `<div class="prob ${l === choice[task] ? "chosen" : ""} ${i < 3 ? "top" : ""}" data-label="${munseo.esc(l)}">
        <kbd>${i + 1}</kbd><span>${munseo.esc(l)}</span><span class="fill"><i style="width:${p * 100}%"></i></span><span>${(p * 100).toFixed(1)}%</span></div>`).join("")}
      ${isNew(task, choice[task]) ? `<div class="prob chosen new" data-label="${munseo.esc(choice[task])}"><kbd>+</kbd><span>${munseo.esc(choice[task])}</span><span class="muted small">new label: proposed to an admin</span></div>` : ""}
      <input class="new-label" data-task="${munseo.esc(task)}" placeholder="new label… (N)" aria-label="a new label for ${munseo.esc(task)}">
    </div>`).join("");
    const changed = tasks.filter(([t, l]) => choice[t] !== l.label).map(([t]) => t);
    document.getElementById("review-note").textContent = changed.length ? `Enter saves a correction of ${changed.join(", ")}.` : "Enter accepts the model's labels.";
  }
  function reset() {
    const doc = current();
    focus = 0;
    choice = doc ? Object.fromEntries(Object.entries(doc.labels).map(([t, l]) => [t, l.label])) : {};
    render();
    if (doc && doc.near_duplicate_of) suggest(doc);
  }
  async function suggest(doc) {
    /* A rescan of a reviewed document: that review's labels are the suggestion, chosen already. */
    let detail;
    try { detail = await munseo.api(`/api/documents/${doc.id}`); } catch (e) { return; }
    const labels = detail.suggested_labels || {};
    if (current() !== doc || !Object.keys(labels).length) return;
    for (const [task, label] of Object.entries(labels)) if (task in choice) choice[task] = label;
    render();
    document.getElementById("review-note").textContent += ` Rescan of #${doc.near_duplicate_of} (${munseo.pct(doc.near_duplicate_similarity)} alike): its reviewed labels are chosen.`;
  }
  async function load() {
    const order = document.getElementById("order").value;
    const data = await munseo.api(`/api/review/queue?page_size=200&order=${encodeURIComponent(order)}`);
    queue = data.items; total = data.total; at = Math.min(at, Math.max(0, queue.length - 1));
    reset();
  }
  async function decide() {
    const doc = current();
    if (!doc) return;
    const corrected = Object.fromEntries(Object.entries(choice).filter(([t, l]) => doc.labels[t].label !== l));
    const body = Object.keys(corrected).length ? { action: "correct", labels: corrected } : { action: "accept", labels: {} };
    if (Object.entries(corrected).some(([t, l]) => isNew(t, l))) body.new_labels = true;
    try {
      await munseo.api(`/api/documents/${doc.id}/review`, { json: body });
    } catch (e) { munseo.toast(e.message, true); return; }
    decisions.push(doc.id);
    munseo.toast(body.action === "accept" ? `Accepted #${doc.id}` : `Corrected #${doc.id}: ${Object.entries(corrected).map(([t, l]) => `${t} → ${l}`).join(", ")}`);
    queue.splice(at, 1); total--;
    if (at >= queue.length) at = Math.max(0, queue.length - 1);
    if (!queue.length) await load(); else reset();
  }
  async function undo() {
    const id = decisions.pop();
    if (id == null) { munseo.toast("Nothing to undo"); return; }
    try { await munseo.api(`/api/documents/${id}/review/undo`, { method: "POST" }); } catch (e) { munseo.toast(e.message, true); decisions.push(id); return; }
    munseo.toast(`Undid the decision on #${id}`);
    const order = document.getElementById("order").value;
    const data = await munseo.api(`/api/review/queue?page_size=200&order=${encodeURIComponent(order)}`);
    queue = data.items; total = data.total; at = Math.max(0, queue.findIndex((d) => d.id === id));
    reset();
  }
  document.addEventListener("keydown", (e) => {
    if (e.target.matches("input, textarea, select") || e.ctrlKey || e.metaKey || e.altKey) return;
    const doc = current();
    const tasks = doc ? Object.keys(doc.labels) : [];
    if (e.key === "Tab" && tasks.length) { e.preventDefault(); focus = (focus + (e.shiftKey ? tasks.length - 1 : 1)) % tasks.length; render(); }
    else if (/^[1-9]$/.test(e.key) && tasks.length) {
      const task = tasks[focus], option = options(doc.labels[task])[Number(e.key) - 1];
      if (option) { choice[task] = option[0]; render(); }
    } else if (e.key === "Enter") { e.preventDefault(); decide(); }
    else if (e.key === "j" || e.key === "J") { if (at < queue.length - 1) { at++; reset(); } }
    else if (e.key === "k" || e.key === "K") { if (at > 0) { at--; reset(); } }
    else if (e.key === "u" || e.key === "U") undo();
    else if ((e.key === "n" || e.key === "N") && tasks.length) { e.preventDefault(); tasksEl.querySelectorAll("input.new-label")[focus].focus(); }
  });
  tasksEl.addEventListener("keydown", (e) => {
    /* In a new-label box: Enter chooses what was typed, Escape leaves it; the keys go back to the queue. */
    if (!e.target.matches("input.new-label")) return;
    if (e.key === "Enter") {
      e.preventDefault();
      const value = e.target.value.trim();
      if (value) { choice[e.target.dataset.task] = value; }
      e.target.blur(); render();
    } else if (e.key === "Escape") { e.target.blur(); }
  });
  tasksEl.addEventListener("click", (e) => {
    const row = e.target.closest(".prob"), task = e.target.closest(".task");
    if (row && task) { choice[task.dataset.task] = row.dataset.label; focus = [...tasksEl.children].indexOf(task); render(); }
  });
  const order = document.getElementById("order");
  order.value = localStorage.getItem("munseo.reviewOrder") || "confidence";
  order.addEventListener("change", () => {
    localStorage.setItem("munseo.reviewOrder", order.value);
    order.blur();  // the keys go back to the queue
    at = 0;
    load().catch((e) => munseo.toast(e.message, true));
  });
  load().catch((e) => munseo.toast(e.message, true));
})();
