import assert from "node:assert/strict";
import { StringTable } from "./string_table.ts";

Deno.test("StringTable answers as a Map does, through growth, replaced values and long keys", () => {
  const table = new StringTable<number>();
  const map = new Map<string, number>();
  const image = "image=data:image/png,iVBORw0KGgo" + "A".repeat(500);
  const keys = ["", "0", "1", "v1", "1v", "__proto__", "constructor", image, image + "x"];
  for (let i = 0; i < 5000; i++) keys.push(`cell-${i}`, `${i}`);
  keys.forEach((k, i) => {
    table.set(k, i);
    map.set(k, i);
  });
  for (let i = 0; i < keys.length; i += 3) {
    table.set(keys[i], -i);
    map.set(keys[i], -i);
  }
  assert.equal(table.size, map.size);
  for (const k of [...keys, "missing", image.slice(0, -1), "cell-5000"]) {
    assert.equal(table.get(k), map.get(k), k.slice(0, 40));
  }
});

Deno.test("StringTable keeps every key when many share a hash", () => {
  // Long keys are hashed from three samples; these differ only between them, so all collide.
  const table = new StringTable<number>(4);
  const keys: string[] = [];
  for (let i = 0; i < 500; i++) {
    const middle = "m".repeat(40) + String(i).padStart(4, "0") + "m".repeat(40);
    keys.push("s".repeat(32) + middle + "m".repeat(32) + middle + "e".repeat(32));
  }
  keys.forEach((k, i) => table.set(k, i));
  assert.equal(table.size, 500);
  keys.forEach((k, i) => assert.equal(table.get(k), i));
  assert.equal(table.get(keys[0] + "!"), undefined);
});
