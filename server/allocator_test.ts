// keepLargeAllocations() on this machine: glibc serves large allocations from its heap, where
// their memory is reused, instead of mapping fresh pages for each. Checked in child processes
// (the setting is process-wide) that allocate 24 MB through libc and read from mallinfo2() how
// much of the process's memory is in separate mappings.
import assert from "node:assert/strict";
import { keepLargeAllocations } from "./allocator.ts";

const script = (keep: boolean) => `
import { keepLargeAllocations } from ${
  JSON.stringify(new URL("./allocator.ts", import.meta.url).href)
};
const kept = ${keep} ? keepLargeAllocations() : false;
const libc = Deno.dlopen("libc.so.6", {
  malloc: { parameters: ["usize"], result: "pointer" },
  free: { parameters: ["pointer"], result: "void" },
  mallinfo2: { parameters: [], result: { struct: Array(10).fill("usize") } },
});
// mallinfo2's fifth field, hblkhd: bytes in mmapped regions.
const mapped = () => Number(new BigUint64Array(libc.symbols.mallinfo2().buffer)[4]);
const before = mapped();
const p = libc.symbols.malloc(24n * 1024n * 1024n);
const grew = mapped() - before;
libc.symbols.free(p);
console.log(JSON.stringify({ kept, mappedMB: grew / 1048576 }));
`;

async function run(keep: boolean): Promise<{ kept: boolean; mappedMB: number }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", script(keep)],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.ok(out.success, "the child process ran");
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

const glibc = Deno.build.os === "linux" && (() => {
  try {
    Deno.dlopen("libc.so.6", { mallinfo2: { parameters: [], result: "void" } }).close();
    return true;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "large allocations come from the reused heap where glibc is the C library",
  ignore: !glibc,
  fn: async () => {
    const plain = await run(false);
    assert.ok(
      plain.mappedMB >= 24,
      `by default, 24 MB is a mapping of its own (${plain.mappedMB})`,
    );
    const kept = await run(true);
    assert.equal(kept.kept, true);
    assert.equal(kept.mappedMB, 0, "kept: it comes from the heap");
  },
});

Deno.test("keepLargeAllocations says whether it could", () => {
  assert.equal(keepLargeAllocations(), glibc);
});
