// Workers started before they are needed. Each loads its module and
// compiles its wasm while the page is idle, so the workers of a run start
// training at once. A run's workers end with it (their wasm memory grew to
// hold their share of the digits; fresh ones hold next to nothing).

export class WarmWorkers {
  /** @param {URL} url a module worker's script */
  constructor(url) {
    this.url = url;
    this.idle = [];
  }

  /** Keeps exactly `count` workers waiting: starts the missing ones, ends the others. */
  keep(count) {
    while (this.idle.length < count) this.idle.push(this.start());
    for (const worker of this.idle.splice(count)) worker.terminate();
  }

  /** `count` workers for a run: the waiting ones first, then new ones. */
  take(count) {
    const taken = this.idle.splice(0, count);
    while (taken.length < count) taken.push(this.start());
    return taken;
  }

  start() {
    const worker = new Worker(this.url, { type: 'module' });
    worker.onerror = this.dropOnError(worker);
    return worker;
  }

  /** A waiting worker that fails (its module does not load) is dropped; a run starts a new one. */
  dropOnError(worker) {
    return (e) => {
      e.preventDefault();
      worker.terminate();
      this.idle = this.idle.filter((w) => w !== worker);
    };
  }
}
