import assert from "node:assert/strict";
import { createTestDb } from "../../tests/support/db.ts";
import { migrate } from "../db/migrate.ts";
import { AppError } from "../errors.ts";
import { runTokenCommand } from "../tasks/token_cli.ts";
import {
  addrInNetworks,
  bootstrapAdminToken,
  createToken,
  ensureProvisionedToken,
  generateKey,
  hashKey,
  looksLikeKey,
  parseExpiry,
  TokenStore,
} from "./tokens.ts";

async function withDb(fn: (db: Awaited<ReturnType<typeof createTestDb>>["db"]) => Promise<void>) {
  const t = await createTestDb();
  try {
    await migrate(t.db);
    await fn(t.db);
  } finally {
    await t.close();
  }
}

const kind = (err: unknown) => (err as AppError).kind;

Deno.test("generated keys are distinct, well-formed and hashed to 64 hex digits", async () => {
  const a = generateKey();
  const b = generateKey();
  assert.notEqual(a, b);
  assert.ok(looksLikeKey(a) && looksLikeKey(b));
  assert.match(await hashKey(a), /^[0-9a-f]{64}$/);
  assert.ok(!looksLikeKey("af_short"));
  assert.ok(!looksLikeKey(a + "x"));
});

Deno.test("the database stores the hash and a short prefix, never the key", async () => {
  await withDb(async (db) => {
    const { key, token } = await createToken(db, { user: "netops", scope: "write" });
    const rows = await db.query<Record<string, unknown>>("SELECT * FROM api_tokens");
    const text = JSON.stringify(rows);
    assert.ok(!text.includes(key), "the key is not stored");
    assert.ok(!text.includes(key.slice(12)), "no secret part is stored");
    assert.equal(rows[0].key_hash, await hashKey(key));
    assert.equal(token.key_prefix, key.slice(0, 11));
  });
});

Deno.test(
  "check() refuses unknown, revoked and expired keys and honours networks",
  async () => {
    await withDb(async (db) => {
      let now = Date.now();
      const store = new TokenStore(db, { cacheMs: 0, now: () => now });
      const ok = await createToken(db, { user: "a", scope: "read" });
      assert.equal((await store.check(ok.key, "192.0.2.1")).user_name, "a");

      await assert.rejects(store.check(generateKey(), null), (e) => kind(e) === "unauthenticated");
      await assert.rejects(store.check("not a key", null), (e) => kind(e) === "unauthenticated");

      const soon = await createToken(db, {
        user: "b",
        scope: "write",
        expiresAt: new Date(now + 60_000),
      });
      assert.equal((await store.check(soon.key, null)).scope, "write");
      now += 120_000;
      await assert.rejects(store.check(soon.key, null), (e) => kind(e) === "unauthenticated");

      const net = await createToken(db, {
        user: "c",
        scope: "admin",
        allowedNetworks: ["10.0.0.0/8", "2001:db8::/32"],
      });
      assert.equal((await store.check(net.key, "10.1.2.3")).user_name, "c");
      assert.equal((await store.check(net.key, "::ffff:10.1.2.3")).user_name, "c");
      assert.equal((await store.check(net.key, "2001:db8::5")).user_name, "c");
      await assert.rejects(store.check(net.key, "192.168.1.1"), (e) => kind(e) === "forbidden");
      await assert.rejects(store.check(net.key, null), (e) => kind(e) === "forbidden");

      await runTokenCommand(db, ["revoke", String(ok.token.id)]);
      await assert.rejects(store.check(ok.key, null), (e) => kind(e) === "unauthenticated");
    });
  },
);

Deno.test("check() records when a token was last used", async () => {
  await withDb(async (db) => {
    const store = new TokenStore(db, { cacheMs: 60_000 });
    const { key, token } = await createToken(db, { user: "a", scope: "read" });
    await store.check(key, null);
    await store.check(key, null);
    // The touch is fire-and-forget; a read after it settles sees it.
    let row: { last_used_at: Date | null } | undefined;
    for (let i = 0; i < 50; i++) {
      [row] = await db.query<{ last_used_at: Date | null }>(
        "SELECT last_used_at FROM api_tokens WHERE id = $1",
        [token.id],
      );
      if (row.last_used_at) break;
      await new Promise((r) => queueMicrotask(() => r(null)));
    }
    assert.ok(row?.last_used_at instanceof Date);
  });
});

