// The run form: the fields as the API takes them; a refusal is shown as the sentence it is.
(function () {
  "use strict";
  const form = document.getElementById("run-form");
  if (!form) return;
  const error = document.getElementById("run-error");
  const lines = (text) => text.split("\n").map((l) => l.trim()).filter(Boolean);
  const params = new URLSearchParams(location.search);
  if (params.get("image")) form.elements.image.value = params.get("image");
  if (params.get("host")) form.elements.host.value = params.get("host");

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = form.elements;
    const body = { host: Number(f.host.value), image: f.image.value.trim() };
    for (const key of ["name", "command", "entrypoint", "working_dir", "user", "memory", "network"]) {
      if (f[key].value.trim()) body[key] = f[key].value.trim();
    }
    if (f.cpus.value) body.cpus = Number(f.cpus.value);
    body.restart_policy = f.restart_policy.value;
    for (const key of ["env", "ports", "volumes", "labels"]) {
      const value = lines(f[key].value);
      if (value.length) body[key] = value;
    }
    for (const key of ["tty", "stdin_open", "auto_remove", "privileged"]) body[key] = f[key].checked;
    document.getElementById("run-submit").disabled = true;
    const result = await window.BerthOps.send("/api/v1/containers/", { body });
    document.getElementById("run-submit").disabled = false;
    if (!result.ok) { window.BerthOps.showError(error, result.data.detail); return; }
    location.href = "/operations/" + result.data.id + "/";
  });
})();
