// A map from strings to values, for the strings a parse has just read. A `Map` hashes a string
// the first time it sees that string object, through a call into the engine's runtime; every id
// and reference read from a diagram is a new string object looked up about once, so that call
// is most of what a lookup costs. This table hashes in plain script instead, which the compiler
// inlines: open addressing with linear probing, doubled when half full.
//
// Its hash has no secret seed, so a document could choose ids that collide. A lookup that has
// to probe more than MAX_PROBES slots therefore moves the table into a `Map` (whose hash is
// seeded) for good: chosen collisions cost a bounded amount, never time quadratic in the ids.

const MAX_PROBES = 32;

export class StringTable<V> {
  #keys: (string | undefined)[];
  #values: (V | undefined)[];
  #mask: number;
  #size = 0;
  #map: Map<string, V> | null = null;
  // A key is often looked up and then added: its hash is kept for the second call.
  #lastKey = "";
  #lastHash = hash("");

  /** `expected`: how many keys the table will likely hold, so it need not grow to them. */
  constructor(expected = 0) {
    let capacity = 16;
    while (capacity <= expected * 2) capacity *= 2;
    this.#keys = new Array(capacity).fill(undefined);
    this.#values = new Array(capacity).fill(undefined);
    this.#mask = capacity - 1;
  }

  get size(): number {
    return this.#map === null ? this.#size : this.#map.size;
  }

  get(key: string): V | undefined {
    if (this.#map !== null) return this.#map.get(key);
    const keys = this.#keys;
    const mask = this.#mask;
    let i = this.#hash(key) & mask;
    for (let probes = 0; probes < MAX_PROBES; probes++) {
      const k = keys[i];
      if (k === undefined) return undefined;
      if (k === key) return this.#values[i];
      i = (i + 1) & mask;
    }
    return this.#toMap().get(key);
  }

  set(key: string, value: V): void {
    if (this.#map !== null) {
      this.#map.set(key, value);
      return;
    }
    const added = place(this.#keys, this.#values, this.#mask, key, this.#hash(key), value);
    if (added < 0) {
      this.#toMap().set(key, value);
    } else if (added === 1 && ++this.#size * 2 > this.#mask) {
      this.#grow();
    }
  }

  #grow(): void {
    const capacity = this.#keys.length * 2;
    const keys: (string | undefined)[] = new Array(capacity).fill(undefined);
    const values: (V | undefined)[] = new Array(capacity).fill(undefined);
    for (let i = 0; i < this.#keys.length; i++) {
      const k = this.#keys[i];
      if (k !== undefined && place(keys, values, capacity - 1, k, hash(k), this.#values[i]) < 0) {
        this.#toMap();
        return;
      }
    }
    this.#keys = keys;
    this.#values = values;
    this.#mask = capacity - 1;
  }

  #hash(key: string): number {
    if (key !== this.#lastKey) {
      this.#lastKey = key;
      this.#lastHash = hash(key);
    }
    return this.#lastHash;
  }

  #toMap(): Map<string, V> {
    const map = new Map<string, V>();
    for (let i = 0; i < this.#keys.length; i++) {
      const k = this.#keys[i];
      if (k !== undefined) map.set(k, this.#values[i] as V);
    }
    this.#map = map;
    this.#keys = [];
    this.#values = [];
    return map;
  }
}

/** Puts a key's value in its slot: 1 when the key is new, 0 when it was there, -1 when the run
 * of slots to search is too long. */
function place<V>(
  keys: (string | undefined)[],
  values: (V | undefined)[],
  mask: number,
  key: string,
  h: number,
  value: V | undefined,
): number {
  let i = h & mask;
  for (let probes = 0; probes < MAX_PROBES; probes++) {
    const k = keys[i];
    if (k === undefined) {
      keys[i] = key;
      values[i] = value;
      return 1;
    }
    if (k === key) {
      values[i] = value;
      return 0;
    }
    i = (i + 1) & mask;
  }
  return -1;
}

/** Code units hashed from each end and the middle of a long key: long keys (styles with images
 * in them) differ there or in length, and hashing every unit would make a lookup cost its size. */
const SAMPLE = 32;

/** FNV-1a over the UTF-16 code units (of three samples, for a long key), folded so that the low
 * bits depend on every unit hashed. */
function hash(s: string): number {
  const n = s.length;
  let h = 0x811c9dc5 ^ n;
  if (n <= 3 * SAMPLE) {
    for (let i = 0; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  } else {
    const middle = (n - SAMPLE) >> 1;
    for (let i = 0; i < SAMPLE; i++) {
      h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
      h = Math.imul(h ^ s.charCodeAt(middle + i), 0x01000193);
      h = Math.imul(h ^ s.charCodeAt(n - SAMPLE + i), 0x01000193);
    }
  }
  return (h ^ (h >>> 16)) >>> 0;
}
