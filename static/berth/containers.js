// The containers list.
(function () {
  "use strict";
  const { el, ago } = window.BerthHosts;
  const { stateBadge, ports } = window.BerthContainers;
  window.BerthList({
    endpoint: "/api/v1/containers/",
    eventPrefix: "container.",
    columns: 7,
    emptyText: "No container matches.",
    row: (c) => el("tr", { data: { containerId: c.id, state: c.state } },
      el("td", {}, el("a", { href: "/containers/" + c.id + "/", class: "fw-bold" }, c.name),
        el("div", { class: "text-secondary small font-monospace" }, c.engine_id.slice(0, 12))),
      el("td", {}, el("div", {}, c.image), el("div", { class: "text-secondary small" }, c.image_id.replace("sha256:", "").slice(0, 12))),
      el("td", {}, stateBadge(c), c.stale ? el("span", { class: "badge bg-secondary-lt ms-1", title: "The host is offline: this is the last known state" }, "stale") : null,
        el("div", { class: "text-secondary small", data: { role: "status" } }, c.status)),
      el("td", { class: "small" }, ports(c.ports)),
      el("td", {}, el("a", { href: "/hosts/" + c.host + "/" }, c.host_name)),
      el("td", { title: c.created || "" }, ago(c.created)),
      el("td", {}, window.BerthContainerActions ? window.BerthContainerActions.rowButtons(c) : null)),
  });
})();
