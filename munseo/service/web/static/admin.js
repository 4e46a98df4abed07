/* Admin: make and revoke API tokens, read the audit log. */
"use strict";
(() => {
  const list = document.getElementById("token-list");
  async function tokens() {
    let rows;
    try { rows = await munseo.api("/api/tokens"); } catch (e) { munseo.toast(e.message, true); return; }
    list.innerHTML = `<table class="grid small"><thead><tr><th>#</th><th>name</th><th>role</th><th>starts with</th><th>created</th>
      <th>last used</th><th>expires</th><th>state</th><th></th></tr></thead><tbody>
      ${rows.map((t) => {
        const expired = t.expires_at && new Date(t.expires_at) < new Date();
        const state = t.revoked ? `revoked ${munseo.when(t.revoked_at)} by ${munseo.esc(t.revoked_by)}` : expired ? "expired" : "live";
        return `<tr data-id="${t.id}"><td>${t.id}</td><td>${munseo.esc(t.name)}</td><td>${t.role}</td><td><code>${munseo.esc(t.prefix)}…</code></td>
          <td>${munseo.when(t.created_at)}</td><td>${munseo.when(t.last_used_at)}</td><td>${t.expires_at ? munseo.when(t.expires_at) : "never"}</td>
          <td class="state">${state}</td><td>${t.revoked ? "" : '<button class="revoke">Revoke</button>'}</td></tr>`;
      }).join("")}</tbody></table>`;
    list.querySelectorAll("button.revoke").forEach((button) => button.addEventListener("click", async () => {
      const id = button.closest("tr").dataset.id;
      try { await munseo.api(`/api/tokens/${id}/revoke`, { method: "POST" }); munseo.toast(`token ${id} revoked`); tokens(); audit(); }
      catch (e) { munseo.toast(e.message, true); }
    }));
  }
  document.getElementById("new-token").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const days = form.get("expires_days");
    const body = { name: form.get("name"), role: form.get("role"), expires_days: days ? Number(days) : null };
    try {
      const made = await munseo.api("/api/tokens", { json: body });
      const shown = document.getElementById("new-token-value");
      shown.hidden = false;
      shown.innerHTML = `New token (shown once; copy it now): <code id="fresh-token">${munseo.esc(made.token)}</code>`;
      event.target.reset();
      tokens(); audit();
    } catch (e) { munseo.toast(e.message, true); }
  });
  const action = document.getElementById("audit-action");
  async function audit() {
    const query = action.value ? `?action=${encodeURIComponent(action.value)}` : "";
    let page;
    try { page = await munseo.api(`/api/audit${query}`); } catch (e) { munseo.toast(e.message, true); return; }
    document.getElementById("audit-list").innerHTML = page.items.length
      ? `<p class="muted small">${page.total} events; the newest ${page.items.length}</p><table class="grid small"><thead><tr><th>when</th><th>who</th><th>role</th><th>did</th><th>to</th><th>detail</th></tr></thead><tbody>
        ${page.items.map((e) => `<tr><td>${munseo.when(e.at)}</td><td>${munseo.esc(e.actor)}</td><td>${e.role}</td><td>${munseo.esc(e.action)}</td>
          <td>${munseo.esc(e.target)}</td><td><code>${munseo.esc(JSON.stringify(e.detail))}</code></td></tr>`).join("")}</tbody></table>`
      : '<p class="muted">Nothing recorded yet.</p>';
  }
  action.addEventListener("change", audit);
  tokens();
  audit();
})();
