// Path traversal against the routes open without a token that serve files (/drawio/, the plugin
// bundle, /editor): every spelling of a path outside draw.io's directory, sent byte for byte over
// a raw socket (fetch() would normalise it), must be refused without the file coming back, and a
// device such as /dev/zero must not even be read. Symlinks, FIFOs and oversized files inside a
// draw.io directory of the test's own are checked in process.
import assert from "node:assert/strict";
import { loadConfig } from "../../server/config.ts";
import { createEditorRoutes } from "../../server/routes/editor.ts";
import {
  assertStillServing,
  hostileOpts,
  type HostileServer,
  startHostileServer,
} from "./support.ts";

const REPO_DENO_JSON = new URL("../../deno.json", import.meta.url).pathname.slice(1);
const UP = 10; // deeper than any install path, so the walk reaches "/"

/** Ways of writing `target` (a path below "/") as a request below a route prefix. */
function spellings(target: string): string[] {
  const enc = (s: string, slash: string) => s.split("/").join(slash);
  const up = (seg: string) => seg.repeat(UP);
  return [
    `/drawio/${up("%252e%252e/")}${target}`, // double-encoded dots
    `/drawio/x%5C${up("..%5C")}${enc(target, "%5C")}`, // encoded backslashes
    `/drawio/x%5c${up("%2e%2e%5c")}${enc(target, "%5c")}`,
    `/drawio//${target}`, // an empty segment makes the rest absolute
    `/drawio/%2f${enc(target, "%2f")}`, // encoded slashes
    `/drawio/%2F${enc(target, "%2F")}`,
    `/drawio/${up("..%2f")}${target}`,
    `/drawio/js/${up("%2e%2e%2f")}${target}`,
    `/drawio/${up("../")}${target}`, // plain dot segments
    `/drawio/${up("%2e%2e/")}${target}`,
    `/drawio/${up("..;/")}${target}`, // servlet-style path parameters
    `/drawio/${up("%c0%ae%c0%ae/")}${target}`, // overlong UTF-8 dots
    `/drawio/${up("..%c0%af")}${target}`, // overlong UTF-8 slash
    `/drawio/${up("%ef%bc%8e%ef%bc%8e/")}${target}`, // fullwidth dots
    `/drawio/${up("%252e%252e/")}${target}%00.png`, // NUL before an innocent extension
    `/drawio/%252f${enc(target, "%252f")}`,
    `/%64rawio/%2f${enc(target, "%2f")}`, // a prefix the router decodes
    `/drawio/-/x/${up("..%2f")}${target}`, // under the versioned prefix
    `/drawio/-/x/%2f${enc(target, "%2f")}`,
    `/drawio/-/${up("../")}${target}`,
    `/drawio-plugin/${up("..%2f")}${target}`,
    `/drawio-plugin/%2f${enc(target, "%2f")}`,
    `/drawio-plugin//${target}`,
    `/editor/${up("..%2f")}${target}`,
    `/editor/%2f${enc(target, "%2f")}`,
    `/editor//${target}`,
  ];
}

interface RawResponse {
  status: number;
  head: string;
  body: Uint8Array;
}

const MAX_READ = 1024 * 1024;

/** Sends `path` exactly as written and reads at most MAX_READ bytes of the answer. */
async function rawGet(server: HostileServer, path: string): Promise<RawResponse> {
  const url = new URL(server.url);
  const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  // A server that never answers (reading an endless file) must not hang the test.
  const deadline = setTimeout(() => conn.close(), 20_000);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    await conn.write(
      new TextEncoder().encode(
        `GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`,
      ),
    );
    const buf = new Uint8Array(64 * 1024);
    while (total < MAX_READ) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
      total += n;
    }
  } finally {
    clearTimeout(deadline);
    try {
      conn.close();
    } catch { /* closed by the deadline */ }
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) all.set(c, at), at += c.length;
  const text = new TextDecoder().decode(all);
  const split = text.indexOf("\r\n\r\n");
  const head = split < 0 ? text : text.slice(0, split);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  const bodyStart = split < 0 ? all.length : new TextEncoder().encode(text.slice(0, split + 4))
    .length;
  return { status, head, body: all.subarray(bodyStart) };
}

/** Bytes the process has read through read() and friends so far (/proc/<pid>/io rchar). */
async function bytesRead(pid: number): Promise<number> {
  const io = await Deno.readTextFile(`/proc/${pid}/io`);
  return Number(/rchar:\s+(\d+)/.exec(io)?.[1] ?? 0);
}

/**
 * Runs `work` while watching the server's memory; past `limit` the server is killed (an attack
 * that succeeds would otherwise take the machine with it) and the reason is returned.
 */
