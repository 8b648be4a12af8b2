// What every NetBox sync test starts from: NetBox's demo database, the NetBox double serving it,
// a fresh migrated ArchiFlow database and a client of the double that retries once, quickly.
import { migrate } from "../../server/db/migrate.ts";
import { NetboxClient } from "../../server/netbox/client.ts";
import { createNetboxDemoDb } from "../netbox_double/demo_db.ts";
import { startNetboxDouble } from "../netbox_double/double.ts";
import { createTestDb } from "./db.ts";

/** The API token the double accepts. */
export const TOKEN = "0123456789abcdef0123456789abcdef01234567";

export async function syncSetup() {
  const demo = await createNetboxDemoDb();
  const double = await startNetboxDouble(demo.url, { token: TOKEN });
  const test = await createTestDb();
  await migrate(test.db);
  const client = new NetboxClient({ url: double.url, token: TOKEN, backoffMs: 1, retries: 1 });
  return {
    demo,
    double,
    db: test.db,
    client,
    async close() {
      await double.close();
      await demo.drop();
      await test.close();
    },
  };
}
