import assert from "node:assert/strict";
import { readReadme } from "../tests/support/readme.ts";
import { firstKeyBanner, type ReachInput, reachOf } from "./start_banner.ts";

const KEY = "af_" + "k".repeat(43);

const machine = (over: Partial<ReachInput> = {}): ReachInput => ({
  host: "0.0.0.0",
  port: 3333,
  machineName: () => "netops-vm",
  addresses: () => ["192.0.2.2", "fd00::2"],
  ...over,
});

Deno.test("reachOf() gives ARCHIFLOW_PUBLIC_URL first, as it is, without a trailing slash", () => {
  assert.deepEqual(
    reachOf(machine({ publicUrl: "https://archiflow.example.net/" })),
    { url: "https://archiflow.example.net", note: null },
  );
  assert.equal(
    reachOf(machine({ host: "127.0.0.1", publicUrl: "https://proxy.example/af/" })).url,
    "https://proxy.example/af",
  );
});

Deno.test("reachOf() names the machine when the server listens on every interface", () => {
  const reach = reachOf(machine());
  assert.equal(reach.url, "http://netops-vm:3333");
  assert.match(
    reach.note!,
    /http:\/\/netops-vm:3333 \(this machine's name\) or http:\/\/192\.0\.2\.2:3333/,
  );
  assert.match(reach.note!, /set ARCHIFLOW_PUBLIC_URL/);
  assert.equal(
    reachOf(machine({ host: "::", addresses: () => ["fd00::2"] })).url,
    "http://netops-vm:3333",
  );
  assert.match(
    reachOf(machine({ host: "::", addresses: () => ["fd00::2"] })).note!,
    /http:\/\/\[fd00::2\]:3333/,
  );
  // No usable name: the first address; nothing at all: localhost, saying what to set.
  assert.deepEqual(reachOf(machine({ machineName: () => "localhost" })), {
    url: "http://192.0.2.2:3333",
    note: null,
  });
  const alone = reachOf(machine({ machineName: () => null, addresses: () => [] }));
  assert.equal(alone.url, "http://localhost:3333");
  assert.match(alone.note!, /ARCHIFLOW_PUBLIC_URL/);
});

Deno.test("reachOf() says other machines cannot connect to a loopback address", () => {
  const reach = reachOf(machine({ host: "127.0.0.1", port: 8080 }));
  assert.equal(reach.url, "http://127.0.0.1:8080");
  assert.match(reach.note!, /^Listening on 127\.0\.0\.1 only, so other machines cannot connect/);
  assert.match(reach.note!, /HOST=0\.0\.0\.0/);
  assert.equal(reachOf(machine({ host: "::1" })).url, "http://[::1]:3333");
  assert.deepEqual(reachOf(machine({ host: "192.0.2.2" })), {
    url: "http://192.0.2.2:3333",
    note: null,
  });
});

Deno.test("the first-key banner puts the key only after # and in a header", () => {
  const text = firstKeyBanner(reachOf(machine()), KEY, false);
  assert.ok(text.includes(`  Editor:     http://netops-vm:3333/editor#token=${KEY}\n`), text);
  assert.ok(
    text.includes(`curl -H "Authorization: Token ${KEY}" http://netops-vm:3333/api/status/`),
    text,
  );
  assert.ok(text.includes("ws://netops-vm:3333/ws with the subprotocols archiflow"), text);
  // Never in a query string, where servers and proxies log it.
  assert.ok(!text.includes("?token="), text);
  assert.equal(text.split(KEY).length - 1, 2, "the key is printed twice: editor and curl");
  assert.match(text, /this machine's name/);
  assert.match(text, /Next: open the editor link above, or follow README\.md/);
  assert.match(text, /deno task token create --user <name> --scope read\|write\|admin\.?\n/);
  assert.ok(!text.includes("stop the server first"));
  assert.match(firstKeyBanner(reachOf(machine()), KEY, true), /stop the server first/);
  const proxied = firstKeyBanner(reachOf(machine({ publicUrl: "https://af.example" })), KEY, false);
  assert.ok(proxied.includes(`https://af.example/editor#token=${KEY}`));
  assert.ok(proxied.includes("wss://af.example/ws"));
  assert.ok(!proxied.includes("this machine's name"));
});

Deno.test("the README section and step the banner sends readers to exist", async () => {
  const text = firstKeyBanner(reachOf(machine()), KEY, false);
  const named = /README\.md, "([^"]+)", from step (\d+) \(([^,)]+)/.exec(text);
  assert.ok(named, text);
  const [, section, step, title] = named;
  const readme = await readReadme();
  const start = readme.indexOf(`\n## ${section}\n`);
  assert.ok(start >= 0, `README.md has no "## ${section}" section`);
  const end = readme.indexOf("\n## ", start + 1);
  const body = readme.slice(start, end < 0 ? undefined : end);
  assert.ok(
    body.toLowerCase().includes(`**${step}. ${title.toLowerCase()}`),
    `README.md's "${section}" has no step "${step}. ${title}"`,
  );
});
