// Copies a freshly made token key to the clipboard; the key is on the page this once only.
(function () {
  "use strict";
  for (const button of document.querySelectorAll("[data-copy-from]")) {
    button.addEventListener("click", async () => {
      const input = document.getElementById(button.dataset.copyFrom);
      input.select();
      try {
        await navigator.clipboard.writeText(input.value);
      } catch {
        document.execCommand("copy"); // without a secure context, the clipboard API is missing
      }
      button.textContent = "Copied";
    });
  }
})();
