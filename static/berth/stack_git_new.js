// A stack from a git repository: the form posts `git: {url, ref, path, credentials, poll_interval}`;
// the answer holds the webhook's URL and secret, shown this once, before the deploy's progress.
(function () {
  "use strict";
  const form = document.getElementById("stack-git-form");
  if (!form) return;
  const { send, showError } = window.BerthOps;
  const errors = document.getElementById("stack-git-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(errors, "");
    const data = new FormData(form);
    const git = { url: data.get("url"), ref: data.get("ref") || "main", path: data.get("path") || "compose.yaml",
      poll_interval: Number(data.get("poll_interval") || 0) };
    if (data.get("token")) git.credentials = { username: data.get("username") || "", token: data.get("token") };
    const result = await send("/api/v1/stacks/", { body: { host: Number(data.get("host")), name: data.get("name"), git } });
    if (!result.ok) { showError(errors, result.data.detail); return; }
    await window.BerthDialog.tell({ title: "Webhook of " + data.get("name"),
      message: "URL: " + result.data.webhook.url + "\nSecret (shown this once): " + result.data.webhook.secret
        + "\n\nGitHub/Gitea: content type application/json, this secret. GitLab: this secret as its token." });
    location.href = "/operations/" + result.data.id + "/";
  });
})();
