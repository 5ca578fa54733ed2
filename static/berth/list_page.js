// A filtered, paginated list read from the API and kept current by /ws/events/.
// Any event of the page's kinds refetches the current page (debounced): a row may have
// entered or left the filter, and the server decides what matches.
window.BerthList = function (options) {
  "use strict";
  const { el } = window.BerthHosts;
  const { endpoint, eventPrefix, row, columns, emptyText } = options;
  const form = document.getElementById("list-filters");
  const body = document.getElementById("list-body");
  const summary = document.getElementById("list-summary");
  const pager = document.getElementById("list-pager");
  let page = 1;
  let timer = null;

  function params() {
    const query = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (value) query.set(key, value);
    return query;
  }

  async function load() {
    const query = params();
    query.set("page", page);
    history.replaceState(null, "", "?" + params().toString());
    const response = await fetch(endpoint + "?" + query, { headers: { Accept: "application/json" } });
    if (response.status === 404 && page > 1) { page = 1; return load(); }
    const data = await response.json();
    if (!response.ok) {
      body.replaceChildren(el("tr", {}, el("td", { colspan: columns, class: "text-danger" }, data.detail)));
      return;
    }
    body.replaceChildren(...(data.results.length ? data.results.map(row)
      : [el("tr", {}, el("td", { colspan: columns, class: "text-secondary text-center py-4" }, emptyText))]));
    summary.textContent = data.count + (data.count === 1 ? " item" : " items");
    const pages = Math.max(1, Math.ceil(data.count / data.results.length || 1));
    pager.replaceChildren(
      el("button", { class: "btn btn-sm", type: "button", "data-page": "prev" }, "‹ Previous"),
      el("span", { class: "mx-2 text-secondary" }, "page " + page + (data.next || page > 1 ? " of " + pages : "")),
      el("button", { class: "btn btn-sm", type: "button", "data-page": "next" }, "Next ›"));
    pager.querySelector("[data-page=prev]").disabled = !data.previous;
    pager.querySelector("[data-page=next]").disabled = !data.next;
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(load, 150);
  }

  // Filters come from the address bar, so a filtered list can be bookmarked and shared.
  for (const [key, value] of new URLSearchParams(location.search)) {
    if (form.elements[key]) form.elements[key].value = value;
  }
  form.addEventListener("input", () => { page = 1; soon(); });
  form.addEventListener("submit", (e) => { e.preventDefault(); page = 1; load(); });
  pager.addEventListener("click", (e) => {
    const which = e.target.dataset.page;
    if (!which) return;
    page += which === "next" ? 1 : -1;
    load();
  });
  document.addEventListener("berth:event", (e) => {
    const type = e.detail.type;
    if (type.startsWith(eventPrefix) || type === "inventory.changed" || type.startsWith("host.")) soon();
  });
  document.addEventListener("berth:live", (e) => { if (e.detail.resync) soon(); });
  load();
};
