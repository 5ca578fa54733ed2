// Tabs of a page, chosen by the URL's #fragment (so a link can open one). A pane learns it was
// shown or hidden through `berth:tab` (detail: {tab, shown}).
(function () {
  "use strict";
  const links = document.querySelectorAll("[data-tab]");
  if (!links.length) return;
  let current = null;

  function show(name) {
    if (!document.querySelector('[data-pane="' + name + '"]')) name = links[0].dataset.tab;
    if (name === current) return;
    for (const link of links) {
      link.classList.toggle("active", link.dataset.tab === name);
      link.setAttribute("aria-selected", link.dataset.tab === name ? "true" : "false");
    }
    for (const pane of document.querySelectorAll("[data-pane]")) pane.hidden = pane.dataset.pane !== name;
    const previous = current;
    current = name;
    if (previous) document.dispatchEvent(new CustomEvent("berth:tab", { detail: { tab: previous, shown: false } }));
    document.dispatchEvent(new CustomEvent("berth:tab", { detail: { tab: name, shown: true } }));
  }

  for (const link of links) {
    link.addEventListener("click", (e) => {
      e.preventDefault();
      history.replaceState(null, "", "#" + link.dataset.tab);
      show(link.dataset.tab);
    });
  }
  window.addEventListener("hashchange", () => show(location.hash.slice(1)));
  // After the other scripts have registered their listeners.
  window.addEventListener("DOMContentLoaded", () => show(location.hash.slice(1)));
})();
