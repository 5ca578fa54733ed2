// A form that starts an operation: sent as JSON, its refusal shown in the form, its operation
// opened when it starts. `fields(form.elements)` gives the body.
window.BerthForms = (function () {
  "use strict";
  const { send, showError } = window.BerthOps;

  // "a=b, c=d" (or one per line) as {a: "b", c: "d"}.
  function pairs(text) {
    const found = {};
    for (const part of String(text || "").split(/[,\n]/)) {
      const at = part.indexOf("=");
      if (part.trim()) found[(at < 0 ? part : part.slice(0, at)).trim()] = at < 0 ? "" : part.slice(at + 1).trim();
    }
    return found;
  }

  function wire(id, url, fields) {
    const form = document.getElementById(id);
    if (!form) return;
    const error = form.querySelector("[data-role=error]");
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const submit = form.querySelector("button[type=submit]");
      submit.disabled = true;
      const result = await send(url, { body: fields(form.elements) });
      submit.disabled = false;
      if (!result.ok) { showError(error, result.data.detail); return; }
      location.href = "/operations/" + result.data.id + "/";
    });
  }

  return { pairs, wire };
})();
