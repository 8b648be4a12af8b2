// Walking a REST list by its `next` links ends on the last page that holds rows: when the count
// is an exact multiple of `limit`, the last full page has `next: null` and no link leads to an
// empty page. Checked on a resource list and on a pool's free addresses, which count apart.
import assert from "node:assert/strict";
import { getJson, seedDevices } from "./support/rest.ts";
import { type TestServer, withServer } from "./support/server.ts";

interface Page {
  count: number;
  next: string | null;
  results: unknown[];
}

/** Follows `next` from `first`; returns the size of each page. Fails on an empty page. */
async function walk(s: TestServer, first: string): Promise<number[]> {
  const sizes: number[] = [];
  let path: string | null = first;
  while (path !== null) {
    const { status, body } = await getJson(s, path);
    assert.equal(status, 200, `${path}: ${JSON.stringify(body)}`);
    const page = body as unknown as Page;
    assert.ok(page.results.length > 0, `${path} is an empty page (count ${page.count})`);
    sizes.push(page.results.length);
    assert.ok(sizes.length <= page.count, `more pages than rows from ${first}`);
    path = page.next === null ? null : new URL(page.next).pathname + new URL(page.next).search;
  }
  return sizes;
}

Deno.test("a device list whose count is a multiple of limit ends with next: null", async () => {
  await withServer(async (s) => {
    await seedDevices(s.testDb.db, 6);
    for (const limit of [1, 2, 3, 6]) {
      const sizes = await walk(s, `/api/devices/?limit=${limit}`);
      assert.deepEqual(sizes, Array(6 / limit).fill(limit), `limit ${limit}`);
    }
    // The last full page, asked for directly, links nowhere.
    const { body } = await getJson(s, "/api/devices/?limit=3&offset=3");
    assert.equal((body as unknown as Page).next, null);
    // A count that is not a multiple still ends on its short page.
    assert.deepEqual(await walk(s, "/api/devices/?limit=4"), [4, 2]);
  });
});

Deno.test("a pool's free addresses, a multiple of limit, end with next: null", async () => {
  await withServer(async (s, admin) => {
    // A /29 has six usable addresses.
    const pool = await admin.tool<{ id: string }>("create-ip-pool", {
      name: "walk",
      network: "10.91.0.0/29",
    });
    for (const limit of [2, 3, 6]) {
      const sizes = await walk(s, `/api/ip-pools/${pool.id}/available-ips/?limit=${limit}`);
      assert.deepEqual(sizes, Array(6 / limit).fill(limit), `limit ${limit}`);
    }
    // Two taken: four free, again a multiple of 2.
    await admin.tool("allocate-ip", { poolId: pool.id, count: 2 });
    assert.deepEqual(await walk(s, `/api/ip-pools/${pool.id}/available-ips/?limit=2`), [2, 2]);
  });
});
