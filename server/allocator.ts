// glibc's malloc serves every allocation over its mmap threshold (128 KB at first, raised only
// as larger blocks are freed) with a fresh mapping, and unmaps it when freed. Saving a diagram
// allocates several buffers the size of its XML and JSON (the JSON text, the driver's protocol
// messages), so a process at the default thresholds takes a page fault for every 4 KB of each.
// Where a fault is expensive (10-20 microseconds on virtual machines), that was a third of a
// 1 MB save: the JSON text of a 1 MB drawing took 7 ms to produce instead of 2.

const M_TRIM_THRESHOLD = -1;
const M_MMAP_THRESHOLD = -3;

/** Largest threshold glibc accepts (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit systems). */
export const MMAP_THRESHOLD = 32 * 1024 * 1024;
/** Free memory kept at the top of the heap before it is returned to the system. */
export const TRIM_THRESHOLD = 128 * 1024 * 1024;

/**
 * Makes glibc keep and reuse the memory of allocations up to 32 MB. Returns whether it did: not
 * on other systems or C libraries, nor without permission to load libc (--allow-ffi).
 */
export function keepLargeAllocations(): boolean {
  if (Deno.build.os !== "linux") return false;
  let libc: Deno.DynamicLibrary<{ mallopt: { parameters: ["i32", "i32"]; result: "i32" } }>;
  try {
    libc = Deno.dlopen("libc.so.6", { mallopt: { parameters: ["i32", "i32"], result: "i32" } });
  } catch {
    return false;
  }
  try {
    return libc.symbols.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) === 1 &&
      libc.symbols.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) === 1;
  } finally {
    libc.close();
  }
}
