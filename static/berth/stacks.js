// The stacks list: each stack's state, services and where it comes from. A stack's state is its
// containers', so container events refetch the page too.
(function () {
  "use strict";
  const { el } = window.BerthHosts;
  const STATE = { running: "bg-green", partly: "bg-yellow", stopped: "bg-secondary", down: "bg-secondary-lt" };
  const SOURCE = { berth: "Berth", git: "git", external: "found running" };
  const row = (s) => el("tr", { data: { stackId: s.id } },
    el("td", {}, el("a", { href: "/stacks/" + s.id + "/" }, s.name)),
    el("td", {}, el("span", { class: "badge text-white " + (STATE[s.state] || "bg-secondary"), data: { role: "stack-state" } }, s.state)),
    el("td", {}, s.services.map((v) => v.name).join(", ") || "—"),
    el("td", {}, SOURCE[s.source] || s.source),
    el("td", { class: "text-end" }, s.version === null ? "—" : "v" + s.version),
    el("td", {}, el("a", { href: "/hosts/" + s.host + "/" }, s.host_name || ("host " + s.host))));
  window.BerthList({ endpoint: "/api/v1/stacks/", eventPrefix: "stack.", columns: 6, emptyText: "No stack matches.", row });
  // Containers coming and going change a stack's state: refetch as for a stack's own event.
  document.addEventListener("berth:event", (e) => {
    if (e.detail.type.startsWith("container.")) {
      document.dispatchEvent(new CustomEvent("berth:event", { detail: { ...e.detail, type: "stack.changed" } }));
    }
  });
})();
