// The `deno task token` commands (create, list, revoke, revoke-editor, generate): their command
// lines, and each command as a function of a database, so they are tested without a process.
// Only `create` ever shows a key, once.
import type { Db } from "../db/db.ts";
import { AppError } from "../errors.ts";
import {
  type CommandGroup,
  type CommandSpec,
  mapParsed,
  parseCommand,
  type Parsed,
  parseGroup,
  UsageError,
} from "./cli.ts";
import type { Scope } from "../auth/actor.ts";
import { EDITOR_USER_PREFIX } from "../auth/editor_scope.ts";
import { revokeEditorSessions } from "../auth/editor_sessions.ts";
import {
  createToken,
  generateKey,
  listTokens,
  parseExpiry,
  revokeToken,
  SCOPES,
  type TokenRow,
} from "../auth/tokens.ts";

const CREATE = {
  name: "token create",
  summary: "Creates an API token and prints its key, once.",
  options: {
    user: {
      type: "string",
      value: "user",
      required: true,
      description: "user the token acts for, as audit rows show it",
    },
    scope: { type: "string", choices: SCOPES, default: "read", description: "what it may do" },
    expires: {
      type: "string",
      value: "when",
      description: "30d, 12h, 45m or a date",
      defaultText: "never",
    },
    networks: {
      type: "string",
      value: "cidrs",
      description: "comma-separated networks it may be used from",
      defaultText: "anywhere",
    },
    description: { type: "string", value: "text", description: "a note stored with the token" },
  },
  positionals: ["user"],
  example: "deno task token create netops --scope write --expires 30d --networks 10.0.0.0/8",
} as const satisfies CommandSpec;

const LIST = {
  name: "token list",
  summary: "Lists the tokens (never their keys) with their state and last use.",
  options: {},
  example: "deno task token list",
} as const satisfies CommandSpec;

const REVOKE = {
  name: "token revoke",
  summary: "Revokes one token; requests with its key are refused from then on.",
  options: {
    id: {
      type: "integer",
      min: 1,
      required: true,
      description: "the token's id, as deno task token list shows it",
    },
  },
  positionals: ["id"],
  example: "deno task token revoke 3",
} as const satisfies CommandSpec;

const REVOKE_EDITOR = {
  name: "token revoke-editor",
  summary: "Ends every editor session a NetBox user has begun so far.",
  options: {
    user: {
      type: "string",
      value: "netbox-user",
      required: true,
      description: "NetBox username (netbox:<name> as in audit rows works too)",
    },
  },
  positionals: ["user"],
  example: "deno task token revoke-editor jdoe",
  notes: ["Running servers follow within ARCHIFLOW_TOKEN_CACHE_SECONDS."],
} as const satisfies CommandSpec;

const GENERATE = {
  name: "token generate",
  summary: "Prints a fresh key for ARCHIFLOW_ADMIN_TOKEN; stores nothing.",
  options: {},
  example: "deno task token generate",
} as const satisfies CommandSpec;

export const TOKEN_COMMANDS: CommandGroup = {
  name: "token",
  summary: "Manages API tokens and editor sessions in the configured database.",
  commands: [CREATE, LIST, REVOKE, REVOKE_EDITOR, GENERATE],
  example: "deno task token create netops --scope write --expires 30d",
  notes: [
    "With the embedded PGlite backend, stop the server first: one process owns the data folder.",
  ],
};

/** One token command with its arguments read and checked. */
export type TokenRequest =
  | {
    command: "create";
    user: string;
    scope: Scope;
    expiresAt: Date | null;
    allowedNetworks: string[];
    description?: string;
  }
  | { command: "list" }
  | { command: "revoke"; id: number }
  | { command: "revoke-editor"; user: string }
  | { command: "generate" };

/** Reads the arguments of `deno task token`; pure, so no database is opened for bad ones. */
export function parseTokenArgs(argv: readonly string[]): Parsed<TokenRequest> {
  return parseGroup<TokenRequest>(TOKEN_COMMANDS, argv, (command, rest) => {
    switch (command) {
      case CREATE:
        return mapParsed(parseCommand(CREATE, rest), (v) => ({
          command: "create",
          user: v.user,
          scope: v.scope,
          expiresAt: v.expires ? expiry(v.expires) : null,
          allowedNetworks: v.networks
            ? v.networks.split(",").map((n) => n.trim()).filter(Boolean)
            : [],
          description: v.description,
        }));
      case REVOKE:
        return mapParsed(parseCommand(REVOKE, rest), (v) => ({ command: "revoke", id: v.id }));
      case REVOKE_EDITOR:
        return mapParsed(parseCommand(REVOKE_EDITOR, rest), (v) => {
          // Audit rows show editor users as netbox:<name>; either spelling names the same user.
          const user = v.user.startsWith(EDITOR_USER_PREFIX)
            ? v.user.slice(EDITOR_USER_PREFIX.length)
            : v.user;
          if (!user.trim()) throw new UsageError("--user needs a NetBox username");
          return { command: "revoke-editor", user };
        });
      case LIST:
        return mapParsed(parseCommand(LIST, rest), () => ({ command: "list" }));
      default:
        return mapParsed(parseCommand(GENERATE, rest), () => ({ command: "generate" }));
    }
  });
}

function expiry(text: string): Date {
  try {
    return parseExpiry(text);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
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

/** Runs one checked command; returns the lines to print. */
export async function executeTokenRequest(db: Db, request: TokenRequest): Promise<string[]> {
  switch (request.command) {
    case "create": {
      const { key, token } = await createToken(db, {
        user: request.user,
        scope: request.scope,
        description: request.description,
        expiresAt: request.expiresAt,
        allowedNetworks: request.allowedNetworks,
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
      const row = await revokeToken(db, request.id);
      if (!row) throw new AppError("not_found", `No token with id ${request.id}`);
      return [`Revoked token ${row.id} (${row.key_prefix}..., ${row.user_name}).`];
    }
    case "revoke-editor": {
      const row = await revokeEditorSessions(db, request.user, "deno task token revoke-editor");
      return [
        `Revoked the editor sessions of NetBox user ${row.netbox_user}: editor sessions begun ` +
        `before ${new Date(row.not_before).toISOString()} are refused (running servers ` +
        "follow within ARCHIFLOW_TOKEN_CACHE_SECONDS).",
      ];
    }
  }
}

/**
 * Parses and runs one command; returns the lines to print (the help for --help). Throws
 * AppError "invalid" for bad arguments, with the one-line complaint as its message.
 */
export async function runTokenCommand(db: Db, argv: readonly string[]): Promise<string[]> {
  const parsed = parseTokenArgs(argv);
  if (parsed.kind === "help") return parsed.text.split("\n");
  if (parsed.kind === "usage") throw new AppError("invalid", parsed.message);
  return await executeTokenRequest(db, parsed.value);
}
