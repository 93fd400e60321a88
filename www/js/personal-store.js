// The personal set: labelled drawings kept in this browser (IndexedDB), each
// stored as the 32x32 input the network saw.

const DB = 'lenet-wasm';
const STORE = 'personal';

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

export class PersonalStore {
  static async open() {
    if (!('indexedDB' in self)) throw new Error('this browser has no IndexedDB, so drawings cannot be kept');
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'id', autoIncrement: true });
    req.onblocked = () => {};
    const db = await request(req);
    return new PersonalStore(db);
  }

  constructor(db) {
    this.db = db;
  }

  store(mode) {
    return this.db.transaction(STORE, mode).objectStore(STORE);
  }

  /** @returns {Promise<Array<{id: number, label: number, input: Float32Array, at: number}>>} */
  all() {
    return request(this.store('readonly').getAll());
  }

  async add(label, input) {
    const item = { label, input: new Float32Array(input), at: Date.now() };
    item.id = await request(this.store('readwrite').add(item));
    return item;
  }

  remove(id) {
    return request(this.store('readwrite').delete(id));
  }

  clear() {
    return request(this.store('readwrite').clear());
  }
}

/** A store that lives only in memory, when IndexedDB is unavailable (private windows, some embeds). */
export class MemoryStore {
  constructor() {
    this.items = [];
    this.next = 1;
  }
  async all() {
    return [...this.items];
  }
  async add(label, input) {
    const item = { id: this.next++, label, input: new Float32Array(input), at: Date.now() };
    this.items.push(item);
    return item;
  }
  async remove(id) {
    this.items = this.items.filter((i) => i.id !== id);
  }
  async clear() {
    this.items = [];
  }
}
