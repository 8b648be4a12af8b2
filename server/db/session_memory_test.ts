// Sessions that write diagram content keep the memory they allocate for megabyte values
// (migration 0130). On PostgreSQL: the save path marks its session, and a backend that ran
// archiflow_keep_session_memory() receives large values without faulting their buffers in
// again, read from the backend's own page-fault counter when the server runs on this machine.
import assert from "node:assert/strict";
import postgres from "postgres";
import { createTestDb } from "../../tests/support/db.ts";
import { ipamHarness } from "../ipam/test_support.ts";
import { migrate } from "./migrate.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const onPostgres = Deno.env.get("DATABASE_URL") !== undefined;

const XML = `<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>` +
  `<mxCell id="v1" value="core-sw" vertex="1" parent="1"><mxGeometry as="geometry"/></mxCell>` +
  `</root></mxGraphModel>`;

Deno.test("a save of diagram content keeps its session's memory", opts, async () => {
  // One connection, so that the session the save used is the one asked below.
  const h = await ipamHarness({ poolSize: 1 });
  try {
    const saved = await h.call<{ id: number; version: number }>("save-diagram", {
      name: "net",
      xml: XML,
    });
    assert.equal(saved.version, 1);
    const again = await h.call<{ version: number }>("save-diagram", { id: saved.id, xml: XML });
    assert.equal(again.version, 2, "saves work with the call in their pipeline");
    const [{ kept }] = await h.t.db.query<{ kept: string | null }>(
      "SELECT current_setting('archiflow.session_memory_kept', true) AS kept",
    );
    // PGlite runs in this process: there is no backend's allocator to keep warm.
    assert.equal(kept, onPostgres ? "on" : null);
  } finally {
    await h.close();
  }
});

/** Minor page faults of a local backend so far, or null when it is not on this machine. */
function backendFaults(pid: number): number | null {
  try {
    return Number(Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ")[7]);
  } catch {
    return null;
  }
}

Deno.test({
  name: "a kept session receives megabyte values without faulting their buffers in again",
  ignore: !onPostgres,
  ...opts,
  fn: async () => {
    const t = await createTestDb();
    try {
      await migrate(t.db);
      const value = "x".repeat(2 * 1024 * 1024);
      // Faults per statement receiving the value, on a fresh connection (a new backend).
      const faultsPerValue = async (keep: boolean): Promise<number | null> => {
        const s = postgres(t.url as string, { max: 1, onnotice: () => {} });
        try {
          const [{ pid }] = await s`SELECT pg_backend_pid() AS pid`;
          if (keep) await s`SELECT archiflow_keep_session_memory()`;
          await s.unsafe("SELECT length($1::text)", [value]);
          const before = backendFaults(pid);
          if (before === null) return null;
          for (let i = 0; i < 5; i++) await s.unsafe("SELECT length($1::text)", [value]);
          return ((backendFaults(pid) as number) - before) / 5;
        } finally {
          await s.end();
        }
      };
      const plain = await faultsPerValue(false);
      const kept = await faultsPerValue(true);
      if (plain === null || kept === null) {
        console.log("  (the server is not on this machine: its page faults cannot be read)");
        return;
      }
      // A 2 MB value is 512 pages; the plain backend maps its buffers afresh every time.
      assert.ok(plain > 400, `a plain backend faults its buffers in per value (${plain})`);
      assert.ok(kept < plain / 4, `a kept backend reuses them (${kept} vs ${plain} faults)`);
    } finally {
      await t.close();
    }
  },
});
