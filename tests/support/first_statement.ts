// Opens a fresh pool on the database named by the first argument and prints, as JSON, the
// array columns of its first statement (ListPools): run as its own process, so that the driver
// starts cold as it does when the server starts.
import { openPostgres } from "../../server/db/postgres.ts";
import { sql } from "../../server/db/queries.ts";

const pool = openPostgres(Deno.args[0], { max: 2 });
try {
  const [row] = await pool.query<{ dns_servers: unknown; available: unknown }>(
    sql("ListPools"),
    [null, null, null, null, 10, 0, 10, null],
  );
  console.log(JSON.stringify({ dns_servers: row.dns_servers, available: row.available }));
} finally {
  await pool.close();
}
