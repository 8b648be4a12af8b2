// Attack class: small probes of the HTTP edge. Query names that exist on every JavaScript object,
// credentials hidden in percent-encoded query names, refused logins that must leave a trace
// without the key, WebSocket upgrades that are not valid upgrades, and counts that must not
// reveal diagrams hidden by the diagram ACL.
import assert from "node:assert/strict";
import { createToken } from "../../server/auth/tokens.ts";
import { loadConfig } from "../../server/config.ts";
import { migrate } from "../../server/db/migrate.ts";
import { createLogger } from "../../server/log.ts";
import { RESOURCES } from "../../server/routes/resources.ts";
import { startServer } from "../../server/server.ts";
import { createTestDb } from "../support/db.ts";
import { RpcClient } from "../support/rpc_client.ts";
import { startTestServer } from "../support/server.ts";
import { oneShapeDiagram } from "../support/diagrams.ts";

const xml = oneShapeDiagram;

/** A server in this process whose log lines (all levels) the test reads. */
async function loggedServer(env: Record<string, string> = {}) {
  const testDb = await createTestDb();
  await migrate(testDb.db);
  const { key } = await createToken(testDb.db, { user: "probe-admin", scope: "admin" });
  const lines: string[] = [];
  const log = createLogger("info", {}, (line) => lines.push(line));
  const server = await startServer(
    loadConfig({ PORT: "0", HOST: "127.0.0.1", ...env }),
    testDb.db,
    log,
  );
  return {
    url: server.url,
    key,
    lines,
    /** Log lines parsed, for those with this message. */
    entries: (msg: string) =>
      lines.map((l) => JSON.parse(l)).filter((e) => e.msg === msg) as Record<string, unknown>[],
    async close() {
      await server.shutdown();
      await testDb.close();
    },
  };
}

/** Sends raw request text and returns the status line of the answer. */
async function rawStatusLine(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  try {
    await conn.write(new TextEncoder().encode(request));
    const buf = new Uint8Array(4096);
    let text = "";
    while (!text.includes("\r\n")) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    return text.split("\r\n")[0];
  } finally {
    conn.close();
  }
}

Deno.test(
  "query names every object inherits answer 200 or 400 on every list route",
  async () => {
    const server = await startTestServer();
    try {
      const queries = [
        "constructor=1",
        "toString=1",
        "__proto__=1",
        "hasOwnProperty__n=1",
        "constructor__ic=x",
        "ordering=constructor",
        "ordering=-__proto__",
        "ordering=toString",
        "limit=constructor",
        "fields=constructor",
        "fields=__proto__",
      ];
      const wrong: string[] = [];
      for (const r of RESOURCES) {
        for (const q of queries) {
          const res = await server.fetch(`/api/${r.path}/?${q}`);
          await res.body?.cancel();
          if (res.status !== 200 && res.status !== 400) {
            wrong.push(
              `/api/${r.path}/?${q}: ${res.status}`,
            );
          }
        }
      }
      assert.deepEqual(wrong, []);
    } finally {
      await server.close();
    }
  },
);

Deno.test("a token in a percent-encoded query name is never logged", async () => {
  const server = await loggedServer();
  try {
    // URL parsers decode names, so ?%74oken= is ?token= to the server: refused as a key in the
    // URL, and not logged either.
    const client = await RpcClient.connect(
      `${server.url.replace(/^http/, "ws")}/ws?%74oken=${server.key}`,
    );
    assert.equal((await client.closed).code, 1008);
    for (const name of ["%74oken", "TOKEN", "access_token", "%6Bey", "api%5Fkey"]) {
      const res = await fetch(`${server.url}/api/status/?${name}=${server.key}`, {
        headers: { authorization: `Token ${server.key}` },
      });
      await res.body?.cancel();
    }
    assert.ok(server.entries("http request").length >= 5);
    const leaked = server.lines.filter((l) => l.includes(server.key.slice(3)));
    assert.deepEqual(leaked, []);
  } finally {
    await server.close();
  }
});

Deno.test(
  "refused logins are logged with reason, address, user agent and path, never the key",
  async () => {
    const server = await loggedServer();
    const badKey = "af_" + "0".repeat(40);
    try {
      const res = await fetch(`${server.url}/api/status/`, {
        headers: { authorization: `Token ${badKey}`, "user-agent": "probe/1" },
      });
      assert.equal(res.status, 401);
      await res.body?.cancel();
      const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}/ws?token=${badKey}`);
      const closed = await new Promise<CloseEvent>((resolve) => ws.onclose = resolve);
      assert.equal(closed.code, 1008);

      const refused = server.entries("login refused");
      assert.deepEqual(refused.map((e) => [e.level, e.transport, e.path]), [
        ["warn", "http", "/api/status/"],
        ["warn", "websocket", "/ws"],
      ]);
      for (const e of refused) {
        assert.equal(e.clientAddr, "127.0.0.1");
        assert.ok(typeof e.reason === "string" && e.reason.length > 0);
      }
      assert.equal(refused[0].userAgent, "probe/1");
      assert.deepEqual(server.lines.filter((l) => l.includes(badKey.slice(3))), []);
    } finally {
      await server.close();
    }
  },
);

Deno.test(
  "a WebSocket upgrade without Sec-WebSocket-Key or credential gets a 400",
  async () => {
    const server = await loggedServer();
    try {
      const status = await rawStatusLine(
        server.url,
        "GET /ws?%74oken=af_not_a_key HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n" +
          "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n",
      );
      assert.match(status, /^HTTP\/1\.1 400 /);
      assert.deepEqual(server.lines.filter((l) => l.includes("af_not_a_key")), []);
    } finally {
      await server.close();
    }
  },
);

Deno.test(
  "/api/status counts only the diagrams the caller may see under the diagram ACL",
  async () => {
    const server = await startTestServer({ ARCHIFLOW_DIAGRAM_ACL: "owner" });
    try {
      const alice = await server.client(await server.token("write", { user: "alice" }));
      await alice.tool("save-diagram", { name: "alice net", xml: xml("a") });
      await alice.tool("save-diagram", { name: "alice lab", xml: xml("b") });
      const bobKey = await server.token("write", { user: "bob" });
      const count = async (key: string) => {
        const res = await server.fetch("/api/status/", {
          headers: { authorization: `Token ${key}` },
        });
        return (await res.json()).counts.diagrams;
      };
      assert.equal(Number(await count(bobKey)), 0, "bob sees none of alice's diagrams");
      assert.equal(Number(await count(server.adminKey)), 2, "admin sees all");
    } finally {
      await server.close();
    }
  },
);

Deno.test(
  "a REST body nested deeper than the limit is a 400 naming the setting",
  async () => {
    const server = await startTestServer();
    try {
      const depth = 100_000;
      const body = `{"name":"deep","metadata":${"[".repeat(depth)}${"]".repeat(depth)}}`;
      const res = await server.fetch("/api/ip-pools/", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      const answer = await res.json();
      assert.equal(res.status, 400, JSON.stringify(answer));
      assert.match(answer.detail, /ARCHIFLOW_MAX_JSON_DEPTH/);
    } finally {
      await server.close();
    }
  },
);
