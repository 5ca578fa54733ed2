// A stack's page: its services and their containers (linked), its state as the containers say,
// its versions (view, diff against the deployed one, roll back), and its actions by role.
(function () {
  "use strict";
  const { el, ago } = window.BerthHosts;
  const { send, button } = window.BerthOps;
  const { ask, tell } = window.BerthDialog;
  const url = JSON.parse(document.getElementById("detail-api").textContent);
  const toolbar = document.getElementById("object-actions");
  const errors = document.getElementById("actions-error");
  let filled = false;
  const logsHolder = el("div", { id: "stack-logs" });
  const followLogs = window.BerthStackLogs(logsHolder);

  function lineDiff(a, b) {
    // A plain line diff (longest common subsequence), enough for files of a few hundred lines.
    const x = a.split("\n"), y = b.split("\n");
    const m = x.map(() => new Array(y.length + 1).fill(0));
    m.push(new Array(y.length + 1).fill(0));
    for (let i = x.length - 1; i >= 0; i--) for (let j = y.length - 1; j >= 0; j--) {
      m[i][j] = x[i] === y[j] ? m[i + 1][j + 1] + 1 : Math.max(m[i + 1][j], m[i][j + 1]);
    }
    const out = [];
    let i = 0, j = 0;
    while (i < x.length && j < y.length) {
      if (x[i] === y[j]) { out.push("  " + x[i]); i++; j++; }
      else if (m[i + 1][j] >= m[i][j + 1]) out.push("- " + x[i++]);
      else out.push("+ " + y[j++]);
    }
    while (i < x.length) out.push("- " + x[i++]);
    while (j < y.length) out.push("+ " + y[j++]);
    return out.join("\n");
  }

  function clickable(label, action, onClick) {
    const node = el("button", { class: "btn btn-sm", type: "button", data: { action } }, label);
    node.addEventListener("click", onClick);
    return node;
  }

  function actions(s) {
    const opButton = (verb, icon, action, danger) => button(verb[0].toUpperCase() + verb.slice(1), icon,
      { hostId: s.host, action, errors, danger, name: verb, start: () => send(url + verb + "/") });
    toolbar.replaceChildren(
      ...s.managed ? [] : [button("Take over", "hand-grab", { hostId: s.host, action: "stack.adopt", errors, name: "adopt",
        start: () => send(url + "adopt/") })],
      opButton("start", "player-play", "stack.operate"), opButton("stop", "player-stop", "stack.operate"),
      opButton("restart", "refresh", "stack.operate"),
      ...s.managed ? [opButton("redeploy", "rocket", "stack.deploy"), opButton("pull", "download", "stack.deploy")] : [],
      ...s.git ? [button("New webhook secret", "key", { hostId: s.host, action: "stack.deploy", errors, name: "rotate-webhook",
        start: async () => {
          if (await ask({ title: "Give " + s.name + "'s webhook a new secret?", submit: "New secret", danger: true,
            message: "The secret the git host has now stops working." }) === null) return null;
          const result = await send(url + "webhook/rotate/");
          if (!result.ok) return result;
          await tell({ title: "Webhook of " + s.name, message: "URL: " + result.data.url + "\nSecret (shown this once): "
            + result.data.secret + "\n\nGitHub/Gitea: content type application/json, this secret. GitLab: this secret as its token." });
          return null;
        } })] : [],
      button("Down", "arrow-bar-to-down", { hostId: s.host, action: "stack.deploy", errors, danger: true, name: "down", start: async () => {
        const answer = await ask({ title: "Take " + s.name + " down?", submit: "Take down", danger: true,
          fields: [{ name: "volumes", label: "Also remove its named volumes", type: "checkbox", value: false }] });
        return answer === null ? null : send(url + (answer.volumes ? "?volumes=true" : ""), { method: "DELETE" });
      } }));
  }

  async function versions(s) {
    const response = await fetch(url + "versions/", { headers: { Accept: "application/json" } });
    if (!response.ok) return el("div", { class: "card-body text-secondary" }, "Versions cannot be read.");
    const rows = (await response.json()).results;
    const deployed = rows.find((v) => v.number === s.version);
    return el("div", { class: "table-responsive" }, el("table", { class: "table table-vcenter card-table", id: "stack-versions" },
      el("thead", {}, el("tr", {}, ...["Version", "State", "What", "Commit", "Who", "When", ""].map((h) => el("th", {}, h)))),
      el("tbody", {}, ...rows.map((v) => el("tr", { data: { version: v.number } },
        el("td", {}, "v" + v.number + (v.number === s.version ? " (deployed)" : "")), el("td", {}, v.state),
        el("td", {}, v.note), el("td", { title: v.commit }, el("code", {}, (v.commit || "").slice(0, 12))), el("td", {}, v.username), el("td", { title: v.created_at }, ago(v.created_at)),
        el("td", { class: "btn-list" },
          clickable("View", "view", () => tell({ title: s.name + " v" + v.number,
            message: v.compose + (v.env ? "\n--- .env ---\n" + v.env : "") })),
          deployed && deployed !== v ? clickable("Diff", "diff", () => tell({ title: "v" + deployed.number + " → v" + v.number,
            message: lineDiff(deployed.compose, v.compose) })) : null,
          s.managed && v.number !== s.version ? button("Roll back", "arrow-back-up", { hostId: s.host, action: "stack.deploy", errors,
            name: "rollback", start: () => send(url + "versions/" + v.number + "/rollback/") }) : null))))));
  }

  const page = window.BerthDetail({
    kind: "stack",
    render(s) {
      actions(s);
      followLogs(s);
      if (!filled && window.BerthStackEditor) { window.BerthStackEditor.set(s.compose, s.env); filled = true; }
      const holder = el("div", {}, el("div", { class: "card-body text-secondary" }, "Loading…"));
      versions(s).then((node) => holder.replaceChildren(node));
      const containerLink = (c) => el("a", { href: "/containers/" + c.id + "/", class: "me-2" }, c.name + " (" + c.state + (c.health ? ", " + c.health : "") + ")");
      return [
        page.card("Stack", page.pairs([
          ["State", el("span", { data: { role: "stack-state" } }, s.state)],
          ["Source", { berth: "written in Berth", git: "git", external: "found running (not managed yet)" }[s.source] || s.source],
          ["Version", s.version === null ? null : "v" + s.version],
          ["Commit", s.commit ? el("code", { data: { role: "stack-commit" }, title: s.commit }, s.commit.slice(0, 12)) : null],
          ["Compose files", s.config_files.join(", ")], ["Working directory", s.working_dir],
        ])),
        page.card("Services", el("div", { id: "stack-services" }, page.table(["Service", "Image", "State", "Containers"],
          s.services.map((v) => [v.name, v.image, v.state, el("span", {}, ...v.containers.map(containerLink))]), "No service runs"))),
        s.git ? page.card("From git", page.pairs([
          ["Repository", s.git.url], ["Branch or tag", s.git.ref], ["Compose file", s.git.path],
          ["Credentials", s.git.has_credentials ? (s.git.username || "a token") + " (kept sealed)" : "none"],
          ["Last fetched", s.git.last_commit ? el("code", { title: s.git.last_commit }, s.git.last_commit.slice(0, 12)) : null],
          ["Checked", s.git.last_checked_at ? ago(s.git.last_checked_at) : null],
          ["Poll", s.git.poll_interval ? "every " + s.git.poll_interval + " s" : "off"],
          ["Webhook", el("code", { id: "stack-webhook-url" }, s.git.webhook_url)],
          ["Last error", s.git.last_error ? el("span", { class: "text-danger" }, s.git.last_error) : null],
        ])) : null,
        page.card("Versions", holder, "col-12"),
        page.card("Logs", logsHolder, "col-12"),
        s.compose ? page.card("compose.yaml", el("div", { class: "card-body" }, el("pre", { class: "small mb-0", id: "stack-compose-shown" }, s.compose)), "col-lg-8") : null,
        s.env ? page.card(".env", el("div", { class: "card-body" }, el("pre", { class: "small mb-0", id: "stack-env-shown" }, s.env)), "col-lg-4") : null,
      ].filter(Boolean);
    },
  });
  // Its containers' events change its state: read the stack again.
  document.addEventListener("berth:event", (e) => {
    if (e.detail.type.startsWith("container.")) document.dispatchEvent(new CustomEvent("berth:live", { detail: { resync: true } }));
  });
})();
