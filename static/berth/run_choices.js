// The run form offers the chosen host's networks (as choices for Network) and volumes (a pick
// that adds "name:/path" to Volumes), read from the networks and volumes APIs.
(function () {
  "use strict";
  const host = document.getElementById("run-host");
  const networks = document.getElementById("run-network-choices");
  const pick = document.getElementById("run-volume-pick");
  const volumes = document.getElementById("run-volumes");
  if (!host || !networks || !pick) return;

  async function names(url, key) {
    const response = await fetch(url + "?page_size=1000&host=" + host.value, { headers: { Accept: "application/json" } });
    return response.ok ? (await response.json()).results.map((row) => row[key]) : [];
  }

  function option(value, text) {
    const node = document.createElement("option");
    node.value = value;
    node.textContent = text === undefined ? value : text;
    return node;
  }

  async function load() {
    const [networkNames, volumeNames] = await Promise.all([names("/api/v1/networks/", "name"), names("/api/v1/volumes/", "name")]);
    networks.replaceChildren(...networkNames.map((name) => option(name)));
    pick.replaceChildren(option("", volumeNames.length ? "Add a volume of this host…" : "No volume on this host"),
      ...volumeNames.map((name) => option(name)));
  }

  pick.addEventListener("change", () => {
    if (!pick.value) return;
    const line = pick.value + ":/" + pick.value.replace(/[^a-zA-Z0-9_.-]/g, "");
    volumes.value = (volumes.value.trim() ? volumes.value.trim() + "\n" : "") + line;
    pick.value = "";
    volumes.focus();
  });
  host.addEventListener("change", load);
  load();
})();
