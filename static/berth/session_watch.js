// Watching a live terminal session read-only over /ws/sessions/{id}/watch/
// (portal/terminals/watch_consumer.py): a ready message, the screen as it is, then live output.
// A dropped connection is made again by itself on the closes the stream pages retry on, with
// their backoff (stream_socket.js): each new watch starts from the screen as it is then.
(function () {
  "use strict";
  const element = document.getElementById("watch-terminal");
  const status = document.getElementById("watch-status");
  const term = new window.Terminal({ disableStdin: true, cursorBlink: false, scrollback: 5000, fontSize: 14 });
  term.open(element);
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const address = scheme + location.host + "/ws/sessions/" + element.dataset.session + "/watch/";
  const backoff = window.BerthStreamSocket.backoff();
  let over = false;
  let retries = 0;

  function connect() {
    const socket = new WebSocket(address);
    socket.binaryType = "arraybuffer";
    socket.onmessage = (message) => {
      if (typeof message.data !== "string") { term.write(new Uint8Array(message.data)); return; }
      const data = JSON.parse(message.data);
      if (data.type === "ready") {
        retries = 0;
        backoff.reset();
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
      if (window.BerthStreamSocket.RETRY.has(close.code)) {
        retries += 1;
        status.textContent = "Connection lost; reconnecting (attempt " + retries + ")…";
        setTimeout(connect, backoff.next());
        return;
      }
      status.textContent = close.reason || "The connection closed.";
    };
  }

  connect();
})();
