/** bench:learn's plot: return vs wall-clock minutes as a self-contained SVG (rendered to PNG by Chromium). */
export interface LearnRow {
  wallSec: number;
  frames: number;
  agentSteps: number;
  episodes: number;
  mean100: number | null;
  evalReturn: number | null;
  stepsPerSec: number;
}

export function plotSvg(rows: LearnRow[], o: { title: string; threshold: number }): string {
  const W = 900, H = 500, L = 60, R = 20, T = 40, B = 50;
  const xs = rows.map((r) => r.wallSec / 60);
  const ys = rows.flatMap((r) => [r.mean100, r.evalReturn]).filter((y): y is number => y !== null);
  const xMax = Math.max(1e-9, ...xs);
  const yMin = Math.min(0, o.threshold, ...ys);
  const yTop = Math.max(o.threshold, ...ys, yMin + 1);
  const yMax = yTop + 0.12 * (yTop - yMin); // headroom for the legend above the threshold line
  const X = (x: number) => L + (x / xMax) * (W - L - R);
  const Y = (y: number) => T + (1 - (y - yMin) / (yMax - yMin)) * (H - T - B);
  const line = (pick: (r: LearnRow) => number | null) =>
    rows.map((r, i) => ({ x: xs[i], y: pick(r) })).filter((p): p is { x: number; y: number } => p.y !== null)
      .map((p, i) => `${i ? 'L' : 'M'}${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join('');
  const ticks = (lo: number, hi: number, n = 5) => Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n);
  const esc = (s: string) => s.replace(/[<&]/g, (c) => (c === '<' ? '&lt;' : '&amp;'));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>
${ticks(0, xMax).map((t) => `<line x1="${X(t)}" y1="${T}" x2="${X(t)}" y2="${H - B}" stroke="#eee"/><text x="${X(t)}" y="${H - B + 16}" text-anchor="middle">${t.toFixed(1)}</text>`).join('')}
${ticks(yMin, yMax).map((t) => `<line x1="${L}" y1="${Y(t)}" x2="${W - R}" y2="${Y(t)}" stroke="#eee"/><text x="${L - 6}" y="${Y(t) + 4}" text-anchor="end">${t.toFixed(1)}</text>`).join('')}
<text x="${W / 2}" y="${H - 12}" text-anchor="middle">wall-clock minutes</text>
<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">raw return</text>
<line x1="${L}" y1="${Y(o.threshold)}" x2="${W - R}" y2="${Y(o.threshold)}" stroke="#999" stroke-dasharray="6 4"/>
<text x="${W - R - 4}" y="${Y(o.threshold) - 4}" text-anchor="end" fill="#666">threshold ${o.threshold}</text>
<path d="${line((r) => r.mean100)}" fill="none" stroke="#e07b00" stroke-width="2"/>
<path d="${line((r) => r.evalReturn)}" fill="none" stroke="#1a8f4a" stroke-width="2" stroke-dasharray="3 3"/>
<rect x="${L + 10}" y="${T + 6}" width="12" height="3" fill="#e07b00"/><text x="${L + 28}" y="${T + 11}">mean of last 100 training episodes</text>
<rect x="${L + 10}" y="${T + 22}" width="12" height="3" fill="#1a8f4a"/><text x="${L + 28}" y="${T + 27}">evaluation (greedy) mean</text>
<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#888"/>
</svg>`;
}
