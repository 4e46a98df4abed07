/* Shared helpers: the JSON API (same-origin, session cookie), formatting, a toast. */
"use strict";
const munseo = {
  role: document.body.dataset.role,
  async api(path, options = {}) {
    const init = { credentials: "same-origin", ...options, headers: { ...(options.headers || {}) } };
    if (options.json !== undefined) {
      init.body = JSON.stringify(options.json);
      init.headers["Content-Type"] = "application/json";
      init.method = init.method || "POST";
    }
    const response = await fetch(path, init);
    const body = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
    if (!response.ok) {
      const message = body?.error?.message || `${response.status} ${response.statusText}`;
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    return body;
  },
  toast(message, bad = false) {
    const el = document.getElementById("toast");
    el.textContent = message;
    el.className = "show" + (bad ? " bad" : "");
    clearTimeout(munseo._toast);
    munseo._toast = setTimeout(() => (el.className = ""), bad ? 5000 : 2500);
  },
  esc(text) {
    return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  },
  pct(value) { return value == null ? "—" : `${(value * 100).toFixed(0)}%`; },
  when(iso) { return iso ? new Date(iso.endsWith("Z") || iso.includes("+") ? iso : iso + "Z").toLocaleString() : "—"; },
  confColor(c) { return `hsl(${Math.round(120 * Math.max(0, Math.min(1, (c - 0.5) / 0.5)))}, 75%, 42%)`; },
  confBar(c) { return `<span class="conf" title="${munseo.pct(c)}"><i style="width:${(c || 0) * 100}%;background:${munseo.confColor(c || 0)}"></i></span> ${munseo.pct(c)}`; },
  size(bytes) { return bytes > 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`; },
};
