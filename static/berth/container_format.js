// Formatting of containers shared by the list and the detail page.
window.BerthContainers = (function () {
  "use strict";
  const { el } = window.BerthHosts;
  const STATE_CLASS = {
    running: "bg-green", paused: "bg-yellow", restarting: "bg-orange", created: "bg-blue",
    exited: "bg-secondary", dead: "bg-red", removing: "bg-red",
  };

  function stateBadge(c) {
    return el("span", { class: "badge text-white " + (STATE_CLASS[c.state] || "bg-dark"), data: { role: "state" } }, c.state);
  }

  function ports(list) {
    const seen = new Set();
    const items = [];
    for (const p of list || []) {
      const text = p.public_port ? (p.public_port + "→" + p.private_port + "/" + p.type) : (p.private_port + "/" + p.type);
      if (!seen.has(text)) { seen.add(text); items.push(el("div", {}, text)); }
    }
    return items.length ? el("div", {}, ...items) : "—";
  }

  return { stateBadge, ports };
})();
