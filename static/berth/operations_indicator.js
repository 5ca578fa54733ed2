// The navbar's running-operations indicator, on every page: how many pending or running
// operations the user may see, each a link to its live view. Re-read when one changes.
(function () {
  "use strict";
  const count = document.getElementById("operations-count");
  const menu = document.getElementById("operations-menu");
  if (!count || !menu) return;
  let timer = null;

  function item(o) {
    const link = document.createElement("a");
    link.className = "dropdown-item d-flex justify-content-between gap-3";
    link.href = "/operations/" + o.id + "/";
    link.dataset.operationId = o.id;
    const what = document.createElement("span");
    what.className = "text-truncate";
    what.textContent = o.kind_display + " " + o.target_repr;
    const where = document.createElement("span");
    where.className = "text-secondary small text-nowrap";
    where.textContent = o.state + " · " + o.host_name;
    link.append(what, where);
    return link;
  }

  async function load() {
    const response = await fetch("/api/v1/operations/?active=true&page_size=10", { headers: { Accept: "application/json" }, cache: "no-store" });
    if (!response.ok) return;
    const data = await response.json();
    count.textContent = String(data.count);
    count.className = "badge " + (data.count ? "bg-blue text-white" : "bg-secondary-lt");
    count.dataset.count = data.count;
    const all = document.createElement("a");
    all.className = "dropdown-item text-secondary";
    all.href = "/operations/";
    all.textContent = data.count ? "All operations…" : "No operation running. All operations…";
    menu.replaceChildren(...data.results.map(item), document.createElement("div"), all);
    menu.children[menu.children.length - 2].className = "dropdown-divider";
  }

  function soon() { clearTimeout(timer); timer = setTimeout(load, 200); }
  document.addEventListener("berth:event", (e) => { if (e.detail.type.startsWith("operation.")) soon(); });
  document.addEventListener("berth:live", (e) => { if (e.detail.connected) soon(); });
  load();
})();
