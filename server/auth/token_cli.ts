// The `deno task token` commands (create, list, revoke, revoke-editor) as a function of a database and the
// arguments, so they are tested without a process. Only `create` ever shows a key, once.
import type { Db } from "../db/db.ts";
import { AppError } from "../errors.ts";
import type { Scope } from "../tools/tool.ts";
import { EDITOR_USER_PREFIX } from "./editor_scope.ts";
import { revokeEditorSessions } from "./editor_sessions.ts";
import {
  createToken,
  generateKey,
  listTokens,
  parseExpiry,
  revokeToken,
  SCOPES,
  type TokenRow,
} from "./tokens.ts";

export const USAGE = `Usage:
  deno task token create --user <name> --scope read|write|admin [--expires 30d|12h|<date>]
                         [--networks 10.0.0.0/8,192.168.1.0/24] [--description <text>]
  deno task token list
  deno task token revoke <id>
  deno task token revoke-editor --user <NetBox username>
                                (ends every editor session of that NetBox user begun so far)
  deno task token generate      (prints a fresh key for ARCHIFLOW_ADMIN_TOKEN; stores nothing)`;

export function parseFlags(
  args: string[],
): { positional: string[]; flags: Record<string, string> } {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
      else {
        const v = args[i + 1];
        if (v === undefined || v.startsWith("--")) {
          throw new AppError("invalid", `Option ${a} needs a value`);
        }
        flags[a.slice(2)] = v;
        i++;
      }
    } else positional.push(a);
  }
  return { positional, flags };
}

function describe(t: TokenRow): string {
  const state = t.revoked_at
    ? "revoked"
    : t.expires_at && new Date(t.expires_at).getTime() <= Date.now()
    ? "expired"
    : "active";
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : "-");
  return [
    String(t.id).padStart(4),
    `${t.key_prefix}...`,
    t.user_name.padEnd(16),
    t.scope.padEnd(5),
    state.padEnd(7),
    `expires ${iso(t.expires_at)}`,
    `last used ${iso(t.last_used_at)}`,
    t.allowed_networks.length ? `from ${t.allowed_networks.join(",")}` : "from anywhere",
  ].join("  ");
}

/** Runs one command; returns the lines to print. Throws AppError for bad arguments. */
export async function runTokenCommand(db: Db, argv: string[]): Promise<string[]> {
  const { positional, flags } = parseFlags(argv);
  const [command, ...rest] = positional;
  switch (command) {
    case "create": {
      const known = new Set(["user", "scope", "expires", "networks", "description"]);
      for (const f of Object.keys(flags)) {
        if (!known.has(f)) throw new AppError("invalid", `Unknown option --${f}\n${USAGE}`);
      }
      if (!flags.user) throw new AppError("invalid", `--user is required\n${USAGE}`);
      const scope = (flags.scope ?? "read") as Scope;
      if (!SCOPES.includes(scope)) {
        throw new AppError("invalid", `--scope must be one of ${SCOPES.join(", ")}`);
      }
      const { key, token } = await createToken(db, {
        user: flags.user,
        scope,
        description: flags.description,
        expiresAt: flags.expires ? parseExpiry(flags.expires) : null,
        allowedNetworks: flags.networks ? flags.networks.split(",").filter(Boolean) : [],
      });
      return [
        `Created token ${token.id} for ${token.user_name} (${token.scope}).`,
        `Key (shown only now; store it safely): ${key}`,
      ];
    }
    case "generate":
      return [generateKey()];
    case "list": {
      const rows = await listTokens(db);
      return rows.length ? rows.map(describe) : ["No tokens."];
    }
    case "revoke": {
      const id = Number(rest[0]);
      if (!Number.isSafeInteger(id) || id < 1) {
        throw new AppError("invalid", `revoke needs a token id\n${USAGE}`);
      }
      const row = await revokeToken(db, id);
      if (!row) throw new AppError("not_found", `No token with id ${id}`);
      return [`Revoked token ${row.id} (${row.key_prefix}..., ${row.user_name}).`];
    }
    case "revoke-editor": {
      for (const f of Object.keys(flags)) {
        if (f !== "user") throw new AppError("invalid", `Unknown option --${f}\n${USAGE}`);
      }
      if (!flags.user || rest.length) {
        throw new AppError("invalid", `revoke-editor needs --user <NetBox username>\n${USAGE}`);
      }
      // Audit rows show editor users as netbox:<name>; either spelling names the same user.
      const user = flags.user.startsWith(EDITOR_USER_PREFIX)
        ? flags.user.slice(EDITOR_USER_PREFIX.length)
        : flags.user;
      const row = await revokeEditorSessions(db, user, "deno task token revoke-editor");
      return [
        `Revoked the editor sessions of NetBox user ${row.netbox_user}: editor sessions begun ` +
        `before ${new Date(row.not_before).toISOString()} are refused (running servers ` +
        "follow within ARCHIFLOW_TOKEN_CACHE_SECONDS).",
      ];
    }
    default:
      throw new AppError("invalid", USAGE);
  }
}
