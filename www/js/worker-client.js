// The page's side of a training worker: starts it, forwards its messages to
// one handler, and turns a worker that fails to start or crashes into an
// 'error' message like any other.

export class TrainerClient {
  /** @param {(msg: object) => void} onMessage */
  constructor(onMessage) {
    this.onMessage = onMessage;
    this.worker = null;
  }

  start() {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = (e) => this.onMessage(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      this.onMessage({ type: 'error', message: `the training worker failed: ${e.message || 'it could not start'}` });
      this.terminate();
    };
    worker.onmessageerror = () =>
      this.onMessage({ type: 'error', message: 'the training worker sent a message that could not be read' });
    this.worker = worker;
    return worker;
  }

  post(msg, transfer = []) {
    this.start().postMessage(msg, transfer);
  }

  terminate() {
    this.worker?.terminate();
    this.worker = null;
  }
}
