// A session's page: its asciicast v2 recording replayed with asciinema-player.
(function () {
  "use strict";
  const url = JSON.parse(document.getElementById("replay-url").textContent);
  if (!url || !window.AsciinemaPlayer) return;
  window.berthReplay = window.AsciinemaPlayer.create(url, document.getElementById("replay"), {
    fit: "width",
    idleTimeLimit: 2,
    preload: true,
    terminalFontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace",
  });
})();
