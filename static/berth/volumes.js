// The volumes list.
(function () {
  "use strict";
  const { el, ago } = window.BerthHosts;
  window.BerthList({
    endpoint: "/api/v1/volumes/",
    eventPrefix: "volume.",
    columns: 6,
    emptyText: "No volume matches.",
    row: (v) => el("tr", { data: { volumeId: v.id } },
      el("td", { class: "text-break" }, el("a", { href: "/volumes/" + v.id + "/", class: "font-monospace" }, v.name)),
      // The badges stand beside the driver, not the link: a link among other text needs more than colour.
      el("td", {}, v.driver,
        v.dangling ? el("span", { class: "badge bg-secondary-lt ms-2", title: "No container uses it" }, "dangling") : null,
        v.dangers.length ? el("span", { class: "badge bg-red-lt ms-2", title: v.dangers.join(", ") }, "host path") : null),
      el("td", { class: "font-monospace small text-break" }, v.mountpoint),
      el("td", { class: "text-end" }, String(v.container_count)),
      el("td", { title: v.created || "" }, ago(v.created)),
      el("td", {}, el("a", { href: "/hosts/" + v.host + "/" }, v.host_name || ("host " + v.host)))),
  });
})();
