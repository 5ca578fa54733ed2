// The console page: terminals to several containers (on several hosts) in tabs. A container's
// Console button opens this page with ?container=<id>; "New session" opens more. The open tabs,
// with their session ids and output offsets, are kept in sessionStorage: a reload of the page
// resumes each session (within the server's grace period) instead of starting new ones.
(function () {
  "use strict";
  const tabs = document.getElementById("console-tabs");
  const panes = document.getElementById("console-panes");
  const empty = document.getElementById("console-empty");
  const statusText = document.getElementById("console-status-text");
  const recording = document.getElementById("console-recording");
  const form = document.getElementById("console-new-form");
  const formCard = document.getElementById("console-new");
  const select = document.getElementById("console-container");
  const search = document.getElementById("console-search");
  const problem = document.getElementById("console-new-problem");
  const containersApi = JSON.parse(document.getElementById("console-containers-api").textContent);
  const sessions = [];
  let active = null;
  let counter = 0;
  const STORED = "berth.console";

  function store() {
    const tabs = sessions
      .filter((s) => s.sessionId && !s.ended)
      .map((s) => ({ tab: s.tab, session: s.sessionId, offset: s.terminal ? s.terminal.received : 0 }));
    try {
      sessionStorage.setItem(STORED, JSON.stringify({ url: location.href, tabs }));
    } catch (e) { /* storage full or off: a reload starts afresh */ }
  }

  function stored() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(STORED) || "null");
      return saved && Array.isArray(saved.tabs) ? saved : null;
    } catch (e) {
      return null;
    }
  }

  function showStatus(session) {
    statusText.textContent = session ? session.statusText : "";
    statusText.className = session ? "text-" + session.statusLevel : "text-secondary";
    recording.hidden = !(session && session.sessionId);
    if (session && session.sessionId) recording.href = "/sessions/" + session.sessionId + "/";
  }

  function activate(session) {
    active = session;
    for (const s of sessions) {
      const on = s === session;
      s.link.classList.toggle("active", on);
      s.link.setAttribute("aria-selected", on ? "true" : "false");
      s.pane.hidden = !on;
    }
    empty.hidden = sessions.length > 0;
    showStatus(session);
    if (session && session.terminal) { session.terminal.fitNow(); session.terminal.term.focus(); }
  }

  function closeTab(session) {
    session.terminal.dispose();
    session.item.remove();
    session.pane.remove();
    sessions.splice(sessions.indexOf(session), 1);
    activate(sessions[sessions.length - 1] || null);
    store();
  }

  function open(tab, resume) {
    counter += 1;
    const session = { tab, statusText: "Connecting…", statusLevel: "secondary", sessionId: resume ? resume.session : null };
    session.item = document.createElement("li");
    session.item.className = "nav-item";
    session.link = document.createElement("a");
    session.link.href = "#";
    session.link.className = "nav-link text-nowrap";
    session.link.setAttribute("role", "tab");
    session.link.dataset.container = tab.container;
    session.link.textContent = (tab.kind === "attach" ? "⇄ " : "") + tab.name + " · " + tab.host + " ";
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close ms-2 console-tab-close";
    close.setAttribute("aria-label", "Close " + tab.name);
    session.link.append(close);
    session.item.append(session.link);
    tabs.append(session.item);
    session.pane = document.createElement("div");
    session.pane.className = "berth-terminal";
    session.pane.id = "console-pane-" + counter;
    panes.append(session.pane);
    sessions.push(session);
    session.link.addEventListener("click", (event) => { event.preventDefault(); activate(session); });
    close.addEventListener("click", (event) => { event.preventDefault(); event.stopPropagation(); closeTab(session); });
    activate(session);
    session.terminal = new window.BerthTerminal({
      container: tab.container,
      kind: tab.kind,
      cmd: tab.cmd,
      user: tab.user,
      element: session.pane,
      resume,
      onStatus(text, level) {
        session.statusText = text;
        session.statusLevel = level;
        if (active === session) showStatus(session);
      },
      onSession(id) { session.sessionId = id; store(); if (active === session) showStatus(session); },
      onEnd() { session.ended = true; session.link.classList.add("text-secondary"); store(); },
    });
    activate(session);
  }

  async function loadContainers() {
    const params = new URLSearchParams({ state: "running" });
    if (search.value.trim()) params.set("q", search.value.trim());
    try {
      const response = await fetch(containersApi + "?" + params, { headers: { Accept: "application/json" } });
      const body = await response.json();
      select.replaceChildren(...body.results.map((c) => {
        const option = document.createElement("option");
        option.value = c.id;
        option.textContent = c.name + " · " + (c.host_name || "host " + c.host) + " (" + c.image + ")";
        option.dataset.name = c.name;
        option.dataset.host = c.host_name || "host " + c.host;
        return option;
      }));
      problem.textContent = body.results.length ? "" : "No running container matches.";
    } catch (error) {
      problem.textContent = "Could not list containers: " + error;
    }
  }

  document.getElementById("console-new-toggle").addEventListener("click", () => {
    formCard.hidden = !formCard.hidden;
    if (!formCard.hidden) loadContainers();
  });
  let searchTimer = null;
  search.addEventListener("input", () => { clearTimeout(searchTimer); searchTimer = setTimeout(loadContainers, 250); });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const option = select.selectedOptions[0];
    if (!option) { problem.textContent = "Pick a running container."; return; }
    open({
      container: option.value,
      name: option.dataset.name,
      host: option.dataset.host,
      kind: document.getElementById("console-kind").value,
      cmd: document.getElementById("console-cmd").value.trim(),
      user: document.getElementById("console-user").value.trim(),
    });
  });
  window.addEventListener("resize", () => { if (active) active.terminal.fitNow(); });

  // The offsets as they are when the page goes (a reload, or leaving it).
  window.addEventListener("pagehide", store);

  const initial = JSON.parse(document.getElementById("console-initial").textContent);
  const saved = stored();
  const reloaded = saved && saved.url === location.href && saved.tabs.length > 0;
  if (reloaded) for (const entry of saved.tabs) open(entry.tab, { session: entry.session, offset: entry.offset });
  else if (initial) open(initial);
  else { formCard.hidden = false; loadContainers(); }
})();
