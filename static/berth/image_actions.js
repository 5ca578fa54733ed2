// Image actions on the image's page: run, tag, push, export, remove (or untag one name).
(function () {
  "use strict";
  const { send, button } = window.BerthOps;
  const { ask } = window.BerthDialog;
  const toolbar = document.getElementById("object-actions");
  const url = JSON.parse(document.getElementById("detail-api").textContent);
  const errors = document.getElementById("actions-error");

  function render(i) {
    if (i.removed_at) { toolbar.replaceChildren(); return; }
    const first = i.tags[0] || "";
    const make = (label, icon, action, start, options = {}) =>
      button(label, icon, { hostId: i.host, action, errors, start, ...options });
    toolbar.replaceChildren(
      make("Run", "player-play", "container.manage", async () => {
        location.href = "/containers/run/?host=" + i.host + "&image=" + encodeURIComponent(first || i.engine_id);
        return null;
      }),
      make("Tag", "tag", "image.manage", async () => {
        const answer = await ask({ title: "Tag this image", submit: "Tag",
          fields: [{ name: "reference", label: "New name (repository[:tag])", value: first, required: true }] });
        const reference = answer && answer.reference;
        if (!reference) return null;
        const at = reference.lastIndexOf(":");
        const [repository, tag] = at > reference.lastIndexOf("/") ? [reference.slice(0, at), reference.slice(at + 1)] : [reference, "latest"];
        return send(url + "tag/", { body: { repository, tag } });
      }),
      make("Push", "upload", "image.manage", async () => {
        const answer = await ask({ title: "Push this image", submit: "Push",
          fields: [{ name: "reference", label: "Push as (registry/repository:tag)", value: first, required: true }] });
        return answer && answer.reference ? send(url + "push/", { body: { reference: answer.reference } }) : null;
      }),
      make("Export", "file-export", "image.manage", () => send(url + "export/")),
      ...i.tags.length > 1 ? [make("Untag", "tag-off", "image.manage", async () => {
        const answer = await ask({ title: "Remove one name of this image", submit: "Untag", danger: true,
          message: "Its names: " + i.tags.join(", ") + ".",
          fields: [{ name: "tag", label: "Name to remove", value: i.tags[i.tags.length - 1], required: true }] });
        const tag = answer && answer.tag;
        return tag ? send(url + "?tag=" + encodeURIComponent(tag), { method: "DELETE" }) : null;
      }, { danger: true, name: "untag" })] : [],
      make("Remove", "trash", "image.manage", async () => {
        const answer = await ask({ title: "Remove this image" + (i.tags.length ? " (" + i.tags.join(", ") + ")" : "") + "?",
          submit: "Remove", danger: true,
          fields: [{ name: "force", label: "Force: remove even if containers use it or it has several names", type: "checkbox", value: false }] });
        if (answer === null) return null;
        return send(url + "?force=" + answer.force, { method: "DELETE" });
      }, { danger: true }),
    );
  }

  // The page's one load of the image (detail_page.js) tells what the toolbar shows.
  window.BerthDetail.follow(render);
})();
