// Draws the Bottlenecks page's evidence charts from the JSON block the server embedded.
"use strict";

function evidenceFigure(service, item, windowStart) {
  const x = item.values.map((point) => new Date(point[0] * 1000));
  const y = item.values.map((point) => point[1]);
  const marks = [{ type: "line", x0: new Date(windowStart * 1000), x1: new Date(windowStart * 1000),
    y0: 0, y1: 1, yref: "paper", line: { dash: "dot", color: "#98a2b3" } }];
  if (item.since) {
    marks.push({ type: "line", x0: new Date(item.since * 1000), x1: new Date(item.since * 1000),
      y0: 0, y1: 1, yref: "paper", line: { color: "#f04438" } });
  }
  return {
    data: [{ x: x, y: y, mode: "lines", name: item.signal, line: { color: "#3e63dd" } }],
    layout: {
      title: { text: service + ": " + item.signal, font: { size: 13 } },
      margin: { l: 50, r: 10, t: 36, b: 30 }, height: 260, shapes: marks, showlegend: false,
      autosize: true,
    },
  };
}

document.addEventListener("DOMContentLoaded", () => {
  const data = document.getElementById("evidence-data");
  const target = document.getElementById("evidence-charts");
  if (!data || !target || typeof Plotly === "undefined") {
    return;
  }
  // Lay every card out first, then plot: a chart drawn before its neighbours exist
  // would keep the width of a one-column grid.
  const pending = [];
  for (const chart of JSON.parse(data.textContent)) {
    for (const item of chart.evidence) {
      const figure = document.createElement("figure");
      figure.className = "chart";
      const body = document.createElement("div");
      body.className = "chart-body";
      figure.appendChild(body);
      target.appendChild(figure);
      pending.push([body, evidenceFigure(chart.service, item, chart.window_start)]);
    }
  }
  for (const [body, built] of pending) {
    Plotly.newPlot(body, built.data, built.layout, { responsive: true, displaylogo: false });
  }
});
