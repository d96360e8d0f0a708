// The console's browser side: the time-range picker (kept in the URL), charts and
// dashboard panels drawn from their own REST endpoints, auto-refresh, Explore.
"use strict";

const RANGE_PARAMS = ["from", "to", "refresh"];
const DEFAULT_FROM = "now-1h";
const DURATION_UNITS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

// ---- time range -----------------------------------------------------------------

function currentRange() {
  const params = new URLSearchParams(window.location.search);
  return {
    from: params.get("from") || DEFAULT_FROM,
    to: params.get("to") || "now",
    refresh: params.get("refresh") || "",
  };
}

function parseDuration(text) {
  const parts = String(text).match(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g);
  if (!parts || parts.join("") !== text) return null;
  return parts.reduce((total, part) => {
    const [, number, unit] = part.match(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/);
    return total + Number(number) * DURATION_UNITS[unit];
  }, 0);
}

// Seconds since the epoch for "now", "now-1h", RFC 3339 or Unix seconds.
function resolveTime(text, now) {
  if (text === "now") return now;
  const relative = String(text).match(/^now-(.+)$/);
  if (relative) {
    const seconds = parseDuration(relative[1]);
    return seconds === null ? now : now - seconds;
  }
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const parsed = Date.parse(text);
  return Number.isNaN(parsed) ? now : parsed / 1000;
}

function withRange(url) {
  const target = new URL(url, window.location.origin);
  const range = currentRange();
  target.searchParams.set("from", range.from);
  target.searchParams.set("to", range.to);
  return target.pathname + target.search;
}

function setRange(changes) {
  const url = new URL(window.location.href);
  Object.entries(changes).forEach(([name, value]) => {
    if (value) url.searchParams.set(name, value);
    else url.searchParams.delete(name);
  });
  window.history.replaceState(null, "", url);
  carryRangeInLinks();
  refreshAll();
  scheduleRefresh();
}

function toLocalInput(epochSeconds) {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 19);
}

function setupPicker() {
  const form = document.querySelector("[data-timepicker]");
  if (!form) return;
  const range = currentRange();
  const preset = form.querySelector("[data-range-preset]");
  const absolute = form.querySelector("[data-absolute]");
  const refresh = form.querySelector("[data-refresh]");
  if (range.to === "now" && /^now-\S+$/.test(range.from) && ![...preset.options].some((o) => o.value === range.from)) {
    // A relative range from a shared link that no preset names: offer it as it is.
    preset.insertBefore(new Option("Last " + range.from.slice(4), range.from), preset.lastElementChild);
  }
  const isPreset = range.to === "now" && [...preset.options].some((o) => o.value === range.from);
  preset.value = isPreset ? range.from : "custom";
  absolute.hidden = isPreset;
  const now = Date.now() / 1000;
  form.elements["from-abs"].value = toLocalInput(resolveTime(range.from, now));
  form.elements["to-abs"].value = toLocalInput(resolveTime(range.to, now));
  refresh.value = range.refresh;
  preset.addEventListener("change", () => {
    absolute.hidden = preset.value !== "custom";
    if (preset.value !== "custom") setRange({ from: preset.value, to: "now" });
  });
  refresh.addEventListener("change", () => setRange({ refresh: refresh.value }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const from = form.elements["from-abs"].value;
    const to = form.elements["to-abs"].value;
    if (from && to) setRange({ from: from + "Z", to: to + "Z" });
  });
}

// Navigation links keep the picked time range, so it survives moving between pages.
function carryRangeInLinks() {
  const range = currentRange();
  document.querySelectorAll(".topbar nav a, a[data-keep-range]").forEach((link) => {
    const url = new URL(link.href, window.location.origin);
    RANGE_PARAMS.forEach((name) => {
      if (range[name] && !(name === "from" && range[name] === DEFAULT_FROM) && !(name === "to" && range[name] === "now")) {
        url.searchParams.set(name, range[name]);
      } else {
        url.searchParams.delete(name);
      }
    });
    link.href = url.pathname + url.search;
  });
}

let refreshTimer = null;

function scheduleRefresh() {
  if (refreshTimer) clearInterval(refreshTimer);
  refreshTimer = null;
  const seconds = parseDuration(currentRange().refresh);
  const hasCharts = document.querySelector("[data-figure-url], [data-panel-url], [data-spark-url], [data-explore]");
  const marker = document.querySelector("[data-refresh-seconds]");
  if (seconds && hasCharts) {
    refreshTimer = setInterval(refreshAll, seconds * 1000);
  } else if (seconds || marker) {
    // A server-rendered page: reloading it (with its URL) refreshes everything on it.
    const every = seconds || Number(marker.dataset.refreshSeconds);
    refreshTimer = setInterval(() => window.location.reload(), every * 1000);
  }
}

