/*
 * Small SVG charts for the reports page, drawn here rather than taken from a CDN: a time series
 * of rates (lines), and bars (vertical by day, horizontal by name, optionally stacked).
 * Everything is built with DOM calls (no innerHTML, no inline style attributes), so the page
 * works under a strict Content-Security-Policy. Each chart gets a <title>, a description and a
 * data table fallback for screen readers.
 */
(function () {
  "use strict";

  const { svg, el } = window.SupportConsole;
  const COLORS = ["#3340c4", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f"];
  const WIDTH = 640;

  function frame(testid, kind, title, height) {
    const root = svg("svg", {
      viewBox: `0 0 ${WIDTH} ${height}`,
      role: "img",
      class: "chart",
      "data-testid": "report-chart",
      "data-chart": kind,
      preserveAspectRatio: "xMidYMid meet",
    });
    root.append(svg("title", { text: title }));
    return root;
  }

  function ticks(max, count) {
    const step = max / count;
    return Array.from({ length: count + 1 }, (_, i) => i * step);
  }

  function niceMax(value) {
    if (value <= 0) return 1;
    const power = 10 ** Math.floor(Math.log10(value));
    for (const factor of [1, 2, 2.5, 5, 10]) if (factor * power >= value) return factor * power;
    return 10 * power;
  }

  function shortDay(day) {
    return String(day).slice(5); // MM-DD
  }

  function legend(series) {
    return el(
      "ul",
      { class: "legend" },
      series.map((s, i) => el("li", { class: "legend-item", "data-color": String(i) }, el("span", { class: `swatch swatch-${i}` }), s.name))
    );
  }

  function table(caption, columns, rows) {
    return el(
      "table",
      { class: "visually-hidden" },
      el("caption", { text: caption }),
      el("thead", {}, el("tr", {}, columns.map((c) => el("th", { scope: "col", text: c })))),
      el("tbody", {}, rows.map((r) => el("tr", {}, r.map((v) => el("td", { text: v === null || v === undefined ? "–" : String(v) })))))
    );
  }

  /** Rates over days: ``series`` = [{name, values: [0..1 or null per label]}]. */
  function lineChart(container, { title, labels, series, percent }) {
    const height = 260;
    const pad = { left: 44, right: 12, top: 14, bottom: 34 };
    const root = frame("report-chart", "rates", title, height);
    const innerW = WIDTH - pad.left - pad.right;
    const innerH = height - pad.top - pad.bottom;
    const max = percent ? 1 : niceMax(Math.max(0, ...series.flatMap((s) => s.values.filter((v) => v !== null))));
    const x = (i) => pad.left + (labels.length <= 1 ? innerW / 2 : (i * innerW) / (labels.length - 1));
    const y = (v) => pad.top + innerH - (v / max) * innerH;
    for (const t of ticks(max, 4)) {
      root.append(svg("line", { x1: pad.left, x2: WIDTH - pad.right, y1: y(t), y2: y(t), class: "gridline" }));
      root.append(svg("text", { x: pad.left - 6, y: y(t) + 4, class: "axis", "text-anchor": "end", text: percent ? `${Math.round(t * 100)}%` : String(Math.round(t)) }));
    }
    const every = Math.max(1, Math.ceil(labels.length / 8));
    labels.forEach((label, i) => {
      if (i % every === 0 || i === labels.length - 1) {
        root.append(svg("text", { x: x(i), y: height - 12, class: "axis", "text-anchor": "middle", text: shortDay(label) }));
      }
    });
    series.forEach((s, index) => {
      // A gap (null: no data that day) breaks the line instead of drawing it down to zero.
      let path = "";
      let pen = false;
      s.values.forEach((v, i) => {
        if (v === null || v === undefined) {
          pen = false;
          return;
        }
        path += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)} `;
        pen = true;
      });
      if (path) root.append(svg("path", { d: path.trim(), class: `series series-${index}`, fill: "none", stroke: COLORS[index % COLORS.length], "stroke-width": 2.5 }));
      s.values.forEach((v, i) => {
        if (v === null || v === undefined) return;
        root.append(
          svg(
            "circle",
            { cx: x(i), cy: y(v), r: 3, fill: COLORS[index % COLORS.length], class: "point" },
            svg("title", { text: `${s.name}, ${labels[i]}: ${percent ? Math.round(v * 1000) / 10 + "%" : v}` })
          )
        );
      });
    });
    container.replaceChildren(
      root,
      legend(series),
      table(title, ["Day", ...series.map((s) => s.name)], labels.map((label, i) => [label, ...series.map((s) => (s.values[i] === null ? null : percent ? `${Math.round(s.values[i] * 1000) / 10}%` : s.values[i]))]))
    );
  }

  /** Vertical bars, one per label (e.g. conversations per day). */
  function columnChart(container, { title, kind, labels, values }) {
    const height = 220;
    const pad = { left: 44, right: 12, top: 14, bottom: 34 };
    const root = frame("report-chart", kind, title, height);
    const innerW = WIDTH - pad.left - pad.right;
    const innerH = height - pad.top - pad.bottom;
    const max = niceMax(Math.max(0, ...values));
    const slot = innerW / Math.max(1, labels.length);
    const y = (v) => pad.top + innerH - (v / max) * innerH;
    for (const t of ticks(max, 4)) {
      root.append(svg("line", { x1: pad.left, x2: WIDTH - pad.right, y1: y(t), y2: y(t), class: "gridline" }));
      root.append(svg("text", { x: pad.left - 6, y: y(t) + 4, class: "axis", "text-anchor": "end", text: String(Math.round(t * 10) / 10) }));
    }
    const every = Math.max(1, Math.ceil(labels.length / 8));
    labels.forEach((label, i) => {
      const h = (values[i] / max) * innerH;
      root.append(
        svg(
          "rect",
          { x: pad.left + i * slot + slot * 0.15, y: pad.top + innerH - h, width: Math.max(1, slot * 0.7), height: h, fill: COLORS[0], class: "bar", "data-value": values[i] },
          svg("title", { text: `${label}: ${values[i]}` })
        )
      );
      if (i % every === 0 || i === labels.length - 1) {
        root.append(svg("text", { x: pad.left + i * slot + slot / 2, y: height - 12, class: "axis", "text-anchor": "middle", text: shortDay(label) }));
      }
    });
    container.replaceChildren(root, table(title, ["Day", "Count"], labels.map((l, i) => [l, values[i]])));
  }

  /** Horizontal bars by name; ``stacks`` = [{name, values}] drawn end to end per row. */
  function barChart(container, { title, kind, labels, stacks }) {
    const row = 26;
    const pad = { left: 230, right: 48, top: 8, bottom: 8 };
    const height = Math.max(60, pad.top + pad.bottom + row * labels.length);
    const root = frame("report-chart", kind, title, height);
    const innerW = WIDTH - pad.left - pad.right;
    const totals = labels.map((_, i) => stacks.reduce((sum, s) => sum + (s.values[i] || 0), 0));
    const max = niceMax(Math.max(0, ...totals));
    labels.forEach((label, i) => {
      const top = pad.top + i * row;
      const name = label.length > 36 ? `${label.slice(0, 35)}…` : label;
      root.append(svg("text", { x: pad.left - 8, y: top + row / 2 + 4, class: "axis label", "text-anchor": "end" }, svg("title", { text: label }), document.createTextNode(name)));
      let start = pad.left;
      stacks.forEach((s, index) => {
        const w = ((s.values[i] || 0) / max) * innerW;
        if (w > 0) {
          root.append(
            svg(
              "rect",
              { x: start, y: top + 4, width: w, height: row - 8, fill: COLORS[index % COLORS.length], class: "bar", "data-value": s.values[i] },
              svg("title", { text: `${label} — ${s.name}: ${s.values[i]}` })
            )
          );
        }
        start += w;
      });
      root.append(svg("text", { x: start + 6, y: top + row / 2 + 4, class: "axis", text: String(totals[i]) }));
    });
    if (!labels.length) root.append(svg("text", { x: WIDTH / 2, y: 34, class: "axis", "text-anchor": "middle", text: "Nothing in this range." }));
    container.replaceChildren(
      root,
      stacks.length > 1 ? legend(stacks) : null,
      table(title, ["Name", ...stacks.map((s) => s.name)], labels.map((l, i) => [l, ...stacks.map((s) => s.values[i])]))
    );
  }

  window.SupportCharts = { lineChart, columnChart, barChart, COLORS };
})();
