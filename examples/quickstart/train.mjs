// Fits rent = slope * size + intercept to data/rent.csv by gradient descent, in plain JavaScript.
// Prints one `::metric` line per epoch (Trainyard records them into the run) and writes model.json
// to $TRAINYARD_OUTPUT_DIR (./output when run by hand).
//
//   node train.mjs [--epochs 60] [--learning-rate 0.1] [--data data/rent.csv]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '60' },
    'learning-rate': { type: 'string', default: '0.1' },
    data: { type: 'string', default: 'data/rent.csv' },
  },
});
const epochs = Number(args.epochs);
const rate = Number(args['learning-rate']);
if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`--epochs must be a positive integer, got ${args.epochs}`);
if (!(rate > 0)) throw new Error(`--learning-rate must be a positive number, got ${args['learning-rate']}`);

const [header, ...lines] = readFileSync(args.data, 'utf8').trim().split(/\r?\n/);
const rows = lines.map((line) => line.split(',').map(Number));
const xs = rows.map((r) => r[0]);
const ys = rows.map((r) => r[1]);
console.log(`Training on ${rows.length} rows of ${args.data} (${header}), ${epochs} epochs, learning rate ${rate}`);

// Standardise both columns so one learning rate suits any units; undo it for the final model.
const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
const std = (v, m) => Math.sqrt(mean(v.map((x) => (x - m) ** 2)));
const [mx, my] = [mean(xs), mean(ys)];
const [sx, sy] = [std(xs, mx), std(ys, my)];
const zx = xs.map((x) => (x - mx) / sx);
const zy = ys.map((y) => (y - my) / sy);

let w = 0;
let b = 0;
let mse = 0;
for (let epoch = 1; epoch <= epochs; epoch++) {
  let gw = 0;
  let gb = 0;
  mse = 0;
  for (let i = 0; i < zx.length; i++) {
    const err = w * zx[i] + b - zy[i];
    mse += err * err;
    gw += err * zx[i];
    gb += err;
  }
  const n = zx.length;
  w -= (rate * 2 * gw) / n;
  b -= (rate * 2 * gb) / n;
  mse = (mse / n) * sy * sy; // back in squared rent units
  console.log(`::metric name=mse value=${mse} step=${epoch}`);
  if (epoch % 20 === 0 || epoch === epochs) console.log(`epoch ${String(epoch).padStart(3)}  mse ${mse.toFixed(1)}`);
}

const slope = (w * sy) / sx;
const intercept = my + b * sy - slope * mx;
const rmse = Math.sqrt(mse);
console.log(`::metric name=rmse value=${rmse} step=${epochs}`);

const outputDir = process.env.TRAINYARD_OUTPUT_DIR || 'output';
mkdirSync(outputDir, { recursive: true });
const modelFile = join(outputDir, 'model.json');
writeFileSync(modelFile, `${JSON.stringify({ model: 'linear', feature: 'size_m2', target: 'rent', slope, intercept, rmse }, null, 2)}\n`);
console.log(`Model: rent = ${slope.toFixed(2)} * size_m2 + ${intercept.toFixed(2)}  (rmse ${rmse.toFixed(1)})`);
console.log(`Wrote ${modelFile}`);