// ---- figures and panels ------------------------------------------------------------

async function fetchJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  let payload = null;
  try {
    payload = await response.json();
  } catch (error) {
    throw new Error(response.status + " " + response.statusText);
  }
  if (payload.status !== "success") {
    const failure = new Error(payload.error || response.statusText);
    failure.status = response.status;
    throw failure;
  }
  return payload.data;
}

function showMessage(body, className, text) {
  body.textContent = "";
  const message = document.createElement("p");
  message.className = className;
  message.textContent = text;
  body.appendChild(message);
}

function startLoading(element, body, label) {
  element.dataset.state = "loading";
  element.setAttribute("aria-busy", "true");
  if (!body.querySelector(".js-plotly-plot") && !body.querySelector(".logs")) {
    showMessage(body, "loading", label || "Loading…");
  }
}

async function drawPlot(element, body, figure) {
  body.querySelectorAll(":scope > p").forEach((node) => node.remove());
  await Plotly.react(body, figure.data, figure.layout, { responsive: true, displaylogo: false, displayModeBar: false });
  element.dataset.state = figure.data.length ? "drawn" : "empty";
}

async function drawFigure(element) {
  const body = element.querySelector(".chart-body");
  startLoading(element, body);
  try {
    const figure = await fetchJSON(withRange(element.dataset.figureUrl));
    await drawPlot(element, body, figure);
  } catch (error) {
    element.dataset.state = "error";
    showMessage(body, "error", "Could not load chart: " + error.message);
  } finally {
    element.removeAttribute("aria-busy");
  }
}

async function drawPanel(element) {
  const body = element.querySelector(".chart-body");
  startLoading(element, body);
  try {
    const figure = await fetchJSON(withRange(element.dataset.panelUrl));
    if (figure.logs) {
      await drawLogs(element, body, figure.logs);
    } else {
      await drawPlot(element, body, figure);
    }
  } catch (error) {
    element.dataset.state = "error";
    const title = element.querySelector(".loading");
    showMessage(body, "error", "Panel error: " + error.message);
    if (title) element.dataset.title = title.textContent;
  } finally {
    element.removeAttribute("aria-busy");
  }
}

async function drawLogs(element, body, spec) {
  const now = Date.now() / 1000;
  const range = currentRange();
  const params = new URLSearchParams({
    query: spec.query,
    limit: String(spec.limit),
    start: String(resolveTime(range.from, now)),
    end: String(resolveTime(range.to, now)),
  });
  body.textContent = "";
  const heading = document.createElement("h3");
  heading.className = "panel-title";
  heading.textContent = spec.title;
  body.appendChild(heading);
  let data;
  try {
    data = await fetchJSON(spec.url + "?" + params);
  } catch (error) {
    element.dataset.state = "error";
    const text = error.status === 404 ? "Log search is not available on this server." : "Log query failed: " + error.message;
    const message = document.createElement("p");
    message.className = "error";
    message.textContent = text;
    body.appendChild(message);
    return;
  }
  // GET /api/v1/logs answers {lines: [{timestamp, service, level, message, ...}], next_cursor}.
  const lines = data.lines;
  const list = document.createElement("ol");
  list.className = "logs";
  lines.forEach((line) => {
    const item = document.createElement("li");
    item.className = "level-" + line.level;
    spec.columns.forEach((column) => {
      const cell = document.createElement("span");
      cell.className = "log-" + column;
      cell.textContent = line[column] || "";
      item.appendChild(cell);
    });
    list.appendChild(item);
  });
  const more = document.createElement("a");
  more.className = "muted small";
  more.href = spec.page + "?" + new URLSearchParams({ query: spec.query });
  more.textContent = "Search these logs";
  heading.appendChild(document.createTextNode(" "));
  heading.appendChild(more);
  if (!lines.length) {
    const empty = document.createElement("p");
    empty.className = "muted empty-state";
    empty.textContent = "No log lines in this time range.";
    body.appendChild(empty);
  }
  body.appendChild(list);
  element.dataset.state = lines.length ? "drawn" : "empty";
}

// ---- fleet sparklines: one request per metric, a small chart per service -------------

