// The product as a user starts it: server/main.ts in its own process, on the configured backend.
import assert from "node:assert/strict";
import { SETTINGS } from "../server/config.ts";
import { createTestDb } from "./support/db.ts";
import { TextLineStream } from "./support/lines.ts";
import { spawnServer } from "./support/process.ts";
import { RpcClient } from "./support/rpc_client.ts";
import { wsProtocols } from "./support/server.ts";

Deno.test(
  "main.ts starts, serves health and JSON-RPC, and exits cleanly on SIGTERM",
  async () => {
    const testDb = await createTestDb();
    const dataDir = await Deno.makeTempDir();
    // PGlite keeps its files in a folder; an in-memory test database cannot be shared with a
    // child process, so the child gets its own data folder.
    const env: Record<string, string> = testDb.url
      ? { DATABASE_URL: testDb.url }
      : { ARCHIFLOW_DATA_DIR: dataDir };
    try {
      const server = await spawnServer(env);
      const health = await (await fetch(`${server.url}/health`)).json();
      const unauthenticated = await RpcClient.connect(server.wsUrl);
      assert.equal((await unauthenticated.closed).code, 1008, "no token: closed with 1008");
      assert.equal(health.status, "ok");
      assert.equal(health.database.backend, testDb.url ? "postgres" : "pglite");
      assert.ok(health.database.schema_version >= 1);

      const client = await RpcClient.connect(server.wsUrl, wsProtocols(server.adminKey));
      const pool = await client.tool("create-ip-pool", {
        id: "pool-1",
        name: "lan",
        network: "10.9.0.0/24",
      });
      assert.equal(pool.id, "pool-1");
      assert.equal((await client.tool("allocate-ip", { poolId: "pool-1" })).ip_address, "10.9.0.1");

      const status = await server.stop("SIGTERM");
      assert.equal(status.code, 0, "exits with status 0");
      const closed = await client.closed;
      assert.ok(closed.code !== undefined, "the open WebSocket is closed by the server");
      assert.ok(server.lines.some((l) => l.includes('"shutting down"')));

      if (!testDb.url) {
        // The embedded database kept the data across a restart.
        const again = await spawnServer({ ...env, ARCHIFLOW_ADMIN_TOKEN: server.adminKey });
        const c2 = await RpcClient.connect(again.wsUrl, wsProtocols(again.adminKey));
        const { pools } = await c2.tool<{ pools: { id: string; allocated_count: number }[] }>(
          "get-ip-pools",
        );
        assert.deepEqual([pools[0].id, pools[0].allocated_count], ["pool-1", 1]);
        await c2.close();
        assert.equal((await again.stop("SIGINT")).code, 0);
      }
    } finally {
      await testDb.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
);

Deno.test("the first start on every interface prints the machine's URL and a key that works", async () => {
  const testDb = Deno.env.get("DATABASE_URL") ? await createTestDb() : null;
  const dataDir = await Deno.makeTempDir();
  const env = Deno.env.toObject();
  for (const { name } of SETTINGS) delete env[name];
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../server/main.ts", import.meta.url).pathname],
    clearEnv: true,
    env: {
      ...env,
      HOST: "0.0.0.0",
      PORT: "0",
      ...(testDb ? { DATABASE_URL: testDb.url! } : { ARCHIFLOW_DATA_DIR: dataDir }),
    },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream())
    .pipeThrough(new TextLineStream()).getReader();
  try {
    const printed: string[] = [];
    let listening: { url: string; publicUrl: string; port: number } | null = null;
    while (!listening) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`the server exited before listening:\n${printed.join("\n")}`);
      printed.push(value);
      if (value.includes('"msg":"listening"')) listening = JSON.parse(value);
    }
    const { port } = listening;
    const name = Deno.hostname();
    // Other machines are given this machine's name; this one connects on loopback.
    if (name !== "localhost") assert.equal(listening.publicUrl, `http://${name}:${port}`);
    assert.equal(listening.url, `http://127.0.0.1:${port}`);
    const text = printed.join("\n");
    const editor = text.match(/^ {2}Editor: +(\S+)\/editor#token=(af_[A-Za-z0-9_-]{43})$/m);
    assert.ok(editor, text);
    const [, base, key] = editor;
    assert.equal(base, listening.publicUrl);
    assert.match(text, /set ARCHIFLOW_PUBLIC_URL/);
    assert.match(text, /^Next: /m);
    assert.ok(!/\?token=/.test(text), "the key is never put in a query");
    // The header the banner shows is accepted, and the page it names is served.
    assert.ok(text.includes(`curl -H "Authorization: Token ${key}" ${base}/api/status/`), text);
    const status = await fetch(`${listening.url}/api/status/`, {
      headers: { authorization: `Token ${key}` },
    });
    assert.equal((await status.json()).user.scope, "admin");
    const page = await fetch(`${listening.url}/editor`);
    assert.equal(page.status, 200);
    await page.body?.cancel();
  } finally {
    child.kill("SIGTERM");
    while (!(await lines.read()).done) { /* the rest of the output */ }
    assert.equal((await child.status).code, 0);
    await testDb?.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});