Deno.test("the first admin token is created once in the life of a database", async () => {
  await withDb(async (db) => {
    const key = await bootstrapAdminToken(db);
    assert.ok(key && looksLikeKey(key));
    const [row] = await db.query<{ scope: string }>("SELECT scope FROM api_tokens");
    assert.equal(row.scope, "admin");
    await db.query("DELETE FROM api_tokens");
    assert.equal(await bootstrapAdminToken(db), null, "never again, even with no tokens left");
  });
  await withDb(async (db) => {
    await createToken(db, { user: "ops", scope: "read" });
    assert.equal(await bootstrapAdminToken(db), null, "not when tokens already exist");
  });
});

Deno.test("token create, list and revoke show the key only on create", async () => {
  await withDb(async (db) => {
    const out = await runTokenCommand(db, [
      "create",
      "--user",
      "netops",
      "--scope",
      "write",
      "--expires",
      "30d",
      "--networks",
      "10.0.0.0/8",
    ]);
    const key = out.join("\n").match(/af_[A-Za-z0-9_-]{43}/)![0];
    const list = (await runTokenCommand(db, ["list"])).join("\n");
    assert.ok(!list.includes(key));
    assert.match(list, /netops\s+write\s+active/);
    assert.match(list, /10\.0\.0\.0\/8/);
    await runTokenCommand(db, ["revoke", "1"]);
    assert.match((await runTokenCommand(db, ["list"])).join("\n"), /revoked/);
    await assert.rejects(runTokenCommand(db, ["create", "--user", "x", "--scope", "root"]));
    await assert.rejects(runTokenCommand(db, ["create", "--scope", "read"]));
    await assert.rejects(runTokenCommand(db, ["revoke", "99"]), (e) => kind(e) === "not_found");
    await assert.rejects(
      runTokenCommand(db, ["create", "--user", "x", "--networks", "10.0.0.1/8"]),
      (e) => kind(e) === "invalid",
    );
  });
});

Deno.test("expiry accepts durations and dates and refuses anything else", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  assert.equal(parseExpiry("30d", now).toISOString(), "2026-01-31T00:00:00.000Z");
  assert.equal(parseExpiry("12h", now).toISOString(), "2026-01-01T12:00:00.000Z");
  assert.equal(parseExpiry("2027-05-01", now).toISOString(), "2027-05-01T00:00:00.000Z");
  assert.throws(() => parseExpiry("soon", now));
});

Deno.test("addresses match networks of their own family only", () => {
  assert.ok(addrInNetworks("10.0.0.1", ["10.0.0.0/8"]));
  assert.ok(!addrInNetworks("11.0.0.1", ["10.0.0.0/8"]));
  assert.ok(!addrInNetworks("::ffff:a00:1", ["2001:db8::/32"]));
  assert.ok(!addrInNetworks("garbage", ["0.0.0.0/0"]));
  assert.ok(!addrInNetworks(null, ["0.0.0.0/0"]));
});

Deno.test(
  "a provisioned admin key is stored once and survives restarts as it is",
  async () => {
    await withDb(async (db) => {
      const key = generateKey();
      const id = await ensureProvisionedToken(db, key);
      assert.equal(await ensureProvisionedToken(db, key), id, "the same token on every start");
      const store = new TokenStore(db, { cacheMs: 0 });
      assert.equal((await store.check(key, null)).scope, "admin");
      await db.query("UPDATE api_tokens SET revoked_at = now() WHERE id = $1", [id]);
      await ensureProvisionedToken(db, key);
      await assert.rejects(store.check(key, null), (e) => kind(e) === "unauthenticated");
      assert.equal(await bootstrapAdminToken(db), null, "no first-start key beside it");
      await assert.rejects(ensureProvisionedToken(db, "short"), (e) => kind(e) === "invalid");
      const [generated] = await runTokenCommand(db, ["generate"]);
      assert.ok(looksLikeKey(generated));
    });
  },
);

Deno.test("an API token cannot be made for a NetBox editor user's name", async () => {
  await withDb(async (db) => {
    await assert.rejects(
      () => createToken(db, { user: "NetBox:alice", scope: "admin" }),
      (err) => err instanceof AppError && err.kind === "invalid" && /netbox:/.test(err.message),
    );
    const { token } = await createToken(db, { user: "netboxer", scope: "read" });
    assert.equal(token.user_name, "netboxer");
  });
});
