// The Logs tab: a container's logs followed live over /ws/containers/{id}/logs/.
//
// A container may write tens of thousands of lines a second, so nothing here is done per
// message: batches are queued as they arrive and turned into lines once per animation frame;
// only the last MAX_SHOWN lines live in the DOM (the last MAX_KEPT in memory, for search); and
// when the queue grows past what frames keep up with (or the tab is in the background, where
// frames stop) the server is asked to pause, which stops the host worker reading the engine.
(function () {
  "use strict";
  const { el } = window.BerthHosts;
  const urls = JSON.parse(document.getElementById("container-streams").textContent);
  const MAX_KEPT = 20000;
  const MAX_SHOWN = 2000;
  const CHUNK_LINES = 200;
  const LINES_PER_FRAME = 1000;  // (and the rest of the batch under way): beyond it, the queue grows
  const THROTTLE_AT = 4 * 1024 * 1024;  // queued characters
  const RELEASE_AT = 256 * 1024;
  const $ = (id) => document.getElementById(id);
  const view = $("logs-view"), status = $("logs-status"), count = $("logs-count"), matches = $("logs-matches");
  const controls = { tail: $("logs-tail"), since: $("logs-since"), timestamps: $("logs-timestamps") };
  const show = { stdout: $("logs-show-stdout"), stderr: $("logs-show-stderr") };
  const search = $("logs-search"), pauseButton = $("logs-pause"), download = $("logs-download");
  const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\r$/g;

  let socket = null;
  let retry = window.BerthStreamSocket.backoff(), retryTimer = 0;
  let lines = [];          // {stream, text, time}
  let partial = {};        // stream -> text after its last newline
  let queue = [];          // batches not yet turned into lines
  let queued = 0;          // their characters
  let fresh = [];          // lines added since the last frame
  let total = 0;
  let frame = 0;
  let domDue = 0;
  let shownCounts = [];    // lines in each node of the view, in order
  let shownTotal = 0;
  let userPaused = false, throttled = false, ended = false;
  let needle = "";

  function setStatus(state, text) { status.dataset.state = state; status.textContent = text; }

  function params() {
    const query = new URLSearchParams();
    if (controls.tail.value !== "all") query.set("tail", controls.tail.value);
    if (controls.since.value) query.set("since", String(Math.floor(Date.now() / 1000) - Number(controls.since.value)));
    if (controls.timestamps.checked) query.set("timestamps", "1");
    return query.toString();
  }

  function open() {
    close();
    lines = []; partial = {}; queue = []; queued = 0; fresh = []; total = 0;
    ended = false; throttled = false;
    clearView();
    download.href = urls.download + "?" + params();
    setStatus("connecting", "Connecting…");
    socket = window.BerthStreamSocket(urls.logs + "?" + params(), {
      message(data) {
        if (Array.isArray(data)) { receive(data); return; }
        if (data.type === "ready") {
          retry.reset();
          setStatus(userPaused ? "paused" : "live", userPaused ? "Paused" : "Following live");
        }
        else if (data.type === "end") finish(data.reason);
        else if (data.type === "error") finish(data.message, "error");
      },
      close(code, reason) {
        socket = null;
        if (ended) return;
        if (window.BerthStreamSocket.RETRY.has(code)) {
          // Opened again from the start (the tail asked for): what was shown is shown again.
          setStatus("reconnecting", reason + " Reconnecting…");
          retryTimer = setTimeout(open, retry.next());
          return;
        }
        finish(reason, "error");
      },
    });
    if (userPaused) socket.send({ type: "pause" });
  }

  function close() {
    clearTimeout(retryTimer);
    if (socket) { socket.close(); socket = null; }
    cancelAnimationFrame(frame);
    frame = 0;
  }

  function receive(batch) {
    queue.push(batch);
    for (const entry of batch) queued += entry.data.length;
    if (!throttled && queued > THROTTLE_AT) { throttled = true; flow(); }
    if (!frame) frame = requestAnimationFrame(render);
  }

  function flow() { if (socket) socket.send({ type: userPaused || throttled ? "pause" : "resume" }); }

  function addLine(stream, raw) {
    let text = raw.replace(ANSI, ""), time = "";
    if (controls.timestamps.checked) {
      const space = text.indexOf(" ");
      if (space > 0 && text[4] === "-") { time = text.slice(0, space); text = text.slice(space + 1); }
    }
    const line = { stream, text, time };
    lines.push(line);
    fresh.push(line);
    total++;
  }

  function split(entry) {
    const parts = ((partial[entry.stream] || "") + entry.data).split("\n");
    partial[entry.stream] = parts.pop();
    for (const part of parts) addLine(entry.stream, part);
    return parts.length;
  }

  function visible(line) {
    return show[line.stream] ? show[line.stream].checked && (!needle || line.text.toLowerCase().includes(needle))
      : !needle || line.text.toLowerCase().includes(needle);
  }

  function lineText(line) { return line.time ? line.time + " " + line.text : line.text; }

  // Searching: one node per matching line, the matches marked.
  function lineNode(line) {
    const div = document.createElement("div");
    div.className = "log-line log-" + line.stream;
    if (line.time) div.append(el("span", { class: "log-time" }, line.time + " "));
    const lower = line.text.toLowerCase();
    let at = 0;
    for (let i = lower.indexOf(needle); i !== -1; i = lower.indexOf(needle, at)) {
      div.append(line.text.slice(at, i), el("mark", {}, line.text.slice(i, i + needle.length)));
      at = i + needle.length;
    }
    div.append(line.text.slice(at));
    return div;
  }

  // Following: consecutive lines of a stream share one text node, so a flood of lines costs a
  // few nodes a frame rather than thousands.
  function chunkNode(stream, list) {
    const div = document.createElement("div");
    div.className = "log-chunk log-" + stream;
    div.textContent = list.map(lineText).join("\n") + "\n";
    return div;
  }

  function atBottom() { return view.scrollHeight - view.scrollTop - view.clientHeight < 40; }

  function clearView() { view.replaceChildren(); shownCounts = []; shownTotal = 0; }

  function appendNodes(fragment, counts) {
    view.append(fragment);
    for (const n of counts) { shownCounts.push(n); shownTotal += n; }
    while (shownCounts.length > 1 && shownTotal - shownCounts[0] >= MAX_SHOWN) {
      view.firstElementChild.remove();
      shownTotal -= shownCounts.shift();
    }
  }

  function append(list) {
    const stick = atBottom();
    const shown = list.filter(visible).slice(-MAX_SHOWN);
    const fragment = document.createDocumentFragment();
    const counts = [];
    for (let i = 0; i < shown.length;) {
      if (needle) { fragment.append(lineNode(shown[i])); counts.push(1); i++; continue; }
      let j = i + 1;
      while (j < shown.length && j - i < CHUNK_LINES && shown[j].stream === shown[i].stream) j++;
      fragment.append(chunkNode(shown[i].stream, shown.slice(i, j)));
      counts.push(j - i);
      i = j;
    }
    appendNodes(fragment, counts);
    if (stick) view.scrollTop = view.scrollHeight;
  }

  function render() {
    frame = 0;
    let budget = LINES_PER_FRAME;
    while (queue.length && budget > 0) {
      const batch = queue.shift();
      for (const entry of batch) { queued -= entry.data.length; budget -= split(entry); }
    }
    if (lines.length > MAX_KEPT * 1.25) lines = lines.slice(-MAX_KEPT);
    // The DOM is the costly part: while lines pour in, it is updated no more than a quarter of the time.
    const now = performance.now();
    if (now >= domDue || !queue.length) {
      append(fresh);
      fresh = [];
      const cost = performance.now() - now;
      domDue = performance.now() + cost * 3;
      count.textContent = total.toLocaleString() + " lines" + (lines.length < total ? " (the last " + Math.min(lines.length, MAX_KEPT).toLocaleString() + " kept)" : "");
      if (needle) updateMatches();
    }
    if (throttled && queued < RELEASE_AT) { throttled = false; flow(); }
    if (queue.length || fresh.length) frame = requestAnimationFrame(render);
  }

  function finish(message, state) {
    for (const [stream, text] of Object.entries(partial)) if (text) addLine(stream, text);
    partial = {};
    ended = true;
    render();
    appendNodes(el("div", { class: "log-line log-note" }, "— " + message), [1]);
    view.scrollTop = view.scrollHeight;
    setStatus(state || "ended", message);
  }

  function updateMatches() {
    const n = lines.reduce((sum, line) => sum + (visible(line) ? 1 : 0), 0);
    matches.textContent = needle ? n.toLocaleString() + " matching" : "";
  }

  function redraw() {
    needle = search.value.trim().toLowerCase();
    clearView();
    append(lines);
    updateMatches();
  }

  let searchTimer = 0;
  search.addEventListener("input", () => { clearTimeout(searchTimer); searchTimer = setTimeout(redraw, 150); });
  show.stdout.addEventListener("change", redraw);
  show.stderr.addEventListener("change", redraw);
  for (const control of Object.values(controls)) control.addEventListener("change", open);
  $("logs-clear").addEventListener("click", () => { lines = []; clearView(); updateMatches(); });
  pauseButton.addEventListener("click", () => {
    userPaused = !userPaused;
    pauseButton.replaceChildren(el("i", { "aria-hidden": "true", class: "ti ti-player-" + (userPaused ? "play" : "pause") + " me-1" }),
      userPaused ? "Follow" : "Pause");
    flow();
    if (!ended) setStatus(userPaused ? "paused" : "live", userPaused ? "Paused: new lines wait on the host" : "Following live");
  });
  download.href = urls.download + "?" + params();
  document.addEventListener("berth:tab", (e) => {
    if (e.detail.tab !== "logs") return;
    if (e.detail.shown) open(); else close();
  });
})();
