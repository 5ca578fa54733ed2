// The stack editor: CodeMirror (YAML mode) over the compose textarea, with the file checked as
// it is typed (js-yaml: the line and the message, and a compose file's shape), a plan of what a
// deploy would change (the host normalizes the file and diffs it against what runs), and deploy.
(function () {
  "use strict";
  const form = document.getElementById("stack-form");
  if (!form) return;
  const { el } = window.BerthHosts;
  const { send, showError } = window.BerthOps;
  const errors = document.getElementById("stack-error");
  const status = document.getElementById("stack-compose-status");
  const envField = document.getElementById("stack-env");

  // Problems of the file as CodeMirror lint marks ({from, to, message, severity}).
  function problems(text) {
    const found = [];
    const mark = (line, message) => found.push({ from: CodeMirror.Pos(line, 0), to: CodeMirror.Pos(line, 200), message, severity: "error" });
    let doc;
    try {
      doc = jsyaml.load(text);
    } catch (error) {
      mark(error.mark ? error.mark.line : 0, error.reason || error.message);
      return found;
    }
    if (!doc || typeof doc !== "object" || Array.isArray(doc)) { mark(0, "A compose file is a mapping with services: at its top."); return found; }
    if (!doc.services || typeof doc.services !== "object") { mark(0, "There are no services: write at least one under services:."); return found; }
    const lines = text.split("\n");
    for (const [name, service] of Object.entries(doc.services)) {
      const line = Math.max(0, lines.findIndex((l) => new RegExp("^\\s+" + name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + ":").test(l)));
      if (!service || typeof service !== "object") mark(line, "Service " + name + " must be a mapping.");
      else if (!service.image && !service.build) mark(line, "Service " + name + " has no image.");
    }
    return found;
  }

  CodeMirror.registerHelper("lint", "yaml", (text) => {
    const found = problems(text);
    status.textContent = found.length ? found[0].message + " (line " + (found[0].from.line + 1) + ")" : "The file reads as a compose file.";
    status.classList.toggle("text-danger", found.length > 0);
    return found;
  });
  const textarea = document.getElementById("stack-compose");
  const editor = CodeMirror.fromTextArea(textarea, {
    mode: "yaml", lineNumbers: true, indentUnit: 2, tabSize: 2, gutters: ["CodeMirror-lint-markers"], lint: true,
    extraKeys: { Tab: (cm) => cm.replaceSelection("  ") },
  });
  editor.getWrapperElement().id = "stack-editor";
  window.BerthStackEditor = {
    editor,
    set(compose, env) { editor.setValue(compose || ""); envField.value = env || ""; },
  };

  const planBox = document.getElementById("stack-plan");
  async function waitFor(operationId) {
    for (let i = 0; i < 600; i++) {
      const response = await fetch("/api/v1/operations/" + operationId + "/", { headers: { Accept: "application/json" } });
      const data = await response.json();
      if (data.state === "succeeded" || data.state === "failed") return data;
      await new Promise((r) => setTimeout(r, 250));
    }
    return { state: "failed", error: "The host did not answer in time." };
  }

  async function plan() {
    showError(errors, "");
    const result = await send("/api/v1/stacks/" + form.dataset.stack + "/plan/", { body: { compose: editor.getValue(), env: envField.value } });
    if (!result.ok) { showError(errors, result.data.detail); return; }
    const done = await waitFor(result.data.id);
    if (done.state !== "succeeded") { showError(errors, done.error); return; }
    const p = done.result;
    const part = (label, names, cls) => names.length ? el("span", { class: "badge me-2 " + cls, data: { role: "plan-" + label } }, label + ": " + names.join(", ")) : null;
    document.getElementById("stack-plan-summary").replaceChildren(
      part("recreated", p.recreate, "bg-yellow-lt"), part("created", p.create, "bg-green-lt"),
      part("removed", p.remove, "bg-red-lt"), part("unchanged", p.unchanged, "bg-secondary-lt"),
      p.dangers.length ? el("div", { class: "text-danger mt-2" }, "Needs an admin of this host: " + p.dangers.join(", ")) : null);
    document.getElementById("stack-plan-diff").textContent = p.diff || "The normalized file is the same as the deployed one.";
    planBox.hidden = false;
  }
  const planButton = document.getElementById("stack-plan-button");
  if (planButton) planButton.addEventListener("click", plan);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(errors, "");
    const found = problems(editor.getValue());
    if (found.length) { showError(errors, found[0].message + " (line " + (found[0].from.line + 1) + ")"); return; }
    const body = { compose: editor.getValue(), env: envField.value };
    let result;
    if (form.dataset.mode === "create") {
      const data = new FormData(form);
      result = await send("/api/v1/stacks/", { body: { ...body, host: Number(data.get("host")), name: data.get("name") } });
    } else {
      result = await send("/api/v1/stacks/" + form.dataset.stack + "/", { method: "PATCH", body });
    }
    if (!result.ok) { showError(errors, result.data.detail); return; }
    location.href = "/operations/" + result.data.id + "/";  // compose's progress, per service, live
  });
})();
