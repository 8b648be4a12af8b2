// Files served to anyone, without a token, from one directory (draw.io's web app). A request path
// is decoded exactly once, segment by segment; a segment that could mean anything but a plain name
// (dot segments, slashes or backslashes however encoded, NUL, control characters, hidden names)
// is refused before the file system is asked. What is left must resolve, symlinks followed, to a
// regular file inside the directory's own real path, and is streamed up to the size it had when
// it was opened, so neither a device (/dev/zero) nor a growing file can make a response endless.

/** draw.io's largest file is 7 MB; anything far beyond that is not part of the package. */
export const MAX_STATIC_FILE_BYTES = 32 * 1024 * 1024;

export type ParsedPath = { segments: string[] } | { refused: string };

/**
 * The path segments of `encoded` (the percent-encoded part of a URL path below the route's
 * prefix), or why it is refused. A trailing slash names the directory's index.html.
 */
export function parseStaticPath(encoded: string): ParsedPath {
  const raw = encoded.split("/");
  if (raw[raw.length - 1] === "") raw[raw.length - 1] = "index.html";
  const segments: string[] = [];
  for (const part of raw) {
    if (part === "") return { refused: "empty path segment" };
    let name: string;
    try {
      name = decodeURIComponent(part);
    } catch {
      return { refused: "malformed percent-encoding or UTF-8" };
    }
    // deno-lint-ignore no-control-regex
    if (/[\u0000-\u001f\u007f/\\]/.test(name)) {
      return { refused: "slash, backslash or control character in a path segment" };
    }
    if (name === "." || name === "..") return { refused: "dot segment" };
    segments.push(name);
  }
  return { segments };
}

export interface StaticFile {
  /** The file's real path (symlinks resolved). */
  path: string;
  size: number;
  mtime: number;
  /** The open file; whoever takes it closes it (stream() does, once read or cancelled). */
  file: Deno.FsFile;
}

export type Resolved =
  | { ok: true; file: StaticFile }
  | { ok: false; status: 400 | 404; detail: string };

/** One served directory. */
export class StaticRoot {
  #root: URL;
  #realRoot: Promise<string> | null = null;
  #maxBytes: number;

  constructor(root: URL, options: { maxFileBytes?: number } = {}) {
    this.#root = root;
    this.#maxBytes = options.maxFileBytes ?? MAX_STATIC_FILE_BYTES;
  }

  /** The directory's real path, asked once (a failure is asked again next time). */
  #real(): Promise<string> {
    return this.#realRoot ??= Deno.realPath(this.#root).catch((err) => {
      this.#realRoot = null;
      throw err;
    });
  }

  /** Opens the regular file `encoded` names inside the directory, or says why not. */
  async open(encoded: string): Promise<Resolved> {
    const parsed = parseStaticPath(encoded);
    if ("refused" in parsed) {
      return { ok: false, status: 400, detail: `Path refused: ${parsed.refused}` };
    }
    const notFound = { ok: false, status: 404, detail: "Not found" } as const;
    // Hidden names (.git, .travis.yml, "..;") are not part of what is served.
    if (parsed.segments.some((s) => s.startsWith("."))) return notFound;
    let root: string;
    let path: string;
    try {
      root = await this.#real();
      path = await Deno.realPath(`${root}/${parsed.segments.join("/")}`);
    } catch {
      return notFound;
    }
    // A symlink inside the directory may point anywhere; only its target counts.
    if (!path.startsWith(`${root}/`)) return notFound;
    // stat() first: opening a FIFO for reading would wait for a writer.
    const info = await Deno.stat(path).catch(() => null);
    if (!info?.isFile) return notFound;
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch {
      return notFound;
    }
    // The open file is what gets served: ask it again, in case the path changed in between.
    const opened = await file.stat().catch(() => null);
    if (!opened?.isFile) {
      file.close();
      return notFound;
    }
    if (opened.size > this.#maxBytes) {
      file.close();
      return {
        ok: false,
        status: 404,
        detail: `Not served: the file has ${opened.size} bytes, over the ${this.#maxBytes} ` +
          "bytes a static file may have",
      };
    }
    return {
      ok: true,
      file: { path, size: opened.size, mtime: opened.mtime?.getTime() ?? 0, file },
    };
  }
}

/** The file's first `size` bytes as a stream that closes the file when done or cancelled. */
export function stream(file: StaticFile): ReadableStream<Uint8Array<ArrayBuffer>> {
  let left = file.size;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    file.file.close();
  };
  return new ReadableStream({
    async pull(controller) {
      try {
        const buf = new Uint8Array(Math.min(64 * 1024, left));
        const n = left > 0 ? await file.file.read(buf) : null;
        if (!n) {
          close();
          controller.close();
          return;
        }
        left -= n;
        controller.enqueue(buf.subarray(0, n));
        if (left === 0) {
          close();
          controller.close();
        }
      } catch (err) {
        close();
        controller.error(err);
      }
    },
    cancel: close,
  });
}

/**
 * The file's first `size` bytes (what it had when opened) in memory, for serving compressed
 * from there; closes it.
 */
export async function readAll(file: StaticFile): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await new Response(stream(file)).arrayBuffer());
}
