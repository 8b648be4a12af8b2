// `deno task bench:sync [--devices 10000] [--interfaces-per-device 10]`: generates devices and
// interfaces into a copy of the NetBox demo database behind the NetBox double, then times a full
// sync and a re-sync with no changes (which must take at most 0.1x the full sync).
import postgres from "postgres";
import { migrate } from "../db/migrate.ts";
import { openPostgres } from "../db/postgres.ts";
import { sql } from "../../tests/netbox_double/queries.ts";
import { NetboxClient } from "../netbox/client.ts";
import { syncNetbox } from "../netbox/sync.ts";
import { createNetboxDemoDb, netboxTestServerUrl } from "../../tests/netbox_double/demo_db.ts";
import { startNetboxDouble } from "../../tests/netbox_double/double.ts";
import { type CommandSpec, parseCommand, runTask } from "./cli.ts";

const BENCH_SYNC = {
  name: "bench:sync",
  summary: "Times a full NetBox sync and a re-sync with no changes (at most 0.1x the full one).",
  options: {
    devices: { type: "integer", min: 1, default: 10_000, value: "n", description: "devices made" },
    "interfaces-per-device": {
      type: "integer",
      min: 0,
      default: 10,
      value: "n",
      description: "interfaces made per device",
    },
  },
  example: "deno task bench:sync --devices 2000 --interfaces-per-device 4",
  notes: [
    "Needs PostgreSQL (DATABASE_URL or a server at 127.0.0.1:5432): it copies the NetBox demo",
    "database behind the NetBox double and creates and drops databases of its own.",
    "Exit status 1 when a run fails or the re-sync takes more than 0.1x the full sync.",
  ],
} as const satisfies CommandSpec;

const TOKEN = "0123456789abcdef0123456789abcdef01234567";

Deno.exitCode = await runTask(
  parseCommand(BENCH_SYNC, Deno.args),
  "bench:sync failed",
  async (args) => {
    const devices = args.devices;
    const perDevice = args["interfaces-per-device"];
    const server = await netboxTestServerUrl();
    if (!server) {
      throw new Error("no PostgreSQL: set DATABASE_URL or run a server at 127.0.0.1:5432");
    }
    const demo = await createNetboxDemoDb();
    try {
      const nb = openPostgres(demo.url, { max: 1 });
      const t0 = performance.now();
      const [generated] = await nb.query<{ devices: number; interfaces: number }>(
        sql("NbGenerateBulk"),
        [devices, perDevice],
      );
      await nb.query("ANALYZE");
      await nb.close();
      console.log(
        `generated ${generated.devices} devices and ${generated.interfaces} interfaces in ${
          ((performance.now() - t0) / 1000).toFixed(1)
        } s`,
      );

      const name = `archiflow_bench_sync_${Date.now().toString(36)}`;
      const admin = postgres(server, { max: 1, onnotice: () => {} });
      await admin.unsafe(`CREATE DATABASE ${name}`);
      const url = new URL(server);
      url.pathname = `/${name}`;
      const db = openPostgres(url.toString(), { max: 4 });
      const double = await startNetboxDouble(demo.url, { token: TOKEN });
      try {
        await migrate(db);
        const client = new NetboxClient({ url: double.url, token: TOKEN });
        const selection = { roles: ["*"], tags: [], isPool: true };
        const full = await syncNetbox({ db, client, selection }, { mode: "full" });
        const mirror = full.counts.mirror as Record<string, number>;
        const objects = Object.values(
          full.counts.stages as Record<string, { fetched: number }>,
        ).reduce((n, s) => n + s.fetched, 0);
        const again = await syncNetbox({ db, client, selection });
        const ratio = again.duration_ms / full.duration_ms;
        console.log(JSON.stringify(
          {
            devices: mirror.devices,
            interfaces: mirror.interfaces,
            full_sync: {
              status: full.status,
              seconds: +(full.duration_ms / 1000).toFixed(2),
              objects,
              objects_per_second: Math.round(objects / (full.duration_ms / 1000)),
              requests: full.requests,
              stages: full.counts.stages,
            },
            resync_no_changes: {
              mode: again.mode,
              status: again.status,
              seconds: +(again.duration_ms / 1000).toFixed(2),
              requests: again.requests,
              ratio_to_full: +ratio.toFixed(3),
              within_0_1x: ratio <= 0.1,
              stages: again.counts.stages,
            },
          },
          null,
          2,
        ));
        if (full.status !== "succeeded" || again.status !== "succeeded" || ratio > 0.1) return 1;
      } finally {
        await double.close();
        await db.close();
        await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      }
    } finally {
      // Also when generating failed, so no copy of the demo database is left behind.
      await demo.drop();
    }
  },
);
