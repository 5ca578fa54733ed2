// Create a volume, or prune a host's unused ones.
(function () {
  "use strict";
  const { pairs, wire } = window.BerthForms;
  wire("volume-create-form", "/api/v1/volumes/", (f) => ({
    host: Number(f.host.value), name: f.name.value.trim(), driver: f.driver.value.trim() || "local",
    driver_opts: pairs(f.driver_opts.value), labels: pairs(f.labels.value),
  }));
  wire("volume-prune-form", "/api/v1/volumes/prune/", (f) => ({ host: Number(f.host.value), all: f.all.checked }));
})();
