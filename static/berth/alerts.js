// The alerts pages: re-read when an alert changes (live over /ws/events/); acknowledge and mute
// call the API and show its sentence when refused.
(function () {
  "use strict";
  let timer = null;
  const here = document.getElementById("alert-id");

  function csrf() {
    const input = document.querySelector("[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function reload() { clearTimeout(timer); timer = setTimeout(() => window.location.reload(), 300); }

  document.addEventListener("berth:event", (e) => {
    if (e.detail.type !== "alert.updated") return;
    if (here && String(e.detail.alert.id) !== here.dataset.alertId) return;
    reload();
  });

  document.querySelectorAll("[data-alert-action]").forEach((button) => {
    button.addEventListener("click", async () => {
      button.disabled = true;
      const response = await fetch(button.dataset.alertAction, {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: button.dataset.body || "{}",
      }).catch((error) => ({ ok: false, json: async () => ({ detail: error.message }) }));
      if (response.ok) { window.location.reload(); return; }
      const data = await response.json().catch(() => ({}));
      const box = document.getElementById("alert-error");
      box.textContent = data.detail || "Refused.";
      box.classList.remove("d-none");
      button.disabled = false;
    });
  });
})();
