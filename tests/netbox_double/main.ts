// `deno task netbox-double --database-url <url> --port <n> [--token t] [--version 4.2.2]
// [--webhook-url u --webhook-secret s]`: runs the NetBox double on its own for demos.
import { parseArgs } from "node:util";
import { startNetboxDouble } from "./double.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "database-url": { type: "string" },
    port: { type: "string", default: "8001" },
    host: { type: "string", default: "127.0.0.1" },
    token: { type: "string", default: "0123456789abcdef0123456789abcdef01234567" },
    version: { type: "string", default: "4.2.2" },
    "webhook-url": { type: "string" },
    "webhook-secret": { type: "string" },
  },
});
const databaseUrl = values["database-url"] ?? Deno.env.get("NETBOX_DOUBLE_DATABASE_URL");
if (!databaseUrl) {
  console.error("Usage: deno task netbox-double --database-url postgres://... --port 8001");
  Deno.exit(2);
}
const webhook = values["webhook-url"]
  ? { url: values["webhook-url"], secret: values["webhook-secret"] ?? "" }
  : null;
const double = await startNetboxDouble(databaseUrl, {
  port: Number(values.port),
  hostname: values.host,
  token: values.token!,
  version: values.version,
  webhook,
});
console.log(`NetBox double ${values.version} at ${double.url}/api/ (token ${values.token})`);
Deno.addSignalListener("SIGINT", async () => {
  await double.close();
  Deno.exit(0);
});
