// The offline copy: every request for this site goes to the network first
// (so a new build shows at once) and falls back to the copy kept here, so the
// page works without a connection once it has loaded.

const CACHE = 'lenet-wasm-v3';
const CORE = [
  './',
  'index.html',
  'style.css',
  'race.css',
  'js/main.js',
  'js/boot.js',
  'js/wasm-build.js',
  'js/pad.js',
  'js/prediction-view.js',
  'js/layers-view.js',
  'js/layer-table.js',
  'js/explain.js',
  'js/netinfo.js',
  'js/colormap.js',
  'js/charts.js',
  'js/model.js',
  'js/teach.js',
  'js/scratch.js',
  'js/data.js',
  'js/set-worker.js',
  'js/ui.js',
  'js/personal-store.js',
  'js/worker-client.js',
  'js/train-worker.js',
  'js/number-view.js',
  'js/saliency-view.js',
  'js/conv-explain.js',
  'js/conv-lab.js',
  'js/designer.js',
  'js/race.js',
  'js/train-all.js',
  'js/warm-workers.js',
  'js/shard-worker.js',
  'js/weight-sync.js',
  'js/fresh-run.js',
  'js/input.js',
  'pkg/index.js',
  'pkg/relaxed-simd.js',
  'pkg/lenet.js',
  'data/manifest.json',
  'data/samples.bin.gz',
];
// The .wasm build pkg/index.js picks in this browser: main.js registers this
// worker as sw.js?wasm=<its file name>.
const wasm = new URLSearchParams(location.search).get('wasm');
if (wasm) CORE.push(`pkg/${wasm}`);

self.addEventListener('install', (e) => {
  e.waitUntil(
    caches
      .open(CACHE)
      .then((c) => c.addAll(CORE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (e) => {
  e.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== location.origin) return;
  e.respondWith(
    fetch(req)
      .then((res) => {
        if (res.ok) {
          const copy = res.clone();
          e.waitUntil(caches.open(CACHE).then((c) => c.put(req, copy)));
        }
        return res;
      })
      .catch(async () => (await caches.match(req, { ignoreSearch: true })) ?? Response.error()),
  );
});
