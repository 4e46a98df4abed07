/* Small canvas charts (no library is fetched): bars, grouped lines, horizontal bars, heatmaps.
   Each sets data-points on its canvas so a test or a person can see it drew something. */
"use strict";
const charts = (() => {
  const palette = ["#2451b7", "#e07b39", "#1f8a4c", "#b03a8c", "#5b6bbf", "#c53030", "#2c9aa8", "#8a6d1f"];
  function setup(canvas, height) {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || canvas.parentElement.clientWidth || 600;
    canvas.width = width * ratio;
    canvas.height = (height || canvas.height) * ratio;
    canvas.style.height = `${height || canvas.height / ratio}px`;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.font = '12px "NanumGothic", sans-serif';
    return { ctx, width, height: height || canvas.height / ratio };
  }
  function axes(ctx, x0, y0, x1, y1, max) {
    const ticks = [5, 4, 2].find((t) => Number.isInteger(Math.round((max / t) * 1000) / 100)) || 4;
    ctx.strokeStyle = "#dde1ea"; ctx.fillStyle = "#6b7385"; ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (let i = 0; i <= ticks; i++) {
      const y = y1 - ((y1 - y0) * i) / ticks;
      ctx.beginPath(); ctx.moveTo(x0, y); ctx.lineTo(x1, y); ctx.stroke();
      const v = (max * i) / ticks;
      ctx.fillText(v >= 10 ? v.toFixed(0) : v.toFixed(max < 1 ? 2 : 1), x0 - 6, y);
    }
  }
  function bars(canvas, labels, series, opts = {}) {
    const { ctx, width, height } = setup(canvas, opts.height || 220);
    const left = 48, right = width - 10, top = 24, bottom = height - (opts.rotate ? 60 : 28);
    const max = Math.max(opts.max || 0, ...series.flatMap((s) => s.values), 1e-9);
    axes(ctx, left, top, right, bottom, opts.max || niceMax(max));
    const scaleMax = opts.max || niceMax(max);
    const group = (right - left) / Math.max(labels.length, 1);
    const barW = Math.max(2, (group * 0.75) / series.length);
    series.forEach((s, si) => {
      ctx.fillStyle = s.color || palette[si % palette.length];
      s.values.forEach((v, i) => {
        const h = ((bottom - top) * v) / scaleMax;
        ctx.fillRect(left + i * group + group * 0.125 + si * barW, bottom - h, barW - 1, h);
      });
    });
    ctx.fillStyle = "#3b4357"; ctx.textAlign = "center"; ctx.textBaseline = "top";
    const every = Math.ceil(labels.length / Math.max(1, Math.floor((right - left) / 48)));
    labels.forEach((label, i) => {
      if (i % every) return;
      const x = left + i * group + group / 2;
      if (opts.rotate) {
        ctx.save(); ctx.translate(x, bottom + 4); ctx.rotate(-Math.PI / 5); ctx.textAlign = "right"; ctx.fillText(label, 0, 0); ctx.restore();
      } else ctx.fillText(label, x, bottom + 6);
    });
    legend(ctx, series, left);
    canvas.dataset.points = String(series.reduce((n, s) => n + s.values.filter((v) => v > 0).length, 0));
  }
  function legend(ctx, series, left) {
    if (series.length < 2 && !series[0]?.name) return;
    let x = left; ctx.textAlign = "left"; ctx.textBaseline = "middle";
    series.forEach((s, i) => {
      ctx.fillStyle = s.color || palette[i % palette.length]; ctx.fillRect(x, 6, 10, 10);
      ctx.fillStyle = "#3b4357"; ctx.fillText(s.name || "", x + 14, 11); x += ctx.measureText(s.name || "").width + 34;
    });
  }
  function niceMax(v) {
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    return [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m >= v) || v;
  }
  function heatmap(canvas, rowLabels, colLabels, matrix, opts = {}) {
    const cell = Math.max(22, Math.min(46, Math.floor(((canvas.parentElement.clientWidth || 600) - 170) / Math.max(colLabels.length, 1))));
    const left = 120, top = 90;
    const { ctx } = setup(canvas, top + cell * rowLabels.length + 24);
    const max = Math.max(1, ...matrix.flat());
    matrix.forEach((row, r) => row.forEach((v, c) => {
      const diagonal = rowLabels[r] === colLabels[c];
      const a = v / max;
      ctx.fillStyle = v === 0 ? "#f4f6fa" : diagonal ? `rgba(31,138,76,${0.15 + 0.85 * a})` : `rgba(197,48,48,${0.15 + 0.85 * a})`;
      ctx.fillRect(left + c * cell, top + r * cell, cell - 2, cell - 2);
      if (v) { ctx.fillStyle = a > 0.55 ? "#fff" : "#1d2330"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
        ctx.fillText(String(v), left + c * cell + cell / 2 - 1, top + r * cell + cell / 2 - 1); }
    }));
    ctx.fillStyle = "#3b4357"; ctx.textAlign = "right"; ctx.textBaseline = "middle";
    rowLabels.forEach((l, r) => ctx.fillText(l, left - 6, top + r * cell + cell / 2));
    colLabels.forEach((l, c) => { ctx.save(); ctx.translate(left + c * cell + cell / 2, top - 6); ctx.rotate(-Math.PI / 3);
      ctx.textAlign = "left"; ctx.fillText(l, 0, 0); ctx.restore(); });
    ctx.textAlign = "left"; ctx.fillStyle = "#6b7385";
    ctx.fillText(`rows: ${opts.rows || "true"} · columns: ${opts.cols || "predicted"}`, 4, 10);
    canvas.dataset.points = String(matrix.flat().filter((v) => v > 0).length);
  }
  return { bars, heatmap, palette };
})();
