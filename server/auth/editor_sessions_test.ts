import assert from "node:assert/strict";
import { createTestDb } from "../../tests/support/db.ts";
import { migrate } from "../db/migrate.ts";
import { AppError } from "../errors.ts";
import { EditorRevocations, revokeEditorSessions } from "./editor_sessions.ts";
import { runTokenCommand } from "../tasks/token_cli.ts";

Deno.test(
  "revoke-editor refuses a user's tokens issued so far, cached like API tokens",
  async () => {
    const t = await createTestDb();
    try {
      await migrate(t.db);
      let clock = Date.now();
      const check = new EditorRevocations(t.db, { cacheMs: 5000, now: () => clock });
      const iat = Math.floor(clock / 1000);
      assert.equal(await check.revoked("alice", iat), false);

      const lines = await runTokenCommand(t.db, ["revoke-editor", "--user", "netbox:alice"]);
      assert.match(lines[0], /NetBox user alice: editor sessions begun before \S+Z are refused/);
      // The user may also be given as the command's argument.
      const [positional] = await runTokenCommand(t.db, ["revoke-editor", "carol"]);
      assert.match(positional, /NetBox user carol: editor sessions begun before/);
      // The cached answer holds until the cache time has passed, or a fresh check is asked for.
      assert.equal(await check.revoked("alice", iat), false);
      assert.equal(await check.revoked("alice", iat, true), true);
      clock += 5001;
      assert.equal(await check.revoked("alice", iat), true);
      // Tokens dated up to the clock skew ahead are refused too; later ones are not.
      assert.equal(await check.revoked("alice", iat + 30), true);
      assert.equal(await check.revoked("alice", iat + 32), false);
      assert.equal(await check.revoked("bob", iat), false);

      // Revoking again never moves the cut-off back.
      const [{ not_before: first }] = await t.db.query<{ not_before: Date }>(
        "SELECT not_before FROM editor_revocations WHERE netbox_user = 'alice'",
      );
      const again = await revokeEditorSessions(t.db, "alice");
      assert.ok(new Date(again.not_before).getTime() >= new Date(first).getTime());

      for (
        const argv of [
          ["revoke-editor"],
          ["revoke-editor", "--user", ""],
          ["revoke-editor", "--user", "x", "--scope", "admin"],
          ["revoke-editor", "alice", "bob"],
        ]
      ) {
        await assert.rejects(
          runTokenCommand(t.db, argv),
          (err) => err instanceof AppError && err.kind === "invalid",
          argv.join(" "),
        );
      }
    } finally {
      await t.close();
    }
  },
);
