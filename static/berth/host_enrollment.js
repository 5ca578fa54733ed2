// Enrolling a host (the "Add host" form) and rotating its credentials (its page): the answer
// carries, once, the environment and command its worker needs. Nothing keeps it but this page.
(function () {
  "use strict";
  const { el } = window.BerthHosts;
  const { send } = window.BerthOps;

  function show(target, data) {
    const enrollment = data.enrollment;
    const env = Object.entries(enrollment.env).map(([name, value]) => name + "=" + value).join("\n");
    target.hidden = false;
    target.replaceChildren(
      el("p", { class: "mb-2" }, "Start the host worker of " + data.name + " on its Docker host with this command. " +
        "It is shown only now: copy it before leaving this page."),
      el("pre", { class: "mb-2", id: "enrollment-command", tabindex: "0" }, enrollment.command),
      el("details", {}, el("summary", {}, "As an environment file"), el("pre", { id: "enrollment-env", tabindex: "0" }, env)),
      enrollment.warning ? el("div", { class: "alert alert-warning mt-2", role: "alert" }, enrollment.warning) : null,
    );
  }

  function fail(target, result) {
    target.hidden = false;
    const detail = result.data.detail || Object.values(result.data).flat().join(" ");
    target.replaceChildren(el("div", { class: "alert alert-danger", role: "alert" }, detail));
  }

  const form = document.getElementById("add-host-form");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const target = document.getElementById("add-host-answer");
      const result = await send("/api/v1/hosts/", { body: { name: form.elements.name.value } });
      if (result.ok) { show(target, result.data); form.reset(); } else fail(target, result);
    });
  }
  const rotate = document.getElementById("host-rotate");
  if (rotate) {
    rotate.addEventListener("click", async () => {
      const target = document.getElementById("host-rotate-answer");
      const ok = await window.BerthDialog.confirm({
        title: rotate.textContent, message: "The host's worker stops being trusted now; it needs the new command.",
        submit: rotate.textContent, danger: true,
      });
      if (!ok) return;
      const result = await send("/api/v1/hosts/" + rotate.dataset.host + "/rotate/");
      if (result.ok) show(target, result.data); else fail(target, result);
    });
  }
})();
