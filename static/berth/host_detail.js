// One host's facts, kept current by /ws/events/.
(function () {
  "use strict";
  const { el, bytes, statusBadge, lastSeen, resyncOnReconnect } = window.BerthHosts;
  let host = JSON.parse(document.getElementById("host-data").textContent);

  function rows(target, pairs) {
    document.getElementById(target).replaceChildren(...pairs.flatMap(([label, value]) => [
      el("dt", { class: "col-5" }, label), el("dd", { class: "col-7" }, value === "" || value === null ? "—" : value),
    ]));
  }

  // "used / total (percent %)", or "" when the worker could not measure it.
  function usage(used, total, percent) {
    return percent === null || percent === undefined ? "" : bytes(used) + " / " + bytes(total) + " (" + percent.toFixed(1) + " %)";
  }

  function render() {
    document.getElementById("host-status").replaceChildren(statusBadge(host));
    const error = document.getElementById("host-engine-error");
    error.hidden = host.engine_reachable || host.status !== "online";
    error.textContent = host.engine_error;
    const forged = document.getElementById("host-forged-report");
    forged.hidden = !host.forged_report;
    forged.textContent = host.forged_report ? host.forged_report + " (" + new Date(host.forged_report_at).toLocaleString() + ")" : "";
    rows("host-engine", [
      ["Engine version", host.engine_version], ["API version", host.api_version], ["OS", host.os],
      ["Kernel", host.kernel], ["Architecture", host.arch], ["CPUs", host.cpus], ["Memory", bytes(host.memory)],
      ["Memory in use", usage(host.memory - host.memory_available, host.memory, host.memory_percent)],
      ["Disk in use (engine's root)", usage(host.disk_used, host.disk_total, host.disk_percent)],
      ["Containers", host.running_count + " running / " + host.container_count], ["Images", host.image_count],
    ]);
    rows("host-worker", [
      ["Slug (queue host.<slug>)", host.slug], ["Machine", host.worker_machine], ["Worker version", host.worker_version],
      ["Docker endpoint", host.docker_host],
      ["Docker Compose", host.compose_version || (host.worker_version ? "none on this host" : "")], ["Last seen", lastSeen(host)],
      ["Online since", host.online_since ? new Date(host.online_since).toLocaleString() : ""],
    ]);
  }

  document.addEventListener("berth:event", (e) => {
    const event = e.detail;
    if (event.host.id !== host.id) return;
    if (event.type === "host.removed") { document.getElementById("host-removed").hidden = false; return; }
    host = event.host;
    render();
  });
  resyncOnReconnect("/api/v1/hosts/" + host.id + "/", (data) => { host = data; render(); });
  render();
})();
