// Splits a text stream into lines (the std library's TextLineStream is not reachable here).
export class TextLineStream extends TransformStream<string, string> {
  constructor() {
    let buffer = "";
    super({
      transform(chunk, controller) {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          controller.enqueue(buffer.slice(0, nl).replace(/\r$/, ""));
          buffer = buffer.slice(nl + 1);
        }
      },
      flush(controller) {
        if (buffer) controller.enqueue(buffer);
      },
    });
  }
}
