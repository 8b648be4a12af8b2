import assert from "node:assert/strict";
import { Gathered, type LiveHandlers, routeNotification } from "./live.ts";

Deno.test("Gathered runs once at a time and folds what arrives meanwhile into one more run", async () => {
  const runs: (string[] | null)[] = [];
  // Each run waits for the test to let it finish; `started` says when the next one began.
  let finish = () => {};
  let started = Promise.withResolvers<void>();
  const g = new Gathered<string>((keys) => {
    runs.push(keys === null ? null : [...keys].sort());
    const done = Promise.withResolvers<void>();
    finish = done.resolve;
    started.resolve();
    return done.promise;
  });
  const all = [g.request("A-1")];
  await started.promise;
  // A burst while the first run is under way: one more run, with all of it.
  started = Promise.withResolvers<void>();
  all.push(g.request("A-2"), g.request("A-3"), g.request("A-2"));
  assert.deepEqual(runs, [["A-1"]]);
  finish();
  await started.promise;
  assert.deepEqual(runs, [["A-1"], ["A-2", "A-3"]]);
  // "Everything" swallows the ids asked for with it.
  started = Promise.withResolvers<void>();
  all.push(g.request("A-4"), g.request(null), g.request("A-5"));
  finish();
  await started.promise;
  finish();
  await Promise.all(all);
  assert.deepEqual(runs, [["A-1"], ["A-2", "A-3"], null]);
});

Deno.test("Gathered keeps running after a run fails", async () => {
  let calls = 0;
  const g = new Gathered<string>(() => {
    calls++;
    return calls === 1 ? Promise.reject(new Error("offline")) : Promise.resolve();
  });
  await g.request("x");
  await g.request("y");
  assert.equal(calls, 2);
});

function recorder() {
  const seen: unknown[] = [];
  const on: LiveHandlers = {
    diagramChanged: (c) => seen.push(["diagram", c]),
    poolChanged: (id) => seen.push(["pool", id]),
    deviceChanged: (id) => seen.push(["device", id]),
    alert: (device) => seen.push(["alert", device]),
  };
  return { seen, on };
}

Deno.test("routeNotification() hands each event to its handler with text ids", () => {
  const { seen, on } = recorder();
  routeNotification("notifications/diagram-changed", { diagramId: 7, version: 3, by: "ann" }, on);
  routeNotification("notifications/pool-changed", { poolId: "pool-1", change: "released" }, on);
  routeNotification("notifications/pool-changed", {}, on);
  routeNotification("notifications/device-changed", { deviceId: "A-1", assetId: "A-1" }, on);
  routeNotification("notifications/alert", { alert: { alert_type: "device_down" } }, on);
  routeNotification("notifications/alert", { alertId: 4, alertType: "ip_conflict" }, on);
  assert.deepEqual(seen, [
    ["diagram", { diagramId: "7", version: 3, by: "ann" }],
    ["pool", "pool-1"],
    ["pool", null],
    ["device", "A-1"],
    ["alert", true],
    ["alert", false],
  ]);
});

Deno.test("routeNotification() ignores what it does not know and events without a version", () => {
  const { seen, on } = recorder();
  routeNotification("notifications/diagram-changed", { diagramId: "d", deleted: true }, on);
  routeNotification("notifications/netbox-synced", { runId: 1 }, on);
  routeNotification("notifications/alert", null, on);
  assert.deepEqual(seen, [["alert", false]]);
});
