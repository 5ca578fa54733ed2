// The Sessions page's live actions: invite someone to watch one's own session, take the invitation
// back (which cuts them off at once), and end a session once asked to confirm (all through
// /api/v1/sessions/{id}/…); what the API answers is said beside the buttons.
(function () {
  "use strict";

  function csrf() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  async function post(url, body, method) {
    try {
      const response = await fetch(url, {
        method: method || "POST",
        headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify(body || {}),
        credentials: "same-origin",
      });
      const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
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
      if (ok) {
        form.reset();
        const list = form.parentElement.querySelector("[data-role=session-invitees]");
        if (list && !list.querySelector('[data-invitee="' + CSS.escape(user) + '"]')) list.append(invitee(user));
      }
    });
  });

  function invitee(name) {
    const badge = document.createElement("span");
    badge.className = "badge bg-blue-lt ms-1";
    badge.dataset.invitee = name;
    badge.textContent = name + " ";
    const revoke = document.createElement("button");
    revoke.type = "button";
    revoke.className = "btn-close btn-close-sm ms-1";
    revoke.dataset.role = "session-revoke";
    revoke.setAttribute("aria-label", "Stop " + name + " watching this session");
    badge.append(revoke);
    return badge;
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-role=session-revoke]");
    if (!button) return;
    const badge = button.closest("[data-invitee]");
    const list = button.closest("[data-role=session-invitees]");
    const name = badge.dataset.invitee;
    button.disabled = true;
    const { ok, data } = await post(list.dataset.url + encodeURIComponent(name) + "/", null, "DELETE");
    say(list.parentElement, ok ? name + " may no longer watch this session." : problem(data), ok);
    if (ok) badge.remove();
    else button.disabled = false;
  });

  document.querySelectorAll("[data-role=session-end]").forEach((button) => {
    button.addEventListener("click", async () => {
      const sure = await window.BerthDialog.confirm({
        title: "End this session?",
        message: "Its process in the container is ended now, and whoever has it open is told that you ended it.",
        submit: "End session",
        danger: true,
      });
      if (!sure) return;
      button.disabled = true;
      const { ok, data } = await post(button.dataset.url);
      say(button.parentElement, ok ? "Ended." : problem(data), ok);
      if (!ok) button.disabled = false;
    });
  });
})();
