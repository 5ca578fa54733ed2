// One websocket of a container's live stream (logs, stats): opened on demand, closed on demand,
// and its close code turned into a sentence (the server's reason when it gave one).
window.BerthStreamSocket = function (path, handlers) {
  "use strict";
  const REASONS = {
    1000: "The stream ended.",
    1006: "The connection to Berth was lost.",
    4401: "Log in to Berth again.",
    4403: "You may not see this.",
    4404: "This container no longer exists.",
    4409: "The container is not running.",
    4503: "The host is offline.",
  };
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const socket = new WebSocket(scheme + location.host + path);
  let closedByUs = false;
  socket.onopen = () => handlers.open && handlers.open();
  socket.onmessage = (message) => handlers.message(JSON.parse(message.data));
  socket.onclose = (close) => {
    if (closedByUs) return;
    handlers.close(close.code, close.reason || REASONS[close.code] || "The stream ended (" + close.code + ").");
  };
  return {
    send(message) { if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message)); },
    close() { closedByUs = true; socket.close(1000); },
  };
};

// Closes after which a tab opens its stream again, with backoff (as the events socket does):
// Redis lost or the host offline (4503), the connection lost (1006), a server error (1011).
window.BerthStreamSocket.RETRY = new Set([1006, 1011, 4503]);

// The wait before each reopening: 0.5 s, doubled each time up to 10 s; reset once live again.
window.BerthStreamSocket.backoff = function () {
  "use strict";
  let delay = 500;
  return {
    next() { const wait = delay; delay = Math.min(delay * 2, 10000); return wait; },
    reset() { delay = 500; },
  };
};