async function drawSparklines(group) {
  const cells = document.querySelectorAll(`[data-spark="${group.dataset.sparkGroup}"]`);
  try {
    const figures = await fetchJSON(withRange(group.dataset.sparkUrl));
    await Promise.all([...cells].map(async (cell) => {
      const figure = figures[cell.dataset.sparkKey];
      if (!figure) {
        cell.dataset.state = "empty";
        showMessage(cell, "muted small", "no data");
        return;
      }
      cell.textContent = "";
      await Plotly.react(cell, figure.data, figure.layout, { staticPlot: true, responsive: true });
      cell.dataset.state = "drawn";
      cell.title = figure.latest || "";
    }));
  } catch (error) {
    cells.forEach((cell) => {
      cell.dataset.state = "error";
      showMessage(cell, "error small", error.message);
    });
  }
}

function refreshAll() {
  document.querySelectorAll("[data-figure-url]").forEach(drawFigure);
  document.querySelectorAll("[data-panel-url]").forEach(drawPanel);
  document.querySelectorAll("[data-spark-url]").forEach(drawSparklines);
  const explore = document.querySelector("[data-explore]");
  if (explore && explore.elements.query.value.trim()) runExplore(explore);
}

// ---- dashboard variables: a change reloads the page, whose server resolves chained ones ----

function setupVariables() {
  const form = document.querySelector("[data-variables]");
  if (!form) return;
  form.addEventListener("change", (event) => {
    const url = new URL(window.location.href);
    const changed = event.target.dataset.variable;
    let after = false;
    form.querySelectorAll("select[data-variable]").forEach((select) => {
      const name = "var-" + select.dataset.variable;
      url.searchParams.delete(name);
      // Variables after the changed one depend on it: let the server pick their values again.
      if (!after) [...select.selectedOptions].forEach((option) => url.searchParams.append(name, option.value));
      if (select.dataset.variable === changed) after = true;
    });
    window.location.assign(url);
  });
}

// ---- Explore ----------------------------------------------------------------------------

let vocabulary = null;

function loadVocabulary() {
  // One request for all keystrokes: each keystroke fetching its own let a slow,
  // stale answer overwrite the suggestions for what was typed since.
  if (!vocabulary) {
    vocabulary = Promise.all([
      fetchJSON("/api/v1/label/__name__/values").catch(() => []),
      fetchJSON("/api/v1/labels").catch(() => []),
    ]).then(([metrics, labels]) => ({ metrics, labels: labels.filter((name) => name !== "__name__") }));
  }
  return vocabulary;
}

let suggestions = 0;

function wordAt(input) {
  const upto = input.value.slice(0, input.selectionStart);
  const match = upto.match(/[A-Za-z_:][A-Za-z0-9_:]*$/);
  return match ? { word: match[0], start: upto.length - match[0].length } : null;
}

function insideBraces(text) {
  return text.lastIndexOf("{") > text.lastIndexOf("}") || /\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*$/.test(text);
}

async function suggest(input, list) {
  const call = ++suggestions;
  if (!wordAt(input)) {
    list.hidden = true;
    return;
  }
  const words = await loadVocabulary();
  const found = wordAt(input); // what is typed now, not when this keystroke came
  if (call !== suggestions || !found) return;
  const pool = insideBraces(input.value.slice(0, found.start)) ? words.labels : words.metrics;
  const matches = pool.filter((name) => name.startsWith(found.word) && name !== found.word).slice(0, 12);
  list.textContent = "";
  matches.forEach((name, index) => {
    const item = document.createElement("li");
    item.textContent = name;
    item.setAttribute("role", "option");
    if (index === 0) item.classList.add("active");
    item.addEventListener("mousedown", (event) => {
      event.preventDefault();
      complete(input, list, name);
    });
    list.appendChild(item);
  });
  list.hidden = matches.length === 0;
}

function complete(input, list, name) {
  const found = wordAt(input);
  if (!found) return;
  const before = input.value.slice(0, found.start);
  const after = input.value.slice(input.selectionStart);
  input.value = before + name + after;
  const caret = (before + name).length;
  input.setSelectionRange(caret, caret);
  list.hidden = true;
}

function showQueryError(form, message) {
  const box = document.querySelector("[data-query-error]");
  const caret = box.querySelector("[data-error-caret]");
  box.querySelector("[data-error-message]").textContent = message;
  caret.textContent = "";
  // Prometheus's parse errors start with line:column ("1:14: parse error: ...").
  const position = message.match(/(?:^|: )(\d+):(\d+):/);
  if (position) {
    const query = form.elements.query.value.split("\n")[Number(position[1]) - 1] || "";
    const column = Math.max(Number(position[2]) - 1, 0);
    caret.textContent = query + "\n" + " ".repeat(column) + "^";
    box.dataset.column = String(column + 1);
  }
  box.hidden = false;
}

