// A host's network map, drawn as SVG: each network a horizontal line (a bus) with its name and
// subnet on the left, each container a box along the top, dropping a line onto every network
// it is on, with its address at the joint. Boxes and names link to their pages. Redrawn when
// an event says a network or container of the host changed.
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  const holder = document.getElementById("network-map");
  const select = document.getElementById("map-host");
  if (!holder || !select) return;
  const LEFT = 200, BOX_W = 140, BOX_H = 40, GAP = 24, TOP = 16, BUS_TOP = TOP + BOX_H + 48, BUS_GAP = 56;
  // Dark enough for text on white (4.5:1 at least): the names are drawn in their line's colour.
  const COLORS = ["#1a56a8", "#1e7b34", "#a84300", "#8a2aa3", "#087f5b", "#b02a2a", "#2f4ac0", "#805200"];
  let timer = null;

  function node(tag, attrs, text) {
    const n = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) n.setAttribute(key, value);
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function link(href, child) {
    const a = node("a", { href });
    a.append(child);
    return a;
  }

  async function all(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
    if (!response.ok) return null;
    return (await response.json()).results;
  }

  function draw(networks, states) {
    // The containers, in name order, each with the networks it is on.
    const containers = new Map();
    networks.forEach((n, index) => {
      for (const c of n.containers) {
        const key = c.engine_id;
        if (!containers.has(key)) containers.set(key, { ...c, joints: [] });
        containers.get(key).joints.push({ index, address: c.ipv4_address || c.ipv6_address });
      }
    });
    const boxes = [...containers.values()].sort((a, b) => a.name.localeCompare(b.name));
    const width = Math.max(LEFT + boxes.length * (BOX_W + GAP) + GAP, 640);
    const height = BUS_TOP + Math.max(networks.length, 1) * BUS_GAP;
    const svg = node("svg", { viewBox: `0 0 ${width} ${height}`, width, height, class: "berth-map-svg", id: "network-map-svg" });
    svg.append(node("title", {}, "Network map"));
    networks.forEach((n, index) => {
      const y = BUS_TOP + index * BUS_GAP, color = COLORS[index % COLORS.length];
      const group = node("g", { class: "berth-map-network", "data-network": n.name });
      group.append(node("line", { x1: LEFT - 10, y1: y, x2: width - 10, y2: y, stroke: color, "stroke-width": 4, "stroke-linecap": "round" }));
      group.append(link("/networks/" + n.id + "/", node("text", { x: 8, y: y - 4, class: "berth-map-name", fill: color }, n.name)));
      group.append(node("text", { x: 8, y: y + 14, class: "berth-map-note" }, [n.driver, ...n.subnets].join(" · ")));
      svg.append(group);
    });
    boxes.forEach((c, column) => {
      const x = LEFT + GAP + column * (BOX_W + GAP), middle = x + BOX_W / 2;
      const running = (states.get(c.engine_id) || (c.joints.some((j) => j.address) ? "running" : "")) === "running";
      const group = node("g", { class: "berth-map-container" + (running ? "" : " berth-map-stopped"), "data-container": c.name });
      for (const joint of c.joints) {
        const y = BUS_TOP + joint.index * BUS_GAP, color = COLORS[joint.index % COLORS.length];
        group.append(node("line", { x1: middle, y1: TOP + BOX_H, x2: middle, y2: y, stroke: color, "stroke-width": 2 }));
        group.append(node("circle", { cx: middle, cy: y, r: 5, fill: color }));
        if (joint.address) group.append(node("text", { x: middle + 8, y: y - 6, class: "berth-map-note" }, joint.address));
      }
      const box = node("g", {});
      box.append(node("rect", { x, y: TOP, width: BOX_W, height: BOX_H, rx: 6, class: "berth-map-box" }));
      const label = c.name.length > 18 ? c.name.slice(0, 17) + "…" : c.name;
      box.append(node("text", { x: middle, y: TOP + BOX_H / 2 + 4, "text-anchor": "middle", class: "berth-map-label" }, label));
      box.append(node("title", {}, c.name + (running ? "" : " (not running)")));
      group.append(c.id ? link("/containers/" + c.id + "/", box) : box);
      svg.append(group);
    });
    if (!networks.length) svg.append(node("text", { x: 8, y: BUS_TOP, class: "berth-map-note" }, "No network on this host."));
    holder.replaceChildren(svg);
  }

  async function load() {
    const host = select.value;
    history.replaceState(null, "", "?host=" + host);
    const [networks, containers] = await Promise.all([
      all("/api/v1/networks/?page_size=1000&host=" + host),
      all("/api/v1/containers/?page_size=1000&host=" + host),
    ]);
    if (networks === null) { holder.textContent = "The networks of this host cannot be read."; return; }
    draw(networks, new Map((containers || []).map((c) => [c.engine_id, c.state])));
  }

  const wanted = new URLSearchParams(location.search).get("host");
  if (wanted && select.querySelector(`option[value="${CSS.escape(wanted)}"]`)) select.value = wanted;
  select.addEventListener("change", load);
  document.addEventListener("berth:event", (e) => {
    const t = e.detail.type;
    if (t.startsWith("network.") || t.startsWith("container.") || t === "inventory.changed") {
      clearTimeout(timer);
      timer = setTimeout(load, 150);
    }
  });
  document.addEventListener("berth:live", (e) => { if (e.detail.resync) load(); });
  load();
})();
