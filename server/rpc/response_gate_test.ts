import assert from "node:assert/strict";
import { LARGE_RESPONSE_BYTES, ResponseGate } from "./response_gate.ts";

const MB = 1024 * 1024;

Deno.test("ResponseGate lets large responses take at most its capacity at once", () => {
  const gate = new ResponseGate(64 * MB);
  const a = gate.take(40 * MB);
  assert.ok(a);
  assert.equal(gate.take(30 * MB), null, "40 + 30 MB do not fit in 64");
  const b = gate.take(24 * MB);
  assert.ok(b);
  assert.equal(gate.free, 0);
  a();
  a(); // given back once only
  assert.equal(gate.free, 40 * MB);
  b!();
  assert.equal(gate.free, 64 * MB);
});

Deno.test("ResponseGate takes nothing for small responses and counts overruns", () => {
  const gate = new ResponseGate(4 * MB);
  for (let i = 0; i < 100; i++) assert.ok(gate.take(LARGE_RESPONSE_BYTES - 1));
  assert.equal(gate.free, 4 * MB);
  const over = gate.force(6 * MB);
  assert.equal(gate.free, -2 * MB);
  assert.equal(gate.take(LARGE_RESPONSE_BYTES), null, "nothing large fits while overrun");
  over();
  assert.equal(gate.free, 4 * MB);
});
