// Small canvas charts for the dashboard: a line over time and bars per
// minute. Crisp on high-DPI screens; sized from the canvas's CSS box.

// The axis top: four equal integer steps of 1, 2, 2.5 or 5 × 10^n (counts are integers).
function niceMax(v) {
    const raw = Math.max(1, v) / 4;
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw && Number.isInteger(m * p)) return 4 * m * p;
    return 4 * Math.ceil(raw);
}

function hhmm(ms) {
    const d = new Date(ms);
    return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
}

function setup(canvas) {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(50, canvas.clientWidth);
    const h = Math.max(50, canvas.clientHeight);
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
        canvas.width = Math.round(w * dpr);
        canvas.height = Math.round(h * dpr);
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const css = getComputedStyle(canvas);
    const font = Math.max(11, Math.round(h / 14));
    return {
        ctx,
        w,
        h,
        font,
        ink: css.getPropertyValue('--chart-ink').trim() || '#ccc',
        grid: css.getPropertyValue('--chart-grid').trim() || '#333',
        color: css.getPropertyValue('--chart-color').trim() || '#4da3ff',
    };
}

function frame(s, max, t0, t1) {
    const { ctx, w, h, font } = s;
    const left = Math.round(font * 3.2);
    const bottom = Math.round(font * 1.8);
    const top = Math.round(font * 0.8);
    const right = Math.round(font * 0.8);
    const pw = w - left - right;
    const ph = h - top - bottom;
    ctx.font = font + 'px system-ui, sans-serif';
    ctx.fillStyle = s.ink;
    ctx.strokeStyle = s.grid;
    ctx.lineWidth = 1;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    for (let i = 0; i <= 4; i++) {
        const y = top + ph - (ph * i) / 4;
        ctx.beginPath();
        ctx.moveTo(left, Math.round(y) + 0.5);
        ctx.lineTo(left + pw, Math.round(y) + 0.5);
        ctx.stroke();
        const v = (max * i) / 4;
        ctx.fillText(v >= 1000 ? (v / 1000).toFixed(v % 1000 ? 1 : 0) + 'k' : String(Math.round(v * 10) / 10), left - font * 0.4, y);
    }
    ctx.textBaseline = 'top';
    ctx.textAlign = 'left';
    ctx.fillText(hhmm(t0), left, top + ph + font * 0.4);
    ctx.textAlign = 'right';
    ctx.fillText(hhmm(t1), left + pw, top + ph + font * 0.4);
    return { left, top, pw, ph };
}

/** points: [{t, v}] in time order; window [t0, t1]. */
export function lineChart(canvas, points, t0, t1) {
    const s = setup(canvas);
    const max = niceMax(Math.max(1, ...points.map((p) => p.v)));
    const { left, top, pw, ph } = frame(s, max, t0, t1);
    const x = (t) => left + ((t - t0) / Math.max(1, t1 - t0)) * pw;
    const y = (v) => top + ph - (v / max) * ph;
    const pts = points.filter((p) => p.t >= t0 && p.t <= t1);
    if (!pts.length) return;
    const { ctx } = s;
    ctx.beginPath();
    pts.forEach((p, i) => (i ? ctx.lineTo(x(p.t), y(p.v)) : ctx.moveTo(x(p.t), y(p.v))));
    ctx.strokeStyle = s.color;
    ctx.lineWidth = Math.max(2, s.font / 5);
    ctx.lineJoin = 'round';
    ctx.stroke();
    ctx.lineTo(x(pts[pts.length - 1].t), top + ph);
    ctx.lineTo(x(pts[0].t), top + ph);
    ctx.closePath();
    ctx.globalAlpha = 0.18;
    ctx.fillStyle = s.color;
    ctx.fill();
    ctx.globalAlpha = 1;
    const last = pts[pts.length - 1];
    ctx.beginPath();
    ctx.arc(x(last.t), y(last.v), Math.max(3, s.font / 3), 0, Math.PI * 2);
    ctx.fill();
}

/** bars: [{t (minute start), v}] for consecutive minutes; the last one may be partial. */
export function barChart(canvas, bars) {
    const s = setup(canvas);
    if (!bars.length) return;
    const max = niceMax(Math.max(1, ...bars.map((b) => b.v)));
    const t0 = bars[0].t;
    const t1 = bars[bars.length - 1].t;
    const { left, top, pw, ph } = frame(s, max, t0, t1);
    const { ctx } = s;
    const slot = pw / bars.length;
    const bw = Math.max(1, slot * 0.72);
    bars.forEach((b, i) => {
        const hgt = (b.v / max) * ph;
        ctx.fillStyle = s.color;
        ctx.globalAlpha = i === bars.length - 1 ? 0.55 : 1; // the current, partial minute
        ctx.fillRect(left + i * slot + (slot - bw) / 2, top + ph - hgt, bw, hgt);
    });
    ctx.globalAlpha = 1;
}
