// A container's page: its inspect data in readable sections.
(function () {
  "use strict";
  const { el, ago } = window.BerthHosts;
  const { stateBadge, ports } = window.BerthContainers;
  const page = window.BerthDetail({
    kind: "container",
    render(c) {
      const inspect = c.inspect || {};
      const config = inspect.Config || {};
      const hostConfig = inspect.HostConfig || {};
      const restart = hostConfig.RestartPolicy || {};
      const health = (inspect.State || {}).Health;
      const env = (config.Env || []).map((line) => { const i = line.indexOf("="); return [line.slice(0, i), line.slice(i + 1)]; });
      const networks = Object.entries((inspect.NetworkSettings || {}).Networks || {});
      const when = (iso) => iso ? el("span", { title: iso }, new Date(iso).toLocaleString() + " (" + ago(iso) + ")") : null;
      return [
        page.card("Overview", page.pairs([
          ["State", el("span", { id: "container-state" }, stateBadge(c), " ", c.status)],
          ["Image", c.image], ["Image id", el("span", { class: "font-monospace" }, c.image_id)],
          ["Command", el("code", {}, c.command)], ["Created", when(c.created)],
          ["Started", when(c.started_at)], ["Finished", when(c.finished_at)],
          ["Exit code", c.exit_code], ["Restarts", c.restart_count], ["Health", c.health],
          ["Id", el("span", { class: "font-monospace small" }, c.engine_id)],
        ])),
        page.card("Config", page.pairs([
          ["Entrypoint", (config.Entrypoint || []).join(" ")], ["Cmd", (config.Cmd || []).join(" ")],
          ["Working dir", config.WorkingDir], ["User", config.User], ["Hostname", config.Hostname],
          ["TTY", config.Tty ? "yes" : "no"], ["Stdin open", config.OpenStdin ? "yes" : "no"],
          ["Restart policy", restart.Name ? restart.Name + (restart.MaximumRetryCount ? " (max " + restart.MaximumRetryCount + ")" : "") : "no"],
          ["Memory limit", hostConfig.Memory ? window.BerthHosts.bytes(hostConfig.Memory) : "none"],
          ["CPUs", hostConfig.NanoCpus ? hostConfig.NanoCpus / 1e9 : "no limit"],
          ["Privileged", hostConfig.Privileged ? "yes" : "no"], ["Network mode", hostConfig.NetworkMode],
        ])),
        page.card("Environment", page.table(["Name", "Value"], env, "No environment variables"), "col-12"),
        page.card("Ports", el("div", { class: "card-body" }, ports(c.ports))),
        page.card("Mounts", page.table(["Type", "Source", "Destination", "Mode"],
          (c.mounts || []).map((m) => [m.type, m.type === "volume" && m.name
            ? el("a", { href: "/volumes/on/" + c.host + "/" + encodeURIComponent(m.name) + "/", class: "font-monospace" }, m.name)
            : m.name || m.source, m.destination, m.rw ? "rw" : "ro"]), "No mounts")),
        page.card("Networks", page.table(["Network", "IP address", "Gateway", "MAC"],
          networks.map(([name, n]) => [el("a", { href: "/networks/on/" + c.host + "/" + encodeURIComponent(name) + "/" }, name),
            n.IPAddress, n.Gateway, n.MacAddress]), "No networks")),
        page.card("Labels", page.table(["Label", "Value"], Object.entries(c.labels || {}), "No labels")),
        health ? page.card("Health", page.table(["Started", "Exit", "Output"],
          (health.Log || []).map((h) => [h.Start, h.ExitCode, h.Output]), "No checks yet"), "col-12") : el("span"),
      ];
    },
  });
})();
