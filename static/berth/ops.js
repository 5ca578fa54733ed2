// Starting operations from pages: one POST helper (CSRF, errors as sentences), state badges,
// and buttons that are disabled, with the reason, when the user's role does not allow them.
window.BerthOps = (function () {
  "use strict";
  const { el } = window.BerthHosts;
  const STATES = {
    pending: ["Pending", "bg-secondary"], running: ["Running", "bg-blue"],
    succeeded: ["Succeeded", "bg-green"], failed: ["Failed", "bg-red"],
  };
  const rightsNode = document.getElementById("host-rights");
  const rights = rightsNode ? JSON.parse(rightsNode.textContent) : {};

  function csrf() {
    const input = document.querySelector("[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // Answers {ok, status, data}; data.detail is a sentence when it failed.
  async function send(url, { method = "POST", body = null, form = null } = {}) {
    const headers = { Accept: "application/json", "X-CSRFToken": csrf() };
    let payload = form;
    if (body !== null) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
    let response;
    try {
      response = await fetch(url, { method, headers, body: payload, credentials: "same-origin", cache: "no-store" });
    } catch (error) {
      return { ok: false, status: 0, data: { detail: "Berth cannot be reached: " + error.message } };
    }
    const data = await response.json().catch(() => ({ detail: response.statusText }));
    return { ok: response.ok, status: response.status, data };
  }

  function stateBadge(operation) {
    const [label, cls] = STATES[operation.state] || [operation.state, "bg-secondary"];
    return el("span", { class: "badge text-white " + cls, data: { role: "operation-state", state: operation.state } }, label);
  }

  // Why the user may not do `action` on `hostId`, or "" when they may.
  function refusal(hostId, action) {
    const host = rights[hostId];
    if (!host) return "You cannot act on this host.";
    if (!host[action]) {
      const needs = { "container.operate": "operator", "container.manage": "developer", "image.manage": "developer",
        "network.manage": "developer", "volume.manage": "developer", "container.privileged": "admin",
        "stack.operate": "operator", "stack.deploy": "developer", "stack.adopt": "admin" }[action];
      return "Your role on " + host.name + " (" + (host.role || "none") + ") does not allow this: it needs " + needs + ".";
    }
    return "";
  }

  function showError(target, message) {
    if (!target) { if (message) window.BerthDialog.tell({ title: "Berth", message }); return; }
    target.hidden = !message;
    target.textContent = message || "";
  }

  // A button that runs `start()` (which answers a send() result) and then opens the operation.
  function button(label, icon, { hostId, action, danger = false, start, errors, follow = true, name }) {
    const why = refusal(hostId, action);
    const node = el("button", {
      type: "button", class: "btn btn-sm " + (danger ? "btn-outline-danger" : "btn-outline-primary"),
      data: { action: name || label.toLowerCase() }, title: why || label,
    }, el("i", { "aria-hidden": "true", class: "ti ti-" + icon + " me-1" }), label);
    if (why) { node.disabled = true; node.dataset.disabledReason = why; return el("span", { title: why }, node); }
    node.addEventListener("click", async () => {
      const result = await start();
      if (result === null) return;  // cancelled
      if (!result.ok) { showError(errors, result.data.detail); return; }
      showError(errors, "");
      if (follow && result.data.id) location.href = "/operations/" + result.data.id + "/";
    });
    return node;
  }

  return { send, stateBadge, refusal, button, showError, rights, STATES };
})();
