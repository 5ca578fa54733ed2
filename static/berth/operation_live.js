// One operation, live from /ws/operations/{id}/: its record, the progress so far, each batch
// of layer progress and log lines after that, then its final state. Reconnects with backoff
// while it has not ended (a reconnect starts again from the snapshot).
(function () {
  "use strict";
  const { el, bytes, ago } = window.BerthHosts;
  const { stateBadge } = window.BerthOps;
  const id = JSON.parse(document.getElementById("operation-id").textContent);
  const $ = (name) => document.getElementById("operation-" + name);
  const layers = new Map();  // id -> row
  const LOG_LINES_SHOWN = 5000;
  let seen = 0;
  let ended = false;
  let delay = 500;

  function fact(label, value) {
    return [el("dt", { class: "col-4" }, label), el("dd", { class: "col-8 text-break" }, value === "" || value == null ? "—" : value)];
  }

  let current = null;
  let refetched = false;

  async function refetch() {
    const response = await fetch("/api/v1/operations/" + id + "/", { headers: { Accept: "application/json" }, cache: "no-store" });
    if (response.ok) showOperation(await response.json());
  }

  // What it made may reach the inventory just after it ended: fill the link in when it does.
  document.addEventListener("berth:event", (e) => {
    if (!current || !ended) return;
    const result = current.result || {};
    const made = e.detail.container || e.detail.image;
    if (made && [result.container_id, result.image_id].includes(made.engine_id)) refetch();
  });

  function showOperation(o) {
    current = o;
    $("state").replaceChildren(stateBadge(o));
    const error = $("error");
    error.hidden = !o.error;
    error.textContent = o.error || "";
    const result = o.result || {};
    const made = [];
    if (o.container) made.push(el("a", { href: "/containers/" + o.container + "/", id: "operation-container" }, "the container"));
    if (o.image) made.push(el("a", { href: "/images/" + o.image + "/", id: "operation-image" }, "the image"));
    if (o.kind === "image.export" && o.state === "succeeded") {
      made.push(el("a", { href: "/api/v1/operations/" + o.id + "/download/", class: "btn btn-sm btn-primary", id: "operation-download" },
        el("i", { "aria-hidden": "true", class: "ti ti-download me-1" }), "Download " + bytes(result.size)));
    }
    $("facts").replaceChildren(
      ...fact("Kind", o.kind_display), ...fact("Target", o.target_repr),
      ...fact("Host", el("a", { href: "/hosts/" + o.host + "/" }, o.host_name)), ...fact("By", o.username),
      ...fact("Requested", o.created_at ? new Date(o.created_at).toLocaleString() + " (" + ago(o.created_at) + ")" : ""),
      ...fact("Started", o.started_at ? new Date(o.started_at).toLocaleString() : ""),
      ...fact("Finished", o.finished_at ? new Date(o.finished_at).toLocaleString() : ""),
      ...fact("Result", made.length ? el("span", {}, ...made.flatMap((m) => [m, " "])) : ""),
      ...(result.image_id ? fact("Image id", el("span", { class: "font-monospace small" }, result.image_id)) : []),
      ...(result.digest ? fact("Digest", el("span", { class: "font-monospace small" }, result.digest)) : []),
      ...(result.deleted ? fact("Deleted", result.deleted.length + " image(s)" + (result.space_reclaimed ? ", " + bytes(result.space_reclaimed) + " freed" : "")) : []),
      ...(result.loaded ? fact("Loaded", result.loaded.join(", ")) : []),
    );
    if (o.state === "succeeded" || o.state === "failed") {
      ended = true;
      const result = o.result || {};
      if (!refetched && ((result.container_id && !o.container) || (result.image_id && !o.image))) {
        refetched = true;
        setTimeout(refetch, 1000);
      }
      $("waiting").textContent = o.state === "succeeded" ? "Done." : "Failed.";
      $("waiting").hidden = layers.size > 0;
    } else if (o.state === "running") {
      $("waiting").textContent = "Running…";
    }
  }

  function showLayer(layer) {
    let row = layers.get(layer.id);
    if (!row) {
      row = el("tr", { data: { layer: layer.id } }, el("td", { class: "font-monospace small" }, layer.id),
        el("td", { class: "small" }), el("td"));
      layers.set(layer.id, row);
      $("layers").append(row);
      $("layers-card").hidden = false;
      $("waiting").hidden = true;
    }
    const percent = layer.phase === "done" ? 100 : layer.total ? Math.round((100 * layer.current) / layer.total) : 0;
    row.dataset.phase = layer.phase;
    row.children[1].textContent = layer.status;
    row.children[2].replaceChildren(
      el("div", { class: "progress progress-sm" }, el("div", {
        class: "progress-bar" + (layer.phase === "done" ? " bg-green" : ""), style: "width:" + percent + "%",
        role: "progressbar", "aria-valuenow": percent, "aria-valuemin": 0, "aria-valuemax": 100,
      })),
      layer.total && layer.phase !== "done" ? el("div", { class: "small text-secondary" }, bytes(layer.current) + " of " + bytes(layer.total)) : null);
  }

  function showLines(lines) {
    if (!lines || !lines.length) return;
    const log = $("log");
    $("log-card").hidden = false;
    const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 20;
    const fragment = document.createDocumentFragment();
    for (const line of lines) {
      const node = el("div", {}, line);
      if (line.startsWith("ERROR:")) node.className = "berth-log-error";
      fragment.append(node);
    }
    log.append(fragment);
    while (log.childElementCount > LOG_LINES_SHOWN) log.firstElementChild.remove();
    if (atBottom) log.scrollTop = log.scrollHeight;
  }

  function showProgress(message) {
    (message.layers || []).forEach(showLayer);
    showLines(message.log);
    if (message.status) $("status").textContent = message.status;
    if (message.step) $("step").textContent = message.step;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/ws/operations/" + id + "/");
    socket.onopen = () => { delay = 500; };
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "operation") showOperation(message.operation);
      else if (message.type === "snapshot") {
        layers.clear(); $("layers").replaceChildren(); $("log").replaceChildren();
        seen = message.seq;
        showProgress(message);
      } else if (message.type === "progress") {
        if (seen >= 0 && message.seq <= seen) return;
        seen = message.seq;
        showProgress(message);
      }
      document.dispatchEvent(new CustomEvent("berth:operation", { detail: message }));
    };
    socket.onclose = (close) => {
      if (close.code >= 4400 && close.code < 4500) {
        const error = $("error"); error.hidden = false; error.textContent = close.reason || "Not allowed.";
        return;
      }
      if (!ended) { setTimeout(connect, delay); delay = Math.min(delay * 2, 10000); }
    };
  }
  connect();
})();
