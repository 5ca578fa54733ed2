// The navbar's alerts badge, on every page: how many alerts fire in the user's scope. Re-read
// when one changes (live over /ws/events/).
(function () {
  "use strict";
  const count = document.getElementById("alerts-count");
  if (!count) return;
  let timer = null;

  async function load() {
    const response = await fetch("/api/v1/alerts/?state=firing&page_size=1", { headers: { Accept: "application/json" }, cache: "no-store" });
    if (!response.ok) return;
    const data = await response.json();
    count.textContent = String(data.count);
    count.dataset.count = data.count;
    count.className = "badge " + (data.count ? "bg-red text-white" : "bg-secondary-lt");
  }

  function soon() { clearTimeout(timer); timer = setTimeout(load, 200); }
  document.addEventListener("berth:event", (e) => { if (e.detail.type === "alert.updated") soon(); });
  document.addEventListener("berth:live", (e) => { if (e.detail.connected) soon(); });
  load();
})();
