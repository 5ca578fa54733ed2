// Pull, build, import and prune forms: each starts an operation and opens its live view.
(function () {
  "use strict";
  const { send, showError } = window.BerthOps;

  function wire(id, submit) {
    const form = document.getElementById(id);
    if (!form) return;
    const error = form.querySelector("[data-role=error]");
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      const result = await submit(form.elements);
      button.disabled = false;
      if (!result.ok) { showError(error, result.data.detail); return; }
      location.href = "/operations/" + result.data.id + "/";
    });
  }

  const params = new URLSearchParams(location.search);
  if (params.get("reference")) document.getElementById("pull-reference").value = params.get("reference");
  if (params.get("registry")) document.getElementById("pull-registry").value = params.get("registry");

  wire("pull-form", (f) => {
    const body = { host: Number(f.host.value), reference: f.reference.value.trim() };
    if (f.registry.value) body.registry = Number(f.registry.value);
    return send("/api/v1/images/pull/", { body });
  });
  wire("prune-form", (f) => send("/api/v1/images/prune/", { body: { host: Number(f.host.value) } }));
  wire("import-form", (f) => {
    const data = new FormData();
    data.set("host", f.host.value);
    if (f.archive.files[0]) data.set("archive", f.archive.files[0]);
    return send("/api/v1/images/import/", { form: data });
  });
  wire("build-form", (f) => {
    const data = new FormData();
    data.set("host", f.host.value);
    data.set("tag", f.tag.value.trim());
    data.set("dockerfile", f.dockerfile.value);
    data.set("buildargs", f.buildargs.value);
    if (f.context.files[0]) data.set("context", f.context.files[0]);
    for (const file of document.getElementById("build-folder").files) {
      data.append("files", file);
      data.append("paths", file.webkitRelativePath || file.name);
    }
    return send("/api/v1/images/build/", { form: data });
  });
})();
