import { gaussianAt } from './data';
import type { Data, GaussianParams } from './data';

/** A curve to draw over the data: a label, a colour and the parameters. */
export interface Curve {
  readonly label: string;
  readonly color: string;
  readonly params: GaussianParams;
  readonly dashed?: boolean;
  /** Stroke width (default 2): fits that land on each other stay visible drawn wide under narrow. */
  readonly width?: number;
}

const width = 720;
const height = 420;
const margin = { left: 50, right: 20, top: 20, bottom: 40 };

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An SVG plot of the data points and the curves, with axes and a legend. No dependencies. */
export function plotSvg(data: Data, curves: readonly Curve[]): string {
  const [x0, x1] = [Math.min(...data.x), Math.max(...data.x)];
  const [y0, y1] = [Math.min(0, ...data.y) - 0.2, Math.max(...data.y) + 0.3];
  const px = (x: number) => margin.left + ((x - x0) / (x1 - x0)) * (width - margin.left - margin.right);
  const py = (y: number) => height - margin.bottom - ((y - y0) / (y1 - y0)) * (height - margin.top - margin.bottom);
  const f = (n: number) => n.toFixed(1);
  const points = data.x.map((x, i) => `<circle cx="${f(px(x))}" cy="${f(py(data.y[i]!))}" r="2" fill="#999"/>`);
  const lines = curves.map((curve) => {
    const path = Array.from({ length: 301 }, (_, i) => x0 + ((x1 - x0) * i) / 300)
      .map((x, i) => `${i === 0 ? 'M' : 'L'}${f(px(x))},${f(py(gaussianAt(x, curve.params)))}`)
      .join(' ');
    return `<path d="${path}" fill="none" stroke="${curve.color}" stroke-width="${curve.width ?? 2}"${curve.dashed === true ? ' stroke-dasharray="6 4"' : ''}/>`;
  });
  const ticks = [-4, -2, 0, 2, 4].map((x) => `<text x="${f(px(x))}" y="${height - margin.bottom + 18}" text-anchor="middle">${x}</text>`);
  const yTicks = [0, 1, 2, 3].filter((y) => y >= y0 && y <= y1).map((y) => `<text x="${margin.left - 8}" y="${f(py(y) + 4)}" text-anchor="end">${y}</text>`);
  const legend = [{ label: `data (${data.x.length} points, noise ${data.noise})`, color: '#999' }, ...curves].map(
    (entry, i) => `<rect x="${margin.left + 12}" y="${margin.top + 6 + 20 * i}" width="14" height="4" fill="${entry.color}"/><text x="${margin.left + 32}" y="${margin.top + 12 + 20 * i}">${escape(entry.label)}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<line x1="${margin.left}" y1="${height - margin.bottom}" x2="${width - margin.right}" y2="${height - margin.bottom}" stroke="black"/>`,
    `<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${height - margin.bottom}" stroke="black"/>`,
    ...ticks,
    ...yTicks,
    ...points,
    ...lines,
    ...legend,
    '</svg>',
    '',
  ].join('\n');
}
