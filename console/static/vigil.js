// Draws every [data-figure-url] chart from its REST endpoint and refreshes it alone.
"use strict";

async function drawFigure(element) {
  const body = element.querySelector(".chart-body");
  try {
    const response = await fetch(element.dataset.figureUrl, { headers: { Accept: "application/json" } });
    const payload = await response.json();
    if (payload.status !== "success") {
      throw new Error(payload.error || response.statusText);
    }
    const figure = payload.data;
    body.querySelectorAll(".loading, .error").forEach((node) => node.remove());
    await Plotly.react(body, figure.data, figure.layout, { responsive: true, displaylogo: false });
  } catch (error) {
    body.textContent = "";
    const message = document.createElement("p");
    message.className = "error";
    message.textContent = "Could not load chart: " + error.message;
    body.appendChild(message);
  }
}

function refreshAll() {
  document.querySelectorAll("[data-figure-url]").forEach(drawFigure);
}

document.addEventListener("DOMContentLoaded", () => {
  refreshAll();
  const marker = document.querySelector("[data-refresh-seconds]");
  const seconds = marker ? Number(marker.dataset.refreshSeconds) : 0;
  if (seconds > 0) {
    // The page is server-rendered: reloading it refreshes the table and the charts.
    setTimeout(() => window.location.reload(), seconds * 1000);
  }
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
