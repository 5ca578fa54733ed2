// Registry pages: "Test connection" buttons and the "Pull to host…" dialog, both through the API.
(function () {
  "use strict";

  function csrf() {
    const input = document.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body || {}),
    });
    let data = {};
    try { data = await response.json(); } catch (e) { /* not JSON: the status says enough */ }
    return { response, data };
  }

  function show(node, text, good) {
    node.textContent = text;
    node.className = node.className.replace(/\btext-(success|danger|secondary)\b/g, "").trim()
      + (good === null ? " text-secondary" : good ? " text-success" : " text-danger");
  }

  for (const button of document.querySelectorAll("[data-test-connection]")) {
    button.addEventListener("click", async () => {
      const result = button.closest("[data-registry]").querySelector(".connection-result");
      show(result, "Asking the registry…", null);
      button.disabled = true;
      try {
        const { data } = await post(button.dataset.testConnection);
        const answered = data.answered ? "The registry answered." : "The registry did not answer.";
        const credentials = {
          accepted: " Credentials accepted.",
          refused: " Credentials refused.",
          "none saved": " No credentials saved (anonymous access).",
        }[data.credentials] || "";
        show(result, data.ok ? data.detail : answered + credentials + " " + (data.detail || ""), Boolean(data.ok));
      } catch (e) {
        show(result, "Berth did not answer: " + e, false);
      } finally {
        button.disabled = false;
      }
    });
  }

  const dialog = document.getElementById("pull-dialog");
  if (!dialog) return;
  const result = document.getElementById("pull-result");
  let reference = "";

  for (const button of document.querySelectorAll("[data-pull]")) {
    button.addEventListener("click", () => {
      reference = button.dataset.pull;
      document.getElementById("pull-reference").textContent = reference;
      result.textContent = "";
      dialog.showModal();
    });
  }
  document.getElementById("pull-cancel").addEventListener("click", () => dialog.close());
  document.getElementById("pull-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      host: Number(document.getElementById("pull-host").value),
      reference: reference,
      registry: Number(dialog.dataset.registry),
    };
    show(result, "Asking the host to pull…", null);
    try {
      const { response, data } = await post(dialog.dataset.endpoint, body);
      if (response.status === 404 || response.status === 405) {
        show(result, "This Berth cannot pull from the portal yet (no pull endpoint): pull " + reference
          + " on the host with docker pull.", false);
      } else if (response.ok) {
        show(result, "Pull of " + reference + " started" + (data.id ? " (operation " + data.id + ")." : "."), true);
      } else {
        show(result, data.detail || "The pull was refused (HTTP " + response.status + ").", false);
      }
    } catch (e) {
      show(result, "Berth did not answer: " + e, false);
    }
  });
})();
