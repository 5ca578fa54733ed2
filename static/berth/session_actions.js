// The Sessions page's live actions: invite someone to watch one's own session, and end a session
// (both through /api/v1/sessions/{id}/…); what the API answers is said beside the buttons.
(function () {
  "use strict";

  function csrf() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  async function post(url, body) {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify(body || {}),
        credentials: "same-origin",
      });
      const data = await response.json().catch(() => ({}));
      return { ok: response.ok, data };
    } catch (error) {
      return { ok: false, data: { detail: "Berth cannot be reached: " + error.message } };
    }
  }

  function problem(data) {
    if (data.detail) return data.detail;
    const first = Object.values(data)[0];
    return Array.isArray(first) ? first[0] : "That did not work.";
  }

  function say(cell, text, ok) {
    const node = cell.querySelector("[data-role=session-said]");
    node.hidden = false;
    node.className = "small " + (ok ? "text-success" : "text-danger");
    node.textContent = text;
  }

  document.querySelectorAll("[data-role=session-invite]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const user = form.elements.user.value.trim();
      const { ok, data } = await post(form.dataset.url, { user });
      say(form.parentElement, ok ? user + " may watch this session." : problem(data), ok);
      if (ok) form.reset();
    });
  });

  document.querySelectorAll("[data-role=session-end]").forEach((button) => {
    button.addEventListener("click", async () => {
      button.disabled = true;
      const { ok, data } = await post(button.dataset.url);
      say(button.parentElement, ok ? "Ended." : problem(data), ok);
      if (!ok) button.disabled = false;
    });
  });
})();
