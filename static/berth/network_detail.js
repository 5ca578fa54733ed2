// A network's page: its facts, address pools and the containers on it (with links), and its
// actions: connect a container of its host, disconnect one, remove the network.
(function () {
  "use strict";
  const { el, ago } = window.BerthHosts;
  const { send, button } = window.BerthOps;
  const { ask } = window.BerthDialog;
  const url = JSON.parse(document.getElementById("detail-api").textContent);
  const toolbar = document.getElementById("object-actions");
  const errors = document.getElementById("actions-error");

  async function candidates(n) {
    const response = await fetch("/api/v1/containers/?page_size=1000&host=" + n.host, { headers: { Accept: "application/json" } });
    if (!response.ok) return [];
    const on = new Set(n.containers.map((c) => c.engine_id));
    return (await response.json()).results.filter((c) => !on.has(c.engine_id));
  }

  function actions(n) {
    if (n.removed_at) { toolbar.replaceChildren(); return; }
    const action = n.driver === "host" || n.name === "host" ? "container.privileged" : "network.manage";
    toolbar.replaceChildren(
      button("Connect", "plug-connected", { hostId: n.host, action, errors, name: "connect", start: async () => {
        const choices = await candidates(n);
        if (!choices.length) { errors.hidden = false; errors.textContent = "Every container of this host is on this network already."; return null; }
        const answer = await ask({ title: "Connect a container to " + n.name, submit: "Connect", fields: [
          { name: "container", label: "Container", type: "select", value: String(choices[0].id),
            options: choices.map((c) => [String(c.id), c.name + " (" + c.state + ")"]) },
          { name: "aliases", label: "Aliases (comma-separated)", help: "Other names it answers to on this network." },
          { name: "ipv4_address", label: "Static IPv4 address", help: n.subnets.length ? "Within " + n.subnets.join(", ") : "Only on a network with a configured subnet." },
        ] });
        if (!answer) return null;
        const aliases = answer.aliases.split(",").map((a) => a.trim()).filter(Boolean);
        return send(url + "connect/", { body: { container: Number(answer.container), aliases, ipv4_address: answer.ipv4_address.trim() } });
      } }),
      ...n.predefined ? [] : [button("Remove", "trash", { hostId: n.host, action: "network.manage", errors, danger: true, start: async () => {
        const answer = await ask({ title: "Remove network " + n.name + "?", submit: "Remove", danger: true,
          message: n.container_count ? "Containers still name it: " + n.containers.map((c) => c.name).join(", ") + "." : "" });
        return answer === null ? null : send(url, { method: "DELETE" });
      } })],
    );
  }

  function disconnect(n, c) {
    return button("Disconnect", "plug-connected-x", { hostId: n.host, action: "network.manage", errors, danger: true,
      name: "disconnect", start: async () => {
        const answer = await ask({ title: "Disconnect " + c.name + " from " + n.name + "?", submit: "Disconnect", danger: true,
          fields: [{ name: "force", label: "Force", type: "checkbox", value: false }] });
        return answer === null ? null : send(url + "disconnect/", { body: { container: c.id, force: answer.force } });
      } });
  }

  const page = window.BerthDetail({
    kind: "network",
    render(n) {
      actions(n);
      const containerLink = (c) => c.id ? el("a", { href: "/containers/" + c.id + "/" }, c.name) : c.name;
      return [
        page.card("Network", page.pairs([
          ["Id", el("span", { class: "font-monospace small" }, n.engine_id)], ["Driver", n.driver], ["Scope", n.scope],
          ["Internal", n.internal ? "yes" : "no"], ["Attachable", n.attachable ? "yes" : "no"], ["IPv6", n.ipv6 ? "yes" : "no"],
          ["Created", n.created ? el("span", { title: n.created }, ago(n.created)) : null],
        ])),
        page.card("Address pools", page.table(["Subnet", "Gateway", "IP range"],
          n.ipam.map((p) => [p.subnet, p.gateway, p.ip_range]), "No address pool configured")),
        page.card("Containers on it", el("div", { id: "network-containers" }, page.table(["Container", "IPv4", "IPv6", "MAC", ""],
          n.containers.map((c) => [containerLink(c), c.ipv4_address || "(not running)", c.ipv6_address, c.mac_address,
            n.removed_at || !c.id ? "" : disconnect(n, c)]), "No container is on this network")), "col-12"),
        page.card("Options", page.table(["Option", "Value"], Object.entries(n.options || {}), "No options")),
        page.card("Labels", page.table(["Label", "Value"], Object.entries(n.labels || {}), "No labels")),
      ];
    },
  });
})();
