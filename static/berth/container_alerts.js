// A container's page: the alerts open about it, each with "Mute for 2 hours" (its alerts still
// fire and show; nobody is told). Re-read when an alert changes.
(function () {
  "use strict";
  const box = document.getElementById("container-alerts");
  if (!box) return;
  let timer = null;

  function csrf() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function row(alert) {
    const line = document.createElement("div");
    line.className = "alert alert-warning d-flex align-items-center gap-3";
    line.dataset.alertId = alert.id;
    const link = document.createElement("a");
    link.href = "/alerts/" + alert.id + "/";
    link.textContent = alert.title + " (" + alert.state + ")";
    const mute = document.createElement("button");
    mute.type = "button";
    mute.className = "btn btn-sm ms-auto";
    mute.textContent = "Mute for 2 hours";
    mute.dataset.role = "mute-container";
    mute.addEventListener("click", async () => {
      mute.disabled = true;
      const response = await fetch("/api/v1/alerts/" + alert.id + "/mute/", {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify({ seconds: 7200 }),
      }).catch(() => null);
      const data = response ? await response.json().catch(() => ({})) : {};
      mute.textContent = response && response.ok ? "Muted for 2 hours" : (data.detail || "Could not mute.");
    });
    line.append(link, mute);
    return line;
  }

  async function load() {
    const query = new URLSearchParams({ state: "open", host: box.dataset.host, subject: box.dataset.subject });
    const response = await fetch("/api/v1/alerts/?" + query, { headers: { Accept: "application/json" }, cache: "no-store" });
    if (!response.ok) return;
    const data = await response.json();
    box.replaceChildren(...data.results.map(row));
  }

  document.addEventListener("berth:event", (e) => {
    if (e.detail.type === "alert.updated") { clearTimeout(timer); timer = setTimeout(load, 200); }
  });
  load();
})();
