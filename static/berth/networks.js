// The networks list.
(function () {
  "use strict";
  const { el } = window.BerthHosts;
  window.BerthList({
    endpoint: "/api/v1/networks/",
    eventPrefix: "network.",
    columns: 6,
    emptyText: "No network matches.",
    row: (n) => el("tr", { data: { networkId: n.id } },
      el("td", {}, el("a", { href: "/networks/" + n.id + "/" }, n.name)),
      // The badges stand beside the driver, not the link: a link among other text needs more than colour.
      el("td", {}, n.driver,
        n.internal ? el("span", { class: "badge bg-secondary-lt ms-2" }, "internal") : null,
        n.predefined ? el("span", { class: "badge bg-azure-lt ms-2", title: "The engine's own network" }, "built-in") : null),
      el("td", {}, n.scope),
      el("td", { class: "font-monospace small" }, n.subnets.join(", ") || "—"),
      el("td", { class: "text-end" }, String(n.container_count)),
      el("td", {}, el("a", { href: "/hosts/" + n.host + "/" }, n.host_name || ("host " + n.host)))),
  });
})();
