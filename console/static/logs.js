// Live tail on the Logs page: new lines arrive over EventSource and are put on top.
// Every value goes in with textContent, never as HTML.
"use strict";

function logRow(line) {
  const row = document.createElement("tr");
  row.className = "level-" + line.level;
  const cells = [line.timestamp, line.service, line.level];
  for (const text of cells) {
    const cell = document.createElement("td");
    cell.textContent = text;
    row.appendChild(cell);
  }
  const message = document.createElement("td");
  const pre = document.createElement("pre");
  pre.className = "message";
  pre.textContent = line.message;
  message.appendChild(pre);
  row.appendChild(message);
  return row;
}

document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.getElementById("live-tail");
  const body = document.getElementById("log-lines");
  if (!toggle || !body) {
    return;
  }
  let source = null;
  toggle.addEventListener("change", () => {
    if (toggle.checked) {
      source = new EventSource(toggle.dataset.tailUrl);
      source.onmessage = (event) => {
        body.querySelectorAll(".empty-row").forEach((node) => node.remove());
        body.insertBefore(logRow(JSON.parse(event.data)), body.firstChild);
        while (body.children.length > 1000) {
          body.removeChild(body.lastChild);
        }
      };
    } else if (source) {
      source.close();
      source = null;
    }
  });
});
