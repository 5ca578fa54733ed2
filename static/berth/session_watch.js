// Watching a live terminal session read-only over /ws/sessions/{id}/watch/
// (portal/terminals/watch_consumer.py): a ready message, the screen as it is, then live output.
// A dropped connection (not one Berth closed with a reason of its own) is made again by itself,
// backing off, for a minute: each new watch starts from the screen as it is then.
(function () {
  "use strict";
  const RETRY_DELAYS = [250, 500, 1000, 2000, 4000, 8000];
  const RETRY_FOR = 60000;
  const element = document.getElementById("watch-terminal");
  const status = document.getElementById("watch-status");
  const term = new window.Terminal({ disableStdin: true, cursorBlink: false, scrollback: 5000, fontSize: 14 });
  term.open(element);
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const address = scheme + location.host + "/ws/sessions/" + element.dataset.session + "/watch/";
  let over = false;
  let retries = 0;
  let lostAt = null;

  function connect() {
    const socket = new WebSocket(address);
    socket.binaryType = "arraybuffer";
    socket.onmessage = (message) => {
      if (typeof message.data !== "string") { term.write(new Uint8Array(message.data)); return; }
      const data = JSON.parse(message.data);
      if (data.type === "ready") {
        retries = 0;
        lostAt = null;
        term.reset();
        term.resize(data.cols, data.rows);
        status.textContent = "Watching (read-only)";
      } else if (data.type === "resize") {
        term.resize(data.cols, data.rows);
      } else if (data.type === "over") {
        over = true;
        status.textContent = "The session is over.";
      }
    };
    socket.onclose = (close) => {
      if (over) return;
      if (close.code < 4000 && close.code !== 1000 && close.code !== 1011) {
        lostAt = lostAt || Date.now();
        if (Date.now() - lostAt < RETRY_FOR) {
          const delay = RETRY_DELAYS[Math.min(retries, RETRY_DELAYS.length - 1)];
          retries += 1;
          status.textContent = "Connection lost; reconnecting (attempt " + retries + ")…";
          setTimeout(connect, delay);
          return;
        }
      }
      status.textContent = close.reason || "The connection closed.";
    };
  }

  connect();
})();
