/** The playground's two plots, on canvases: the data with the truth and the fit, and the loss per step. */
import { gaussianAt } from '../src/data';
import type { Data, GaussianParams } from '../src/data';

const X = [-5, 5] as const;
const Y = [-0.5, 3.2] as const;

function frame(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = canvas.getContext('2d')!;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  return ctx;
}

/** The data as points, the truth dashed and the current fit as a line. */
export function drawFit(canvas: HTMLCanvasElement, data: Data, fit: GaussianParams | undefined): void {
  const ctx = frame(canvas);
  const px = (x: number) => ((x - X[0]) / (X[1] - X[0])) * canvas.width;
  const py = (y: number) => canvas.height - ((y - Y[0]) / (Y[1] - Y[0])) * canvas.height;
  ctx.fillStyle = '#9aa0a6';
  data.x.forEach((x, i) => {
    ctx.beginPath();
    ctx.arc(px(x), py(data.y[i]!), 2, 0, 2 * Math.PI);
    ctx.fill();
  });
  const curve = (params: GaussianParams, color: string, width: number, dash: number[]) => {
    ctx.beginPath();
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.setLineDash(dash);
    for (let i = 0; i <= 200; i++) {
      const x = X[0] + ((X[1] - X[0]) * i) / 200;
      if (i === 0) ctx.moveTo(px(x), py(gaussianAt(x, params)));
      else ctx.lineTo(px(x), py(gaussianAt(x, params)));
    }
    ctx.stroke();
  };
  if (fit !== undefined) curve(fit, '#e8710a', 3, []);
  curve(data.truth, '#202124', 1.5, [6, 4]);
  ctx.setLineDash([]);
  ctx.fillStyle = '#202124';
  ctx.font = '12px system-ui';
  ctx.fillText('data · truth (dashed) · fit (orange)', 8, 16);
}

/** The loss per step, on a log scale. */
export function drawLoss(canvas: HTMLCanvasElement, losses: readonly number[], steps: number): void {
  const ctx = frame(canvas);
  const lo = Math.log10(5e-3);
  const hi = Math.log10(Math.max(1, ...losses));
  const px = (i: number) => (i / Math.max(1, steps - 1)) * (canvas.width - 10) + 5;
  const py = (loss: number) => canvas.height - 5 - ((Math.log10(loss) - lo) / (hi - lo)) * (canvas.height - 25);
  ctx.strokeStyle = '#1a73e8';
  ctx.lineWidth = 2;
  ctx.beginPath();
  losses.forEach((loss, i) => (i === 0 ? ctx.moveTo(px(i), py(loss)) : ctx.lineTo(px(i), py(loss))));
  ctx.stroke();
  ctx.fillStyle = '#202124';
  ctx.font = '12px system-ui';
  ctx.fillText(`loss (log scale)${losses.length > 0 ? `: ${losses.at(-1)!.toFixed(5)}` : ''}`, 8, 16);
}
