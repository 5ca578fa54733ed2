// The images list.
(function () {
  "use strict";
  const { el, ago, bytes } = window.BerthHosts;
  window.BerthList({
    endpoint: "/api/v1/images/",
    eventPrefix: "image.",
    columns: 5,
    emptyText: "No image matches.",
    row: (i) => el("tr", { data: { imageId: i.id } },
      el("td", {}, i.tags.length
        ? el("div", {}, ...i.tags.map((t) => el("a", { href: "/images/" + i.id + "/", class: "badge bg-blue-lt me-1 mb-1 text-decoration-none" }, t)))
        : el("a", { href: "/images/" + i.id + "/", class: "badge bg-secondary-lt", title: "No tag points at this image" }, "<none> dangling")),
      el("td", { class: "font-monospace small" }, i.engine_id.replace("sha256:", "").slice(0, 12)),
      el("td", { class: "text-end" }, bytes(i.size)),
      el("td", { title: i.created || "" }, ago(i.created)),
      el("td", {}, el("a", { href: "/hosts/" + i.host + "/" }, i.host_name || ("host " + i.host)))),
  });
})();
