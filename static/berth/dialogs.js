// Real dialogs instead of the browser's prompt() and confirm(): a native <dialog>, labelled,
// keyboard-friendly (Escape cancels, Enter submits), that a screen reader announces.
window.BerthDialog = (function () {
  "use strict";
  let counter = 0;

  function node(tag, attrs, ...children) {
    const n = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") n.className = value;
      else if (value !== false && value !== null && value !== undefined) n.setAttribute(key, value === true ? "" : value);
    }
    n.append(...children.filter((c) => c !== null && c !== undefined));
    return n;
  }

  // ask({title, message?, fields: [{name, label, value?, type?: "text"|"checkbox"|"select", options?, help?}],
  //      submit?, danger?}); a select's options are [value, label] pairs.
  // resolves to {name: value…} (checkboxes give true/false), or null when cancelled.
  function ask({ title, message = "", fields = [], submit = "OK", danger = false }) {
    const id = "berth-dialog-" + (++counter);
    const inputs = fields.map((f) => {
      const inputId = id + "-" + f.name;
      const input = f.type === "checkbox"
        ? node("input", { type: "checkbox", class: "form-check-input", id: inputId, name: f.name, checked: !!f.value })
        : f.type === "select"
        ? node("select", { class: "form-select", id: inputId, name: f.name, required: f.required ? true : null },
          ...(f.options || []).map(([value, text]) => node("option", { value, selected: value === f.value }, text)))
        : node("input", { type: "text", class: "form-control", id: inputId, name: f.name, value: f.value ?? "",
          required: f.required ? true : null, autocomplete: "off", spellcheck: "false" });
      const help = f.help ? node("div", { class: "form-hint", id: inputId + "-help" }, f.help) : null;
      if (help) input.setAttribute("aria-describedby", inputId + "-help");
      const label = node("label", { class: f.type === "checkbox" ? "form-check-label" : "form-label", for: inputId }, f.label);
      return { f, input, row: f.type === "checkbox"
        ? node("div", { class: "form-check mb-3" }, input, label, help)
        : node("div", { class: "mb-3" }, label, input, help) };
    });
    const cancel = node("button", { type: "button", class: "btn", value: "cancel" }, "Cancel");
    const ok = node("button", { type: "submit", class: "btn " + (danger ? "btn-danger" : "btn-primary"), value: "ok" }, submit);
    const form = node("form", { method: "dialog" },
      node("h3", { class: "mb-3", id: id + "-title" }, title),
      message ? node("p", { class: "mb-3", id: id + "-message" }, message) : null,
      ...inputs.map((i) => i.row),
      node("div", { class: "d-flex justify-content-end gap-2" }, cancel, ok));
    const dialog = node("dialog", { class: "berth-dialog", "aria-labelledby": id + "-title",
      "aria-describedby": message ? id + "-message" : null }, form);
    document.body.append(dialog);
    return new Promise((resolve) => {
      let answer = null;
      cancel.addEventListener("click", () => dialog.close());
      form.addEventListener("submit", () => {
        answer = {};
        for (const { f, input } of inputs) answer[f.name] = f.type === "checkbox" ? input.checked : input.value;
      });
      dialog.addEventListener("close", () => { dialog.remove(); resolve(answer); });
      dialog.showModal();
      (inputs.find((i) => i.f.type !== "checkbox")?.input || ok).focus();
    });
  }

  async function confirmAction({ title, message = "", submit = "OK", danger = false }) {
    return (await ask({ title, message, submit, danger })) !== null;
  }

  function tell({ title, message }) {
    return ask({ title, message, submit: "Close" });
  }

  return { ask, confirm: confirmAction, tell };
})();
