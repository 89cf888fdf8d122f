// The demo page's script: loads the webgpu package and the checkpoint by URL, runs one forward pass and shows the
// most likely tokens at the masked position. The result is also left on `window.demoResult` for the browser test.
const $ = (id) => document.getElementById(id);
const status = (text) => { $('status').textContent = text; };

async function main() {
  const demo = await (await fetch('./demo.json')).json(); // ids and mask position, written by scripts/demo-web.ts
  const { loadBert } = await import(new URL('./pkg/index.js', location.href).href);
  let progressEvents = 0;
  const started = performance.now();
  const model = await loadBert(new URL('./ckpt/', location.href), {
    onProgress: ({ done, total, name }) => {
      progressEvents++;
      $('progress').max = total;
      $('progress').value = done;
      status(`read ${done}/${total} tensors (${name})`);
    },
  });
  const loadMs = performance.now() - started;
  $('device').textContent = model.device;
  status('running a forward pass…');
  const t = performance.now();
  const { logits } = await model.forward({ inputIds: [demo.ids] });
  const forwardMs = performance.now() - t;

  // Softmax over the vocabulary at the masked position, then the five best tokens.
  const V = logits.shape[2];
  const row = logits.data.subarray(demo.mask * V, (demo.mask + 1) * V);
  const max = Math.max(...row);
  const sum = row.reduce((s, x) => s + Math.exp(x - max), 0);
  const top = Array.from(row, (x, id) => ({ id, p: Math.exp(x - max) / sum })).sort((a, b) => b.p - a.p).slice(0, 5);
  $('result').innerHTML =
    `<p>Input ids <code>${demo.ids.join(' ')}</code>, masked position ${demo.mask}: top tokens</p>` +
    `<table><tr><th>token id</th><th>probability</th></tr>${top.map((x) => `<tr><td>${x.id}</td><td>${x.p.toPrecision(4)}</td></tr>`).join('')}</table>`;
  status(`loaded in ${loadMs.toFixed(0)} ms (reading weights, compiling kernels), forward pass in ${forwardMs.toFixed(0)} ms`);
  window.demoResult = { device: model.device, shape: logits.shape, logits: Array.from(logits.data), top, progressEvents, loadMs, forwardMs };
  model.dispose();
}

main().then(
  () => { document.body.dataset.state = 'done'; },
  (e) => {
    $('status').className = 'error';
    status(`${e.name}: ${e.message}`);
    window.demoError = `${e.name}: ${e.message}`;
    document.body.dataset.state = 'error';
  },
);
