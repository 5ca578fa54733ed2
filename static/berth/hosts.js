// Formatting of hosts shared by the dashboard and the host page. Text only goes in through
// textContent: host names and engine strings come from host workers and are not trusted.
window.BerthHosts = (function () {
  "use strict";
  const STATUS = {
    online: ["Online", "bg-green"],
    offline: ["Offline", "bg-red"],
    unknown: ["Unknown", "bg-secondary"],
  };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else if (key === "data") Object.assign(node.dataset, value);
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function bytes(n) {
    if (!n) return "—";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return n.toFixed(i ? 1 : 0) + " " + units[i];
  }

  function ago(iso) {
    if (!iso) return "never";
    const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (seconds < 5) return "just now";
    if (seconds < 60) return seconds + " s ago";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min ago";
    if (seconds < 86400) return Math.floor(seconds / 3600) + " h ago";
    return new Date(iso).toLocaleString();
  }

  function statusBadge(host) {
    const [label, cls] = STATUS[host.status] || STATUS.unknown;
    const badge = el("span", { class: "badge text-white " + cls, data: { role: "status", status: host.status } }, label);
    if (host.status === "online" && !host.engine_reachable) {
      return el("span", {}, badge, " ",
        el("span", { class: "badge bg-orange text-white", title: host.engine_error, data: { role: "engine" } },
          "Engine unreachable"));
    }
    return badge;
  }

  function lastSeen(host) {
    return el("span", { data: { role: "last-seen", at: host.last_seen || "" }, title: host.last_seen || "" },
      ago(host.last_seen));
  }

  // Relative times move on without new events.
  setInterval(() => {
    document.querySelectorAll("[data-role=last-seen]").forEach((node) => {
      node.textContent = ago(node.dataset.at || null);
    });
  }, 1000);

  // Calls `load(data)` with the JSON at `url` whenever live updates come back after a gap.
  function resyncOnReconnect(url, load) {
    document.addEventListener("berth:live", async (e) => {
      if (!e.detail.resync) return;
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) load(await response.json());
    });
  }

  return { el, bytes, ago, statusBadge, lastSeen, resyncOnReconnect };
})();
