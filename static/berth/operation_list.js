// The operations list.
(function () {
  "use strict";
  const { el, ago } = window.BerthHosts;
  const { stateBadge } = window.BerthOps;
  function took(o) {
    if (!o.started_at) return "—";
    const end = o.finished_at ? Date.parse(o.finished_at) : Date.now();
    const s = Math.max(0, (end - Date.parse(o.started_at)) / 1000);
    return s < 60 ? s.toFixed(1) + " s" : Math.floor(s / 60) + " min " + Math.round(s % 60) + " s";
  }
  window.BerthList({
    endpoint: "/api/v1/operations/",
    eventPrefix: "operation.",
    columns: 7,
    emptyText: "No operation matches.",
    row: (o) => el("tr", { data: { operationId: o.id, state: o.state } },
      el("td", {}, el("a", { href: "/operations/" + o.id + "/", class: "fw-bold" }, o.kind_display)),
      el("td", { class: "text-break" }, o.target_repr),
      el("td", {}, stateBadge(o), o.error ? el("div", { class: "text-danger small" }, o.error) : null),
      el("td", {}, el("a", { href: "/hosts/" + o.host + "/" }, o.host_name)),
      el("td", {}, o.username || "—"),
      el("td", { title: o.created_at }, ago(o.created_at)),
      el("td", {}, took(o))),
  });
})();
