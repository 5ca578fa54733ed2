// Watching a live terminal session read-only over /ws/sessions/{id}/watch/
// (portal/terminals/watch_consumer.py): a ready message, the screen as it is, then live output.
(function () {
  "use strict";
  const element = document.getElementById("watch-terminal");
  const status = document.getElementById("watch-status");
  const term = new window.Terminal({ disableStdin: true, cursorBlink: false, scrollback: 5000, fontSize: 14 });
  term.open(element);
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const socket = new WebSocket(scheme + location.host + "/ws/sessions/" + element.dataset.session + "/watch/");
  socket.binaryType = "arraybuffer";
  socket.onmessage = (message) => {
    if (typeof message.data !== "string") { term.write(new Uint8Array(message.data)); return; }
    const data = JSON.parse(message.data);
    if (data.type === "ready") {
      term.reset();
      term.resize(data.cols, data.rows);
      status.textContent = "Watching (read-only)";
    } else if (data.type === "resize") {
      term.resize(data.cols, data.rows);
    } else if (data.type === "over") {
      status.textContent = "The session is over.";
    }
  };
  socket.onclose = (close) => {
    if (status.textContent !== "The session is over.") status.textContent = close.reason || "The connection closed.";
  };
})();
