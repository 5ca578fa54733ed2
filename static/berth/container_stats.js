// The Stats tab: CPU, memory, network and block IO of a running container, sampled about
// once a second over /ws/containers/{id}/stats/ and drawn as small charts of the last minute.
(function () {
  "use strict";
  const bytes = (n) => (n === 0 ? "0 B" : window.BerthHosts.bytes(n));
  const urls = JSON.parse(document.getElementById("container-streams").textContent);
  const status = document.getElementById("stats-status");
  const field = (key) => document.querySelector('[data-stat="' + key + '"]');
  const detail = (key) => document.querySelector('[data-stat-detail="' + key + '"]');
  const charts = {};
  for (const canvas of document.querySelectorAll("[data-chart]")) {
    charts[canvas.dataset.chart] = window.BerthSparkline(canvas, {
      min: canvas.dataset.chart === "cpu" ? 10 : 0,
      colors: canvas.dataset.chart === "cpu" || canvas.dataset.chart === "memory" ? ["#206bc4"] : ["#2fb344", "#f76707"],
    });
  }
  let socket = null, previous = null;
  let retry = window.BerthStreamSocket.backoff(), retryTimer = 0;
  const rate = (now, before, seconds) => (before === undefined || seconds <= 0 ? null : Math.max(0, (now - before) / seconds));
  const perSecond = (n) => (n === null ? "—" : bytes(n) + "/s");

  function setStatus(state, text) {
    status.dataset.state = state;
    status.textContent = text;
    status.className = "alert " + (state === "live" ? "alert-success" : state === "error" ? "alert-warning" : "alert-secondary");
  }

  function sample(s) {
    const seconds = previous ? (Date.parse(s.read) - Date.parse(previous.read)) / 1000 : 0;
    const net = [rate(s.network_rx, previous && previous.network_rx, seconds), rate(s.network_tx, previous && previous.network_tx, seconds)];
    const io = [rate(s.block_read, previous && previous.block_read, seconds), rate(s.block_write, previous && previous.block_write, seconds)];
    previous = s;
    field("cpu").textContent = s.cpu_percent === null ? "—" : s.cpu_percent.toFixed(1) + " %";
    detail("cpu").textContent = s.online_cpus + " CPU" + (s.online_cpus === 1 ? "" : "s") + " · " + s.pids + " processes";
    field("memory").textContent = bytes(s.memory_usage);
    detail("memory").textContent = "of " + bytes(s.memory_limit) + " (" + s.memory_percent.toFixed(1) + " %)";
    field("network").textContent = "↓ " + perSecond(net[0]);
    detail("network").textContent = "↑ " + perSecond(net[1]) + " · total ↓ " + bytes(s.network_rx) + " ↑ " + bytes(s.network_tx);
    field("io").textContent = "R " + perSecond(io[0]);
    detail("io").textContent = "W " + perSecond(io[1]) + " · total R " + bytes(s.block_read) + " W " + bytes(s.block_write);
    charts.cpu.push(s.cpu_percent);
    charts.memory.push(s.memory_usage);
    charts.network.push(...net);
    charts.io.push(...io);
  }

  function open() {
    close();
    previous = null;
    Object.values(charts).forEach((chart) => chart.clear());
    setStatus("connecting", "Connecting…");
    socket = window.BerthStreamSocket(urls.stats, {
      message(data) {
        if (data.type === "stats") {
          retry.reset();
          setStatus("live", "Live: a sample about every second");
          sample(data.sample);
        }
        else if (data.type === "end") setStatus("ended", data.reason);
        else if (data.type === "error") setStatus("error", data.message);
      },
      close(code, reason) {
        socket = null;
        if (status.dataset.state === "ended" || status.dataset.state === "error") return;
        if (window.BerthStreamSocket.RETRY.has(code)) {
          setStatus("reconnecting", reason + " Reconnecting…");
          retryTimer = setTimeout(open, retry.next());
          return;
        }
        setStatus("error", reason);
      },
    });
  }

  function close() { clearTimeout(retryTimer); if (socket) { socket.close(); socket = null; } }

  document.addEventListener("berth:tab", (e) => {
    if (e.detail.tab !== "stats") return;
    if (e.detail.shown) open(); else close();
  });
})();
