// Character classes and searches for the XML reader (xml.ts): what counts as white space and
// as a name, entity reference syntax, and forward searches that each part of a text pays for
// once.

/** JavaScript's `\s`, which the reader has always taken for white space between tokens. */
export function isSpace(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true;
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 ||
    c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * End of the name starting at `start` (== start when there is none). Names: ASCII letters,
 * digits and . - _ : plus any non-ASCII character from U+00C0 on (XML allows most), and U+00B7
 * after the first character; no digit, '.' or '-' first.
 */
export function nameEnd(text: string, start: number): number {
  let c = text.charCodeAt(start);
  if (c < 0x100 ? (NAME_TABLE[c] & 1) === 0 : !(c >= 0x100)) return start;
  let p = start + 1;
  do c = text.charCodeAt(p++); while (c < 0x100 ? NAME_TABLE[c] !== 0 : c >= 0x100);
  return p - 1;
}

/** Characters below U+0100: 1 for those that may start a name, 2 for those that may follow. */
export const NAME_TABLE = new Uint8Array(0x100);
for (let c = 0; c < 0x100; c++) {
  const letter = ((c | 32) - 97) >>> 0 < 26 || c === 95 || c === 58 || c >= 0xc0;
  if (letter) NAME_TABLE[c] = 3;
  else if ((c - 48) >>> 0 < 10 || c === 46 || c === 45 || c === 0xb7) NAME_TABLE[c] = 2;
}

/** Whether the '&' at `at` starts an entity or character reference: `&name;`, `&#9;`, `&#x9;`. */
export function isReference(text: string, at: number): boolean {
  let p = at + 1;
  let c = text.charCodeAt(p);
  if (c === 35 /* # */) {
    p++;
    const hex = text.charCodeAt(p) === 120 /* x */;
    if (hex) p++;
    const digits = p;
    for (;; p++) {
      c = text.charCodeAt(p);
      if (!((c - 48) >>> 0 < 10 || (hex && ((c | 32) - 97) >>> 0 < 6))) break;
    }
    return p > digits && c === 59 /* ; */;
  }
  if (!(((c | 32) - 97) >>> 0 < 26 || c === 95 || c === 58)) return false;
  do c = text.charCodeAt(++p); while (
    ((c | 32) - 97) >>> 0 < 26 || (c - 48) >>> 0 < 10 || c === 95 || c === 58 || c === 46 ||
    c === 45
  );
  return c === 59;
}

/**
 * Where the next '<', '&', and tab or line break are at or after a position, for a reader that
 * only moves forward: each is searched for again only once the reader has passed it, so every
 * part of the text is searched at most once for each, however many values ask.
 */
export class Ahead {
  #lt = -1;
  #amp = -1;
  #lf = -1;
  #cr = -1;
  #tab = -1;

  lt(text: string, from: number): number {
    if (this.#lt < from) this.#lt = next(text, "<", from);
    return this.#lt;
  }

  amp(text: string, from: number): number {
    if (this.#amp < from) this.#amp = next(text, "&", from);
    return this.#amp;
  }

  lineBreakOrTab(text: string, from: number): number {
    if (this.#lf < from) this.#lf = next(text, "\n", from);
    if (this.#cr < from) this.#cr = next(text, "\r", from);
    if (this.#tab < from) this.#tab = next(text, "\t", from);
    return Math.min(this.#lf, this.#cr, this.#tab);
  }
}

function next(text: string, c: string, from: number): number {
  const i = text.indexOf(c, from);
  return i < 0 ? Infinity : i;
}

export function repeats(attrs: string[], key: string): boolean {
  for (let i = 0; i < attrs.length; i += 2) if (attrs[i] === key) return true;
  return false;
}

export function same(text: string, start: number, s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    if (text.charCodeAt(start + i) !== s.charCodeAt(i)) return false;
  }
  return true;
}
