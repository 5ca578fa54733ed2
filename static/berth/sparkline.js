// A small live line chart on a <canvas>: one or two series over the last N samples.
window.BerthSparkline = function (canvas, options) {
  "use strict";
  const colors = options.colors || ["#206bc4", "#d63939"];
  const size = options.size || 60;
  const series = colors.map(() => []);

  function draw() {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || 200, height = canvas.clientHeight || 60;
    if (canvas.width !== width * ratio) { canvas.width = width * ratio; canvas.height = height * ratio; }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const values = series.flat().filter((v) => v !== null);
    const top = Math.max(options.min || 0, ...values) || 1;
    ctx.strokeStyle = "rgba(98,105,118,.2)";
    ctx.beginPath(); ctx.moveTo(0, height - 0.5); ctx.lineTo(width, height - 0.5); ctx.stroke();
    series.forEach((points, i) => {
      ctx.strokeStyle = colors[i];
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      let started = false;
      points.forEach((value, x) => {
        if (value === null) { started = false; return; }
        const px = (x + size - points.length) * (width / (size - 1));
        const py = height - 2 - (value / top) * (height - 4);
        if (started) ctx.lineTo(px, py); else { ctx.moveTo(px, py); started = true; }
      });
      ctx.stroke();
    });
  }

  return {
    push(...values) {
      values.forEach((v, i) => { series[i].push(v); if (series[i].length > size) series[i].shift(); });
      draw();
    },
    clear() { series.forEach((s) => { s.length = 0; }); draw(); },
  };
};
