// Live updates for every page: one websocket to /ws/events/, reconnected with backoff.
// Pages listen for `berth:event` (detail: the event) and `berth:live` (detail: {connected, resync}).
(function () {
  "use strict";
  const indicator = document.getElementById("live-indicator");
  const states = {
    connecting: ["connecting…", "bg-secondary-lt"],
    live: ["live", "bg-green-lt"],
    offline: ["reconnecting…", "bg-yellow-lt"],
    refused: ["not live", "bg-red-lt"],
  };
  let delay = 500;
  let connectedBefore = false;

  function show(state, title) {
    if (!indicator) return;
    const [text, cls] = states[state];
    indicator.textContent = text;
    indicator.className = "badge " + cls;
    indicator.dataset.state = state;
    if (title) indicator.title = title;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/ws/events/");
    show("connecting");
    socket.onopen = () => { delay = 500; show("live", "Live updates are on"); };
    socket.onmessage = (message) => {
      const event = JSON.parse(message.data);
      if (event.type === "hello") {
        // After a reconnect, events may have been missed: pages re-read what they show.
        document.dispatchEvent(new CustomEvent("berth:live", { detail: { connected: true, resync: connectedBefore } }));
        connectedBefore = true;
        return;
      }
      document.dispatchEvent(new CustomEvent("berth:event", { detail: event }));
    };
    socket.onclose = (close) => {
      document.dispatchEvent(new CustomEvent("berth:live", { detail: { connected: false } }));
      if (close.code === 4401) {  // logged out elsewhere: the next page load goes to the login page
        show("refused", close.reason || "Log in again");
        return;
      }
      show("offline", close.reason || "Connection lost; retrying");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }
  connect();
})();
