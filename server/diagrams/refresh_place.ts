// Where refresh-diagram puts a device that is new to a drawing: the nearest spot to a point (the
// centre of its drawn neighbours) where it overlaps no shape already on the page, or, for a
// device with no drawn neighbour, the next place in a row below everything. Shapes already drawn
// are obstacles only: nothing here moves them. Pure: no I/O.

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Space kept free around every shape. */
const GAP = 20;
/** Room below a new shape for its label (draw.io's network shapes show it underneath). */
const LABEL_BELOW = 32;
/** Candidate positions are this far apart. */
const STEP = 20;
/** Rings searched around the wanted point before giving up on it for the row below. */
const MAX_RINGS = 400;
const BUCKET = 256;

/** The shapes of one page, and the free spots between them. */
export class FreeSpace {
  readonly #buckets = new Map<number, Rect[]>();
  #minX = Infinity;
  #maxX = -Infinity;
  #maxY = -Infinity;
  #row: { x: number; y: number; height: number } | null = null;

  constructor(rects: Iterable<Rect>) {
    for (const r of rects) this.add(r);
  }

  /** Takes a rectangle as occupied (a shape, with its label room when it has one below). */
  add(r: Rect): void {
    if (!(r.width >= 0 && r.height >= 0) || !Number.isFinite(r.x + r.y + r.width + r.height)) {
      return;
    }
    this.#minX = Math.min(this.#minX, r.x);
    this.#maxX = Math.max(this.#maxX, r.x + r.width);
    this.#maxY = Math.max(this.#maxY, r.y + r.height);
    const x1 = Math.floor((r.x + r.width) / BUCKET);
    const y1 = Math.floor((r.y + r.height) / BUCKET);
    for (let i = Math.floor(r.x / BUCKET); i <= x1; i++) {
      for (let j = Math.floor(r.y / BUCKET); j <= y1; j++) {
        const key = bucketKey(i, j);
        const list = this.#buckets.get(key);
        if (list) list.push(r);
        else this.#buckets.set(key, [r]);
      }
    }
  }

  /** Whether a shape of this size at (x, y), with its gap and label room, touches nothing. */
  isFree(x: number, y: number, width: number, height: number): boolean {
    const probe = footprint({ x, y, width, height });
    const x1 = Math.floor((probe.x + probe.width) / BUCKET);
    const y1 = Math.floor((probe.y + probe.height) / BUCKET);
    for (let i = Math.floor(probe.x / BUCKET); i <= x1; i++) {
      for (let j = Math.floor(probe.y / BUCKET); j <= y1; j++) {
        const list = this.#buckets.get(bucketKey(i, j));
        if (list === undefined) continue;
        for (let k = 0; k < list.length; k++) if (overlaps(probe, list[k])) return false;
      }
    }
    return true;
  }

  /**
   * The top-left corner nearest to centring the shape on `center` where it is free; taken as
   * occupied. Far from any free spot (a point inside a huge shape), the row below everything.
   */
  placeNear(center: { x: number; y: number }, width: number, height: number): Rect {
    const x0 = Math.round(center.x - width / 2);
    const y0 = Math.round(center.y - height / 2);
    let best: { x: number; y: number; d: number } | null = null;
    for (let k = 0; k <= MAX_RINGS; k++) {
      // Every spot of ring k is at least k steps away: once the best is nearer, it is final.
      if (best !== null && best.d <= k * STEP) break;
      for (const [i, j] of ring(k)) {
        const x = x0 + i * STEP;
        const y = y0 + j * STEP;
        const d = Math.hypot(i * STEP, j * STEP);
        if (best !== null && d >= best.d) continue;
        if (this.isFree(x, y, width, height)) best = { x, y, d };
      }
    }
    if (best === null) return this.placeBelow(width, height);
    const rect = { x: best.x, y: best.y, width, height };
    this.add(withLabel(rect));
    return rect;
  }

  /** The next place in a row below every shape of the page; taken as occupied. */
  placeBelow(width: number, height: number): Rect {
    const left = Number.isFinite(this.#minX) ? this.#minX : 0;
    const right = Math.max(left + 1200, Number.isFinite(this.#maxX) ? this.#maxX : 0);
    if (this.#row === null) {
      const top = Number.isFinite(this.#maxY) ? this.#maxY + 3 * GAP : 0;
      this.#row = { x: left, y: top, height: 0 };
    } else if (this.#row.x + width > right) {
      this.#row = { x: left, y: this.#row.y + this.#row.height + 2 * GAP, height: 0 };
    }
    const row = this.#row;
    const rect = { x: row.x, y: row.y, width, height };
    row.x += width + 2 * GAP + 40;
    row.height = Math.max(row.height, height + LABEL_BELOW);
    this.add(withLabel(rect));
    return rect;
  }
}

/** A shape's rectangle with the room its label takes below it. */
export function withLabel(r: Rect): Rect {
  return { x: r.x, y: r.y, width: r.width, height: r.height + LABEL_BELOW };
}

function footprint(r: Rect): Rect {
  // The label may be wider than a narrow icon: keep a little more room at the sides.
  const side = GAP + Math.max(0, (80 - r.width) / 2);
  return {
    x: r.x - side,
    y: r.y - GAP,
    width: r.width + 2 * side,
    height: r.height + LABEL_BELOW + 2 * GAP,
  };
}

/** One number per bucket (pages span far fewer than a million buckets a side). */
function bucketKey(i: number, j: number): number {
  return i * 2_097_152 + j;
}

function overlaps(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height &&
    b.y < a.y + a.height;
}

/** The offsets (in steps) of the square ring k around the origin. */
function* ring(k: number): Generator<[number, number]> {
  if (k === 0) {
    yield [0, 0];
    return;
  }
  for (let i = -k; i <= k; i++) {
    yield [i, -k];
    yield [i, k];
  }
  for (let j = -k + 1; j <= k - 1; j++) {
    yield [-k, j];
    yield [k, j];
  }
}
