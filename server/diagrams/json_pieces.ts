// JSON text in pieces. Any JavaScript string over 128 KB lives in V8's large-object space, in
// memory mapped afresh for it; the text of a 1 MB drawing, made whole by JSON.stringify, took
// 3-4 ms of page faults on a virtual machine before a character of it was sent. In pieces of
// at most PIECE_CHARS, the text lives in the ordinary heap, and the database joins the pieces.

/** Characters per piece: under 128 KB even when every character takes two bytes. */
export const PIECE_CHARS = 60_000;

/**
 * JSON.stringify(value) as at most `max` strings that concatenate to exactly that text. Arrays
 * and objects down to `depth` levels are written item by item; anything deeper (a drawing's
 * cell, device or link) is stringified whole. Past `max - 1` pieces, the last piece takes the
 * rest, however long.
 */
export function jsonPieces(value: unknown, max: number, depth = 4): string[] {
  const pieces: string[] = [];
  let current = "";
  const emit = (s: string) => {
    current += s;
    if (current.length >= PIECE_CHARS && pieces.length < max - 1) {
      pieces.push(current);
      current = "";
    }
  };
  const walk = (v: unknown, level: number): void => {
    if (level >= depth || v === null || typeof v !== "object" || "toJSON" in v) {
      emit(JSON.stringify(v));
      return;
    }
    if (Array.isArray(v)) {
      emit("[");
      for (let i = 0; i < v.length; i++) {
        if (i > 0) emit(",");
        const item = v[i];
        if (item === undefined || typeof item === "function" || typeof item === "symbol") {
          emit("null");
        } else walk(item, level + 1);
      }
      emit("]");
      return;
    }
    emit("{");
    let first = true;
    for (const key of Object.keys(v)) {
      const item = (v as Record<string, unknown>)[key];
      if (item === undefined || typeof item === "function" || typeof item === "symbol") continue;
      emit(`${first ? "" : ","}${JSON.stringify(key)}:`);
      first = false;
      walk(item, level + 1);
    }
    emit("}");
  };
  walk(value, 0);
  pieces.push(current);
  return pieces;
}
