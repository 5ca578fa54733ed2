// A volume's page: its facts, the containers that mount it (with links) and where, and Remove
// (refused while containers use it unless forced, which removes them too).
(function () {
  "use strict";
  const { el, ago, bytes } = window.BerthHosts;
  const { send, button } = window.BerthOps;
  const { ask } = window.BerthDialog;
  const url = JSON.parse(document.getElementById("detail-api").textContent);
  const toolbar = document.getElementById("object-actions");
  const errors = document.getElementById("actions-error");

  function actions(v) {
    if (v.removed_at) { toolbar.replaceChildren(); return; }
    toolbar.replaceChildren(button("Remove", "trash", { hostId: v.host, action: "volume.manage", errors, danger: true, start: async () => {
      const users = v.containers.map((c) => c.name).join(", ");
      const answer = await ask({ title: "Remove volume " + v.name + "?", submit: "Remove", danger: true,
        message: users ? "Containers use it: " + users + "." : "Its data is lost.",
        fields: users ? [{ name: "force", label: "Force: remove " + users + " too", type: "checkbox", value: false }] : [] });
      if (answer === null) return null;
      return send(url + "?force=" + Boolean(answer.force), { method: "DELETE" });
    } }));
  }

  const page = window.BerthDetail({
    kind: "volume",
    render(v) {
      actions(v);
      return [
        page.card("Volume", page.pairs([
          ["Name", el("span", { class: "font-monospace small" }, v.name)], ["Driver", v.driver], ["Scope", v.scope],
          ["Mountpoint", el("span", { class: "font-monospace small" }, v.mountpoint)],
          ["Size", v.size === null ? "not told by the engine" : bytes(v.size)],
          ["Created", v.created ? el("span", { title: v.created }, ago(v.created)) : null],
          ["Dangers", v.dangers.length ? el("span", { class: "text-danger" }, v.dangers.join(", ")) : null],
        ])),
        page.card("Driver options", page.table(["Option", "Value"], Object.entries(v.options || {}), "No driver options")),
        page.card("Containers that mount it", el("div", { id: "volume-containers" }, page.table(["Container", "Mounted at", "Mode"],
          v.containers.map((c) => [c.id ? el("a", { href: "/containers/" + c.id + "/" }, c.name) : c.name,
            el("span", { class: "font-monospace small" }, c.destination), c.rw ? "read-write" : "read-only"]),
          "No container uses it (dangling)")), "col-12"),
        page.card("Labels", page.table(["Label", "Value"], Object.entries(v.labels || {}), "No labels"), "col-12"),
      ];
    },
  });
})();
