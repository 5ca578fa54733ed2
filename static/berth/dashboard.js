// The hosts table, kept current by /ws/events/.
(function () {
  "use strict";
  const { el, bytes, statusBadge, lastSeen, resyncOnReconnect } = window.BerthHosts;
  const body = document.getElementById("hosts-body");
  const empty = document.getElementById("hosts-empty");
  const summary = document.getElementById("host-summary");
  const hosts = new Map(JSON.parse(document.getElementById("hosts-data").textContent).map((h) => [h.id, h]));

  function row(host) {
    const containers = host.container_count ? host.running_count + " running / " + host.container_count : "0";
    return el("tr", { data: { hostId: host.id, status: host.status } },
      el("td", {}, el("a", { href: "/hosts/" + host.id + "/", class: "fw-bold" }, host.name),
        host.enrolled === false ? el("span", { class: "badge bg-yellow-lt ms-2", data: { role: "needs-enrollment" } },
          "needs enrolling") : null,
        el("div", { class: "text-secondary small" }, host.worker_machine || host.slug)),
      el("td", {}, statusBadge(host)),
      el("td", {}, host.engine_version || "—"),
      el("td", {}, host.api_version || "—"),
      el("td", {}, host.os || "—"),
      el("td", { class: "text-end" }, host.cpus || "—"),
      el("td", { class: "text-end" }, bytes(host.memory)),
      el("td", { class: "text-end" }, containers),
      el("td", { class: "text-end" }, host.image_count),
      el("td", {}, lastSeen(host)));
  }

  function render() {
    const sorted = [...hosts.values()].sort((a, b) => a.name.localeCompare(b.name));
    body.replaceChildren(...sorted.map(row));
    empty.hidden = sorted.length > 0;
    const online = sorted.filter((h) => h.status === "online").length;
    summary.textContent = sorted.length ? online + " of " + sorted.length + " online" : "";
  }

  document.addEventListener("berth:event", (e) => {
    const event = e.detail;
    if (event.type === "host.removed") hosts.delete(event.host.id);
    else if (event.type === "host.created" || event.type === "host.updated") hosts.set(event.host.id, event.host);
    else return;
    render();
  });
  resyncOnReconnect("/api/v1/hosts/?page_size=1000", (data) => {
    hosts.clear();
    data.results.forEach((h) => hosts.set(h.id, h));
    render();
  });
  render();
})();
