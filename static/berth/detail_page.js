// One object's page, read from the API and re-read when an event says it changed.
window.BerthDetail = function (options) {
  "use strict";
  const { el } = window.BerthHosts;
  const { kind, render } = options;  // kind: "container" | "image"
  const url = JSON.parse(document.getElementById("detail-api").textContent);
  const sections = document.getElementById("detail-sections");
  const removed = document.getElementById("detail-removed");
  const stale = document.getElementById("detail-stale");
  let current = null;
  let timer = null;
  let loads = 0;  // only the latest load's answer is shown: answers may come back out of order

  function showRemoved(object) {
    removed.hidden = !object.removed_at;
    if (object.removed_at) {
      removed.textContent = "This " + kind + " was removed " + new Date(object.removed_at).toLocaleString()
        + (object.removed_by ? " by " + object.removed_by : "") + ". What is shown is its last known state.";
    }
  }

  async function load() {
    const mine = ++loads;
    const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
    if (mine !== loads) return;
    if (!response.ok) {
      const data = await response.json().catch(() => ({ detail: response.statusText }));
      removed.hidden = false;
      removed.textContent = data.detail;
      return;
    }
    const object = await response.json();
    if (mine !== loads) return;
    current = object;
    showRemoved(current);
    stale.hidden = !current.stale || Boolean(current.removed_at);
    sections.replaceChildren(...render(current));
    window.BerthDetail.current = current;
    document.dispatchEvent(new CustomEvent("berth:detail", { detail: current }));
  }

  document.addEventListener("berth:event", (e) => {
    const event = e.detail;
    const object = event[kind];
    if (event.type === "inventory.changed" || (object && current && object.id === current.id)
        || (event.type.startsWith("host.") && current && event.host.id === current.host)) {
      clearTimeout(timer);
      timer = setTimeout(load, 100);
    }
  });
  document.addEventListener("berth:live", (e) => { if (e.detail.resync) load(); });
  // Back from another page (bfcache): what was shown may be old, and its events were missed.
  window.addEventListener("pageshow", (e) => { if (e.persisted) load(); });
  load();

  // Helpers for render functions.
  return {
    card(title, body, width) {
      return el("div", { class: width || "col-lg-6" },
        el("div", { class: "card" }, el("div", { class: "card-header" }, el("h3", { class: "card-title" }, title)), body));
    },
    pairs(list) {
      return el("div", { class: "card-body" }, el("dl", { class: "row mb-0" }, ...list.flatMap(([label, value]) => [
        el("dt", { class: "col-4" }, label),
        el("dd", { class: "col-8 text-break" }, value === null || value === undefined || value === "" ? "—" : value),
      ])));
    },
    table(headers, rows, empty) {
      if (!rows.length) return el("div", { class: "card-body text-secondary" }, empty || "None");
      return el("div", { class: "table-responsive" }, el("table", { class: "table table-vcenter card-table" },
        el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", {}, h)))),
        el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((cell) => el("td", { class: "text-break" }, cell)))))));
    },
  };
};

// What else on an object's page follows the object (its toolbar) is given each load's answer, not
// by a load of its own: the one already come (a script may run after the first answer), then each.
window.BerthDetail.follow = function (draw) {
  "use strict";
  if (window.BerthDetail.current) draw(window.BerthDetail.current);
  document.addEventListener("berth:detail", (e) => draw(e.detail));
};
