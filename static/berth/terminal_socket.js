// One terminal in the browser: an xterm.js Terminal fitted to its element, driving
// /ws/containers/{id}/terminal/ (or attach/), framed as portal/terminals/consumers.py says: binary frames are raw
// terminal bytes both ways, text frames JSON control. Flow control: when xterm.js has more than
// HIGH_WATER bytes not yet rendered, the page asks the host to pause, and resumes below LOW_WATER.
// A dropped connection is resumed: the page counts the output bytes it has and reconnects with
// ?session=&offset= (backing off, for up to the server's grace period), saying so meanwhile.
// A page that was reloaded resumes its sessions too (options.resume, from sessionStorage: see
// console.js): its screen is empty, so it asks from byte 0, and the host replays what it still
// holds (saying "reset" when that starts later), which draws the screen again.
(function () {
  "use strict";
  const HIGH_WATER = 512 * 1024;
  const LOW_WATER = 64 * 1024;
  const PING_EVERY = 25000;
  const RETRY_DELAYS = [250, 500, 1000, 2000, 4000, 8000];
  const RETRY_FOR = 60000; // until the first ready message says the server's grace
  const encoder = new TextEncoder();

  class BerthTerminal {
    // options: {container, kind: "terminal"|"attach", cmd, user, element, resume: {session}?,
    //           onStatus(text, level), onSession(id), onEnd()}
    constructor(options) {
      this.options = options;
      this.pending = 0;
      this.paused = false;
      this.ended = false;
      this.received = 0;
      this.retries = 0;
      this.retryFor = RETRY_FOR;
      if (options.resume && options.resume.session) this.session = options.resume.session;
      this.term = new window.Terminal({
        cursorBlink: true,
        scrollback: 5000,
        fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace",
        fontSize: 14,
      });
      this.fit = new window.FitAddon.FitAddon();
      this.term.loadAddon(this.fit);
      this.term.open(options.element);
      this.fitNow();
      this.term.onData((text) => this.sendBytes(encoder.encode(text)));
      this.term.onBinary((text) => this.sendBytes(Uint8Array.from(text, (c) => c.charCodeAt(0) & 255)));
      this.term.onResize(({ cols, rows }) => this.control({ type: "resize", cols, rows }));
      this.connect();
    }

    status(text, level) { if (this.options.onStatus) this.options.onStatus(text, level || "secondary"); }

    fitNow() {
      try { this.fit.fit(); } catch (e) { /* hidden element: fitted when shown */ }
    }

    connect() {
      const o = this.options;
      const params = new URLSearchParams({ cols: this.term.cols, rows: this.term.rows });
      if (o.cmd) params.set("cmd", o.cmd);
      if (o.user) params.set("user", o.user);
      if (this.session) { params.set("session", this.session); params.set("offset", this.received); }
      const scheme = location.protocol === "https:" ? "wss://" : "ws://";
      const path = "/ws/containers/" + o.container + "/" + (o.kind === "attach" ? "attach" : "terminal") + "/";
      this.socket = new WebSocket(scheme + location.host + path + "?" + params);
      this.socket.binaryType = "arraybuffer";
      if (!this.session) this.status("Connecting…");
      this.socket.onmessage = (message) => this.receive(message.data);
      this.socket.onclose = (close) => this.closed(close);
      this.pinger = setInterval(() => this.control({ type: "ping" }), PING_EVERY);
    }

    receive(data) {
      if (typeof data !== "string") {
        const bytes = new Uint8Array(data);
        this.received += bytes.length;
        this.pending += bytes.length;
        if (!this.paused && this.pending > HIGH_WATER) { this.paused = true; this.control({ type: "pause" }); }
        this.term.write(bytes, () => {
          this.pending -= bytes.length;
          if (this.paused && this.pending < LOW_WATER) { this.paused = false; this.control({ type: "resume" }); }
        });
        return;
      }
      const message = JSON.parse(data);
      if (message.type === "ready") {
        this.session = message.session;
        if (typeof message.grace === "number") this.retryFor = message.grace * 1000;
        this.retries = 0;
        this.lostAt = null;
        if (message.resumed) {
          if (message.reset) this.term.reset();
          this.received = message.offset;
          this.status("Reconnected", "success");
          if (this.options.onSession) this.options.onSession(message.session);
          return;
        }
        this.status("Connected", "success");
        if (this.options.onSession) this.options.onSession(message.session);
        this.term.focus();
      } else if (message.type === "watchers") {
        const names = message.watchers || [];
        if (this.options.onWatchers) this.options.onWatchers(names);
        this.status(names.length ? "Connected · watched by " + names.join(", ") : "Connected", names.length ? "info" : "success");
      } else if (message.type === "exit") {
        this.ended = true;
        const text = message.code === null || message.code === undefined ? "The process ended." : "The process exited with code " + message.code + ".";
        this.term.write("\r\n\x1b[2m[" + text + "]\x1b[0m\r\n");
        this.status(text, message.code === 0 ? "secondary" : "warning");
      } else if (message.type === "error") {
        this.ended = true;
        this.term.write("\r\n\x1b[31m[" + message.message + "]\x1b[0m\r\n");
        this.status(message.message, "danger");
      }
    }

    closed(close) {
      clearInterval(this.pinger);
      this.socket = null;
      // Dropped (not closed by Berth with a reason of its own): the session waits on the host.
      if (!this.ended && this.session && close.code < 4000 && close.code !== 1000 && close.code !== 1011) {
        this.lostAt = this.lostAt || Date.now();
        if (Date.now() - this.lostAt < this.retryFor) {
          const delay = RETRY_DELAYS[Math.min(this.retries, RETRY_DELAYS.length - 1)];
          this.retries += 1;
          this.status("Connection lost; reconnecting (attempt " + this.retries + ")…", "warning");
          this.retry = setTimeout(() => this.connect(), delay);
          return;
        }
      }
      if (!this.ended) {
        this.ended = true;
        const reason = close.reason || (close.code === 1006 ? "The connection to Berth was lost." : "The session closed.");
        this.term.write("\r\n\x1b[31m[" + reason + "]\x1b[0m\r\n");
        this.status(reason + (close.code >= 4000 ? " (" + close.code + ")" : ""), "danger");
      }
      if (this.options.onEnd) this.options.onEnd(close);
    }

    sendBytes(bytes) {
      if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(bytes);
    }

    control(message) {
      if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
    }

    dispose() {
      clearInterval(this.pinger);
      clearTimeout(this.retry);
      if (this.socket) { this.ended = true; this.socket.close(1000, "closed"); }
      this.term.dispose();
    }
  }

  window.BerthTerminal = BerthTerminal;
})();
