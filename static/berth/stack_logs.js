// A stack's logs: every service container's logs followed live (/ws/containers/{id}/logs/, the
// Logs tab's own socket), merged in arrival order into one view, each line marked with its
// service; filtered by service, stream and text. Only the last MAX_KEPT lines are kept, and the
// view is drawn at most once per animation frame, so a chatty service cannot stall the page.
window.BerthStackLogs = function (holder) {
  "use strict";
  const { el } = window.BerthHosts;
  const MAX_KEPT = 5000;
  const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\r$/g;
  const sockets = new Map();  // container id -> {socket, service, partial}
  let lines = [];
  let frame = 0;
  const service = el("select", { class: "form-select form-select-sm w-auto", id: "stack-logs-service" },
    el("option", { value: "" }, "All services"));
  const text = el("input", { class: "form-control form-control-sm w-auto", id: "stack-logs-search", type: "search",
    placeholder: "Filter lines", "aria-label": "Filter lines" });
  const stderrOnly = el("input", { class: "form-check-input", type: "checkbox", id: "stack-logs-stderr" });
  const status = el("span", { class: "text-secondary small", id: "stack-logs-status" }, "");
  const view = el("pre", { class: "small mb-0 stack-logs", id: "stack-logs-view", tabindex: "0",
    "aria-label": "The stack's logs" });
  holder.replaceChildren(el("div", { class: "card-body" },
    el("div", { class: "d-flex flex-wrap gap-2 align-items-center mb-2" }, service, text,
      el("label", { class: "form-check mb-0" }, stderrOnly, el("span", { class: "form-check-label" }, "stderr only")), status),
    view));
  [service, text, stderrOnly].forEach((node) => node.addEventListener("input", draw));

  function shown(line) {
    const needle = text.value.toLowerCase();
    return (!service.value || line.service === service.value) && (!stderrOnly.checked || line.stream === "stderr")
      && (!needle || line.text.toLowerCase().includes(needle));
  }

  function draw() {
    frame = 0;
    const atBottom = view.scrollTop + view.clientHeight >= view.scrollHeight - 4;
    view.replaceChildren(...lines.filter(shown).slice(-2000).map((line) =>
      el("div", { class: "log-line log-" + line.stream, data: { service: line.service } },
        el("span", { class: "text-secondary" }, line.service + " | "), line.text)));
    if (atBottom) view.scrollTop = view.scrollHeight;
  }

  function receive(entry, batch) {
    for (const part of batch) {
      const pieces = ((entry.partial[part.stream] || "") + part.data).split("\n");
      entry.partial[part.stream] = pieces.pop();
      for (const piece of pieces) lines.push({ service: entry.service, stream: part.stream, text: piece.replace(ANSI, "") });
    }
    if (lines.length > MAX_KEPT) lines = lines.slice(-MAX_KEPT);
    if (!frame) frame = requestAnimationFrame(draw);
  }

  function say() {
    const live = [...sockets.values()].filter((s) => s.live).length;
    status.textContent = sockets.size ? "Following " + live + " of " + sockets.size + " containers" : "No container runs";
  }

  // Called with the stack each time it is read: a socket per running container, opened once.
  return function follow(stack) {
    const wanted = new Map();
    for (const s of stack.services) for (const c of s.containers) if (c.state === "running") wanted.set(c.id, s.name);
    const names = stack.services.map((s) => s.name);
    if ([...service.options].slice(1).map((o) => o.value).join() !== names.join()) {
      const chosen = service.value;
      service.replaceChildren(el("option", { value: "" }, "All services"), ...names.map((n) => el("option", { value: n }, n)));
      service.value = names.includes(chosen) ? chosen : "";
    }
    for (const [id, entry] of sockets) if (!wanted.has(id)) { entry.socket.close(); sockets.delete(id); }
    for (const [id, name] of wanted) {
      if (sockets.has(id)) continue;
      const entry = { service: name, partial: {}, live: false };
      entry.socket = window.BerthStreamSocket("/ws/containers/" + id + "/logs/?tail=200", {
        message(data) {
          if (Array.isArray(data)) receive(entry, data);
          else if (data.type === "ready") { entry.live = true; say(); }
        },
        close() { entry.live = false; sockets.delete(id); say(); },
      });
      sockets.set(id, entry);
    }
    say();
  };
};
