/* Upload: drag and drop, one request per file with upload progress, then the job's progress. */
"use strict";
(() => {
  const drop = document.getElementById("drop");
  const input = document.getElementById("files");
  const body = document.querySelector("#uploads tbody");
  const queue = [];
  let active = 0;
  const STAGES = { "queued/ocr": ["queued", 35], "running/ocr": ["reading (OCR)", 60], "queued/classify": ["waiting to classify", 80],
    "running/classify": ["classifying", 90] };

  function row(file) {
    const tr = document.createElement("tr");
    tr.innerHTML = `<td>${munseo.esc(file.name)}</td><td>${munseo.size(file.size)}</td>
      <td><div class="bar"><i style="width:0%"></i></div></td><td><span class="badge uploading">waiting</span></td><td class="link-cell"></td>`;
    tr.dataset.file = file.name;
    body.prepend(tr);
    return { bar: tr.querySelector(".bar i"), status: tr.querySelector(".badge"), link: tr.querySelector(".link-cell"), tr };
  }
  function set(ui, text, cls, progress) {
    ui.status.textContent = text; ui.status.className = `badge ${cls}`;
    if (progress != null) ui.bar.style.width = `${progress}%`;
    ui.tr.dataset.state = cls;
  }
  function send(file, ui) {
    active++;
    const xhr = new XMLHttpRequest();
    const form = new FormData();
    form.append("files", file);
    xhr.open("POST", "/api/documents");
    xhr.upload.onprogress = (e) => e.lengthComputable && set(ui, "uploading", "uploading", (e.loaded / e.total) * 30);
    xhr.onload = () => {
      active--; next();
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      if (xhr.status >= 400) return set(ui, data?.error?.message || `failed (${xhr.status})`, "failed", 100);
      const item = data.documents[0];
      ui.link.innerHTML = item.document_id ? `<a href="/documents/${item.document_id}">open</a>` : "";
      if (item.status === "duplicate") return set(ui, "already stored", "done", 100);
      if (item.status === "failed") return set(ui, item.error, "failed", 100);
      follow(item.job_url, ui);
    };
    xhr.onerror = () => { active--; next(); set(ui, "network error", "failed", 100); };
    xhr.send(form);
  }
  async function follow(url, ui) {
    for (;;) {
      let job;
      try { job = await munseo.api(url); } catch (e) { set(ui, e.message, "failed", 100); return; }
      if (job.status === "done") return set(ui, "done", "done", 100);
      if (job.status === "failed") return set(ui, job.error || "failed", "failed", 100);
      const [text, progress] = STAGES[`${job.status}/${job.stage}`] || [job.status, 50];
      set(ui, text, job.status === "running" ? "running" : "queued", progress);
      await new Promise((r) => setTimeout(r, 700));
    }
  }
  function next() { while (active < 3 && queue.length) { const [f, ui] = queue.shift(); send(f, ui); } }
  function add(files) { for (const f of files) queue.push([f, row(f)]); next(); }

  input.addEventListener("change", () => { add(input.files); input.value = ""; });
  ["dragenter", "dragover"].forEach((t) => drop.addEventListener(t, (e) => { e.preventDefault(); drop.classList.add("over"); }));
  ["dragleave", "drop"].forEach((t) => drop.addEventListener(t, (e) => { e.preventDefault(); drop.classList.remove("over"); }));
  drop.addEventListener("drop", (e) => add(e.dataTransfer.files));
  drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") input.click(); });
})();
