import assert from "node:assert/strict";
import { SocketSlots, utf8LongerThan } from "./socket_limits.ts";

Deno.test("utf8LongerThan() counts UTF-8 bytes, not UTF-16 units", () => {
  const encoded = (s: string) => new TextEncoder().encode(s).length;
  for (
    const text of [
      "a".repeat(100),
      "€".repeat(40),
      "é".repeat(60),
      "😀".repeat(30),
      "a€é😀".repeat(12),
      "\ud800x".repeat(30),
      "x\udc00".repeat(30),
    ]
  ) {
    const bytes = encoded(text);
    assert.equal(utf8LongerThan(text, bytes), false, text);
    assert.equal(utf8LongerThan(text, bytes - 1), true, text);
  }
  // 40 three-byte characters are 40 UTF-16 units but 120 bytes.
  assert.equal(utf8LongerThan("€".repeat(40), 100), true);
});

Deno.test("SocketSlots refuses past each cap and gives a slot back once", () => {
  const slots = new SocketSlots({ perOwner: 2, perAddress: 3, total: 4 });
  const a = slots.acquire("token:1", "10.0.0.1");
  const b = slots.acquire("token:1", "10.0.0.1");
  assert.ok(a.ok && b.ok);
  const third = slots.acquire("token:1", "10.0.0.2");
  assert.ok(!third.ok && third.code === 1008);
  assert.match(third.reason, /ARCHIFLOW_MAX_SOCKETS_PER_TOKEN=2/);
  assert.ok(slots.acquire("token:2", "10.0.0.1").ok);
  const byAddr = slots.acquire("token:3", "10.0.0.1");
  assert.ok(!byAddr.ok && byAddr.code === 1008);
  assert.match(byAddr.reason, /ARCHIFLOW_MAX_SOCKETS_PER_ADDRESS=3/);
  assert.ok(slots.acquire("token:3", "10.0.0.2").ok);
  const full = slots.acquire("token:4", "10.0.0.3");
  assert.ok(!full.ok && full.code === 1013);
  assert.match(full.reason, /ARCHIFLOW_MAX_SOCKETS=4/);
  a.release();
  a.release();
  assert.equal(slots.total, 3);
  assert.ok(slots.acquire("token:1", "10.0.0.3").ok);
  assert.ok(!slots.acquire("token:5", "10.0.0.4").ok);
});