async function withMemoryGuard<T>(
  server: HostileServer,
  limit: number,
  work: () => Promise<T>,
): Promise<{ value: T; killed: string | null }> {
  let done = false;
  let killed: string | null = null;
  const guard = (async () => {
    while (!done && server.alive()) {
      const peak = await server.peakRssBytes();
      if (peak > limit) {
        killed = `memory reached ${Math.round(peak / 2 ** 20)} MB; server killed`;
        await server.stop("SIGKILL");
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    return { value: await work(), killed };
  } finally {
    done = true;
    await guard;
  }
}

Deno.test({
  name: "no spelling of a path outside draw.io's directory reads a file, without a token",
  ...hostileOpts,
  async fn() {
    const hostname = await Deno.readTextFile("/etc/hostname");
    const server = await startHostileServer();
    try {
      // What the files would give away if they came back.
      const secrets: Record<string, string[]> = {
        "etc/hostname": [hostname],
        "proc/self/environ": [server.adminKey, "DATABASE_URL", "ARCHIFLOW_"],
        [REPO_DENO_JSON]: ['"nodeModulesDir"'],
        "dev/zero": ["\0\0\0\0"],
      };
      const problems: string[] = [];
      let checked = 0;
      for (const [target, markers] of Object.entries(secrets)) {
        for (const path of spellings(target)) {
          if (!server.alive()) break;
          const before = await bytesRead(server.pid);
          const { value: res, killed } = await withMemoryGuard(
            server,
            1024 ** 3,
            () => rawGet(server, path),
          );
          checked++;
          if (killed) {
            problems.push(`${path}: ${killed}`);
            break;
          }
          const read = (await bytesRead(server.pid)) - before;
          const body = new TextDecoder().decode(res.body);
          const leaked = markers.filter((m) => body.includes(m));
          // Refused means an error of ours: 400 or 404 (401 where the route needs a token).
          const isError = /^\{"detail":.*"code":"[a-z_]+"/.test(body);
          if (![400, 401, 404].includes(res.status) || leaked.length || !isError) {
            problems.push(
              `${path}: ${res.status}, ${res.body.length} bytes` +
                (leaked.length ? `, containing ${leaked.join(", ")}` : ""),
            );
          }
          // The server reads little besides its own database pages for one refused request.
          if (read > 16 * 1024 * 1024) {
            problems.push(`${path}: the server read ${Math.round(read / 2 ** 20)} MB answering`);
          }
        }
      }
      console.log(`static paths: ${checked} requests, ${problems.length} not refused`);
      assert.deepEqual(problems, []);
      await assertStillServing(server, "path traversal on static routes");
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "draw.io's directory serves only regular files inside it: no symlink out, FIFO or giant",
  ...hostileOpts,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "archiflow-static-" });
    try {
      const dir = `${tmp}/drawio`;
      await Deno.mkdir(`${dir}/js`, { recursive: true });
      await Deno.mkdir(`${tmp}/outside`);
      await Deno.writeTextFile(`${dir}/index.html`, "<!DOCTYPE html><p>inside</p>");
      await Deno.writeTextFile(`${dir}/js/app.js`, "var inside = 1;");
      // Larger than one read, so its stream still holds the file after the first chunk.
      await Deno.writeTextFile(`${dir}/js/lib.js`, `/* ${"x".repeat(256 * 1024)} */`);
      await Deno.writeTextFile(`${tmp}/outside/secret.txt`, "outside-secret");
      await Deno.symlink(`${tmp}/outside/secret.txt`, `${dir}/secret.txt`);
      await Deno.symlink(`${tmp}/outside`, `${dir}/out`);
      await Deno.symlink("/etc", `${dir}/etc`);
      await Deno.symlink("/dev/zero", `${dir}/zero.js`);
      await Deno.symlink("js/app.js", `${dir}/alias.js`); // stays inside: served
      // Sparse: 100 MB on paper, nothing on disk.
      const big = await Deno.open(`${dir}/big.js`, { write: true, create: true });
      await big.truncate(100 * 1024 * 1024);
      big.close();
      const fifo = new Deno.Command("mkfifo", { args: [`${dir}/pipe.js`] });
      const hasFifo = (await fifo.output().catch(() => ({ success: false }))).success;

      const app = createEditorRoutes(loadConfig({}), { drawioDir: new URL(`file://${dir}/`) });
      const get = (path: string) => app.request(`http://af.test${path}`);

      const ok = await get("/drawio/js/app.js");
      assert.equal(ok.status, 200);
      assert.equal(await ok.text(), "var inside = 1;");
      const alias = await get("/drawio/alias.js");
      assert.equal(alias.status, 200, "a symlink that stays inside is served");
      await alias.body?.cancel();

      // Answers that are not read to the end (HEAD, a client that goes away) close their file.
      const openFiles = () => [...Deno.readDirSync("/proc/self/fd")].length;
      const filesBefore = openFiles();
      for (let i = 0; i < 200; i++) {
        const head = await app.request("http://af.test/drawio/js/lib.js", { method: "HEAD" });
        assert.equal(head.status, 200);
        await head.body?.cancel();
        await (await get("/drawio/js/lib.js")).body?.cancel();
      }
      assert.ok(openFiles() - filesBefore < 50, `${openFiles() - filesBefore} files left open`);

      const refused = [
        "/drawio/secret.txt",
        "/drawio/out/secret.txt",
        "/drawio/etc/hostname",
        "/drawio/etc/",
        "/drawio/zero.js",
        "/drawio/big.js",
        "/drawio/js",
        "/drawio/js/",
        ...(hasFifo ? ["/drawio/pipe.js"] : []),
      ];
      for (const path of refused) {
        const res = await get(path);
        const body = await res.text();
        assert.ok([400, 404].includes(res.status), `${path} answered ${res.status}`);
        assert.ok(body.length < 1024, `${path} answered ${body.length} bytes`);
        assert.doesNotMatch(body, /outside-secret/, path);
      }
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
