// The alert settings pages: "Send a test" asks the API to send a test message to the channel now
// and shows how it went beside the button (sent, or the channel's answer when it failed).
(function () {
  "use strict";

  function csrf() {
    const input = document.querySelector("[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function show(box, ok, text) {
    box.textContent = text;
    box.className = ok ? "text-success" : "text-danger";
  }

  document.querySelectorAll("[data-channel-test]").forEach((button) => {
    const box = button.closest("[data-channel]").querySelector("[data-test-outcome]");
    button.addEventListener("click", async () => {
      button.disabled = true;
      show(box, true, "Sending…");
      const response = await fetch(button.dataset.channelTest, {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: "{}",
      }).catch((error) => ({ ok: false, json: async () => ({ detail: error.message }) }));
      const data = await response.json().catch(() => ({}));
      if (!response.ok) show(box, false, data.detail || "Refused.");
      else if (data.state === "sent") show(box, true, "Test sent.");
      else show(box, false, `Test failed: ${data.error || data.state}`);
      button.disabled = false;
    });
  });
})();
