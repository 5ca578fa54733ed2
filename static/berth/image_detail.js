// An image's page: tags, facts, and its read-only layers from base to top.
(function () {
  "use strict";
  const { el, ago, bytes } = window.BerthHosts;
  const history = JSON.parse(document.getElementById("detail-api").textContent) + "history/";
  let layers = el("div", { class: "card-body text-secondary" }, "Loading layers…");

  async function loadLayers() {
    const response = await fetch(history, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const data = await response.json();
    const rows = (data.layers || data).map((layer, index) => [
      String(index + 1),
      el("span", { class: "font-monospace small", title: layer.diff_id || "" },
        layer.diff_id ? layer.diff_id.replace("sha256:", "").slice(0, 12) : "(no layer)"),
      el("span", { class: "text-nowrap" }, bytes(layer.size)),
      el("code", { class: "small" }, layer.created_by || layer.comment || ""),
      el("div", {}, ...(layer.shared_with || []).map((other) => el("a", {
        href: "/images/" + other.id + "/", class: "badge bg-azure-lt me-1 text-decoration-none",
      }, other.tags && other.tags.length ? other.tags[0] : other.engine_id ? other.engine_id.slice(7, 19) : "image " + other.id))),
    ]);
    layers = page.table(["#", "Layer", "Size", "Instruction", "Shared with"], rows, "No layers recorded");
    const holder = document.getElementById("image-layers");
    if (holder) holder.replaceChildren(layers);
  }

  const page = window.BerthDetail({
    kind: "image",
    render(i) {
      loadLayers();
      return [
        page.card("Tags", el("div", { class: "card-body", id: "image-tags" }, i.tags.length
          ? el("div", {}, ...i.tags.map((t) => el("span", { class: "badge bg-blue-lt me-1" }, t)))
          : el("span", { class: "badge bg-secondary-lt" }, "<none> dangling: no tag points at this image"))),
        page.card("Image", page.pairs([
          ["Id", el("span", { class: "font-monospace small" }, i.engine_id)], ["Size", bytes(i.size)],
          ["Created", i.created ? el("span", { title: i.created }, ago(i.created)) : null],
          ["Digests", (i.digests || []).join("\n")], ["Layers", i.layer_count],
        ])),
        page.card("Layers, base to top", el("div", { id: "image-layers" }, layers), "col-12"),
        page.card("Labels", page.table(["Label", "Value"], Object.entries(i.labels || {}), "No labels"), "col-12"),
      ];
    },
  });
})();