function showTable(container, result) {
  container.textContent = "";
  const rows = result.resultType === "vector" ? result.result : result.resultType === "scalar" ? [{ metric: {}, value: result.result }] : [];
  if (!rows.length) {
    showMessage(container, "muted empty-state", "No series at the end of the time range.");
    return;
  }
  const table = document.createElement("table");
  table.className = "fleet result-table";
  const head = table.createTHead().insertRow();
  ["Series", "Value"].forEach((text) => {
    const cell = document.createElement("th");
    cell.textContent = text;
    head.appendChild(cell);
  });
  const body = table.createTBody();
  rows.forEach((row) => {
    const line = body.insertRow();
    const labels = Object.entries(row.metric).filter(([name]) => name !== "__name__").map(([name, value]) => `${name}="${value}"`).join(", ");
    line.insertCell().textContent = (row.metric.__name__ || "") + "{" + labels + "}";
    line.insertCell().textContent = row.value[1];
  });
  container.appendChild(table);
}

async function runExplore(form) {
  const query = form.elements.query.value.trim();
  const box = document.querySelector("[data-query-error]");
  box.hidden = true;
  const url = new URL(window.location.href);
  url.searchParams.set("query", query);
  url.searchParams.set("unit", form.elements.unit.value);
  window.history.replaceState(null, "", url);
  if (!query) return;
  const graph = document.querySelector(".explore-graph");
  const body = graph.querySelector(".chart-body");
  const table = document.querySelector(".explore-table");
  const range = currentRange();
  const end = resolveTime(range.to, Date.now() / 1000);
  startLoading(graph, body, "Running query…");
  try {
    const [figure, instant] = await Promise.all([
      fetchJSON(withRange("/api/v1/figure?" + new URLSearchParams({ query, unit: form.elements.unit.value }))),
      fetchJSON("/api/v1/query?" + new URLSearchParams({ query, time: String(end) })),
    ]);
    await drawPlot(graph, body, figure);
    showTable(table, instant);
    table.dataset.state = "drawn";
  } catch (error) {
    graph.dataset.state = "error";
    showMessage(body, "muted empty-state", "The query failed: see the error above.");
    showQueryError(form, error.message);
  } finally {
    graph.removeAttribute("aria-busy");
  }
}

function setupExplore() {
  const form = document.querySelector("[data-explore]");
  if (!form) return;
  const input = form.elements.query;
  const list = document.querySelector("[data-suggestions]");
  input.addEventListener("input", () => suggest(input, list));
  form.elements.unit.addEventListener("change", () => runExplore(form));
  input.addEventListener("blur", () => { list.hidden = true; });
  input.addEventListener("keydown", (event) => {
    if (list.hidden) return;
    const items = [...list.children];
    const active = items.findIndex((item) => item.classList.contains("active"));
    if (event.key === "Tab" || (event.key === "Enter" && active >= 0 && !list.hidden)) {
      event.preventDefault();
      complete(input, list, items[Math.max(active, 0)].textContent);
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const next = (active + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
      items.forEach((item, index) => item.classList.toggle("active", index === next));
    } else if (event.key === "Escape") {
      list.hidden = true;
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    list.hidden = true;
    runExplore(form);
  });
  document.querySelectorAll("[data-explore-tabs] a").forEach((tab) => {
    tab.addEventListener("click", (event) => {
      event.preventDefault();
      document.querySelectorAll("[data-explore-tabs] a").forEach((other) => other.classList.toggle("active", other === tab));
      document.querySelectorAll("[data-view]").forEach((view) => { view.hidden = view.dataset.view !== tab.dataset.tab; });
      if (tab.dataset.tab === "graph") window.dispatchEvent(new Event("resize"));
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setupPicker();
  setupVariables();
  setupExplore();
  carryRangeInLinks();
  refreshAll();
  scheduleRefresh();
});

// Forms marked data-confirm (expiring a silence, retrying a notification) ask first.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

// State-changing fetch() calls send the session's CSRF token, as forms do in a hidden field.
function csrfHeaders(headers = {}) {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? { ...headers, "X-CSRF-Token": meta.content } : headers;
}

// Buttons marked data-post-url (none need a page reload) POST with the token and reload.
document.addEventListener("click", async (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-post-url]") : null;
  if (!button) {
    return;
  }
  event.preventDefault();
  const response = await fetch(button.dataset.postUrl, { method: "POST", headers: csrfHeaders() });
  if (response.ok) {
    window.location.reload();
  } else {
    window.alert("Refused: " + (await response.text()));
  }
});
