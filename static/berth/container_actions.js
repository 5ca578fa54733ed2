// Container actions: the buttons on the list's rows and on the container's page (each disabled,
// with the reason, when the user's role on the host does not allow it), and the changes tree.
window.BerthContainerActions = (function () {
  "use strict";
  const { el } = window.BerthHosts;
  const { send, button } = window.BerthOps;
  const { ask, confirm } = window.BerthDialog;
  const LIVE = ["running", "paused", "restarting"];
  const errors = () => document.getElementById("actions-error");

  function api(c, path) { return "/api/v1/containers/" + c.id + "/" + (path ? path + "/" : ""); }

  const ACTIONS = {
    start: { label: "Start", icon: "player-play", action: "container.operate", when: (c) => !LIVE.includes(c.state),
      run: (c) => send(api(c, "start")) },
    stop: { label: "Stop", icon: "player-stop", action: "container.operate", when: (c) => LIVE.includes(c.state),
      run: (c) => send(api(c, "stop"), { body: {} }) },
    restart: { label: "Restart", icon: "refresh", action: "container.operate", when: () => true,
      run: (c) => send(api(c, "restart"), { body: {} }) },
    kill: { label: "Kill", icon: "skull", action: "container.operate", when: (c) => LIVE.includes(c.state), danger: true,
      run: async (c) => {
        const answer = await ask({ title: "Kill " + c.name, submit: "Kill", danger: true,
          fields: [{ name: "signal", label: "Signal to send", value: "SIGKILL", help: "A name like SIGTERM or HUP, or a number." }] });
        return answer === null ? null : send(api(c, "kill"), { body: { signal: answer.signal } });
      } },
    pause: { label: "Pause", icon: "player-pause", action: "container.operate", when: (c) => c.state === "running",
      run: (c) => send(api(c, "pause")) },
    unpause: { label: "Unpause", icon: "player-play", action: "container.operate", when: (c) => c.state === "paused",
      run: (c) => send(api(c, "unpause")) },
    rename: { label: "Rename", icon: "forms", action: "container.manage", when: () => true,
      run: async (c) => {
        const answer = await ask({ title: "Rename " + c.name, submit: "Rename", fields: [{ name: "name", label: "New name", value: c.name, required: true }] });
        return answer === null ? null : send(api(c), { method: "PATCH", body: { name: answer.name } });
      } },
    commit: { label: "Commit", icon: "git-commit", action: "container.manage", when: () => true,
      run: async (c) => {
        const answer = await ask({ title: "Commit " + c.name + " to a new image", submit: "Commit", fields: [
          { name: "reference", label: "Image name (repository[:tag])", value: c.name + "-snapshot:latest" },
          { name: "message", label: "Commit message (optional)", value: "" }] });
        if (answer === null) return null;
        const reference = answer.reference;
        const at = reference.lastIndexOf(":");
        const [repository, tag] = at > reference.lastIndexOf("/") ? [reference.slice(0, at), reference.slice(at + 1)] : [reference, ""];
        return send(api(c, "commit"), { body: { repository, tag, message: answer.message } });
      } },
    remove: { label: "Remove", icon: "trash", action: "container.manage", when: () => true, danger: true,
      run: async (c) => {
        const live = LIVE.includes(c.state);
        const answer = await ask({ title: "Remove container " + c.name + "?", submit: "Remove", danger: true,
          message: live ? "It is " + c.state + ": it will be killed." : "",
          fields: [{ name: "volumes", label: "Also remove its anonymous volumes", type: "checkbox", value: false }] });
        if (answer === null) return null;
        return send(api(c) + "?force=" + live + "&volumes=" + answer.volumes, { method: "DELETE" });
      } },
  };

  function buttons(c, names, small) {
    if (c.removed_at) return [];
    return names.filter((n) => ACTIONS[n].when(c)).map((n) => {
      const a = ACTIONS[n];
      const node = button(small ? "" : a.label, a.icon, {
        hostId: c.host, action: a.action, danger: a.danger, name: n, errors: errors(), start: () => a.run(c),
      });
      if (small) (node.tagName === "BUTTON" ? node : node.firstChild).setAttribute("aria-label", a.label);
      return node;
    });
  }

  function rowButtons(c) {
    return el("div", { class: "btn-list flex-nowrap" }, ...buttons(c, ["start", "stop", "restart", "remove"], true));
  }

  // The container's page: a toolbar that follows the container's state (as the page's one load of
  // it tells: detail_page.js), and its changes.
  const toolbar = document.getElementById("object-actions");
  const apiNode = document.getElementById("detail-api");
  if (toolbar && apiNode) {
    const url = JSON.parse(apiNode.textContent);
    window.BerthDetail.follow((c) => toolbar.replaceChildren(...buttons(c, Object.keys(ACTIONS), false)));

    const changes = document.getElementById("container-changes");
    document.getElementById("container-changes-load").addEventListener("click", async () => {
      changes.textContent = "Asking the host…";
      const result = await send(url + "diff/", { method: "GET" });
      if (!result.ok) { changes.replaceChildren(el("span", { class: "text-danger" }, result.data.detail)); return; }
      changes.replaceChildren(tree(result.data.changes));
    });
  }

  // Paths as a tree: each directory once, each change marked added, changed or deleted.
  function tree(list) {
    if (!list.length) return el("span", { class: "text-secondary", id: "container-changes-empty" }, "No changes: the filesystem is as the image made it.");
    const root = { children: new Map() };
    for (const change of list) {
      let node = root;
      for (const part of change.path.split("/").filter(Boolean)) {
        if (!node.children.has(part)) node.children.set(part, { children: new Map() });
        node = node.children.get(part);
      }
      node.kind = change.kind;
      node.path = change.path;
    }
    const mark = { added: "A", changed: "C", deleted: "D" };
    function render(node) {
      return el("ul", {}, ...[...node.children.entries()].sort().map(([name, child]) => el("li", {},
        el("span", { class: child.kind ? "change-" + child.kind : "", data: child.kind ? { path: child.path, kind: child.kind } : {} },
          child.kind ? "[" + mark[child.kind] + "] " : "", name, child.children.size ? "/" : ""),
        child.children.size ? render(child) : null)));
    }
    return render(root);
  }

  return { rowButtons, tree };
})();
