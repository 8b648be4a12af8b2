// `deno task netbox-double --database-url <url> [--port 8001] [--token t] [--version 4.2.2]
// [--webhook-url u --webhook-secret s]`: runs the NetBox double on its own for demos.
import { type CommandSpec, parseCommand, runTask, UsageError } from "../../server/tasks/cli.ts";
import { startNetboxDouble } from "./double.ts";

const NETBOX_DOUBLE = {
  name: "netbox-double",
  summary: "Serves a NetBox database (such as the 4.2 demo data) as NetBox's REST API.",
  options: {
    "database-url": {
      type: "string",
      value: "url",
      description: "PostgreSQL database holding NetBox's tables",
      defaultText: "NETBOX_DOUBLE_DATABASE_URL",
    },
    port: {
      type: "integer",
      min: 0,
      max: 65535,
      default: 8001,
      value: "n",
      description: "port to listen on (0 picks a free one)",
    },
    host: { type: "string", default: "127.0.0.1", description: "address to listen on" },
    token: {
      type: "string",
      default: "0123456789abcdef0123456789abcdef01234567",
      description: "API token clients must send",
    },
    version: { type: "string", default: "4.2.2", description: "NetBox version it reports" },
    "webhook-url": { type: "string", value: "url", description: "where to send webhooks" },
    "webhook-secret": {
      type: "string",
      value: "secret",
      description: "secret the webhooks are signed with (needs --webhook-url)",
    },
  },
  example:
    "deno task netbox-double --database-url postgres://postgres@127.0.0.1/nbdemo --port 8001",
} as const satisfies CommandSpec;

Deno.exitCode = await runTask(
  parseCommand(NETBOX_DOUBLE, Deno.args),
  "NetBox double failed",
  async (args) => {
    const databaseUrl = args["database-url"] ?? Deno.env.get("NETBOX_DOUBLE_DATABASE_URL");
    if (!databaseUrl) {
      throw new UsageError("missing --database-url <url> (or NETBOX_DOUBLE_DATABASE_URL)");
    }
    if (args["webhook-secret"] !== undefined && args["webhook-url"] === undefined) {
      throw new UsageError("--webhook-secret needs --webhook-url");
    }
    const webhook = args["webhook-url"]
      ? { url: args["webhook-url"], secret: args["webhook-secret"] ?? "" }
      : null;
    const double = await startNetboxDouble(databaseUrl, {
      port: args.port,
      hostname: args.host,
      token: args.token,
      version: args.version,
      webhook,
    });
    console.log(`NetBox double ${args.version} at ${double.url}/api/ (token ${args.token})`);
    Deno.addSignalListener("SIGINT", async () => {
      await double.close();
      Deno.exit(0);
    });
  },
);
