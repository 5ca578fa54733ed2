// Create a network, or prune a host's unused ones.
(function () {
  "use strict";
  const { pairs, wire } = window.BerthForms;
  wire("network-create-form", "/api/v1/networks/", (f) => ({
    host: Number(f.host.value), name: f.name.value.trim(), driver: f.driver.value.trim() || "bridge",
    internal: f.internal.checked, attachable: f.attachable.checked, subnet: f.subnet.value.trim(),
    gateway: f.gateway.value.trim(), ip_range: f.ip_range.value.trim(), labels: pairs(f.labels.value), options: pairs(f.options.value),
  }));
  wire("network-prune-form", "/api/v1/networks/prune/", (f) => ({ host: Number(f.host.value) }));
})();
