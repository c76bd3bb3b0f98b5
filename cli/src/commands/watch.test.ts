import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { Redrawer } from "./watch.ts";

function terminal(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY });
  let written = "";
  stream.on("data", (chunk: Buffer) => (written += chunk.toString()));
  return { out: { json: false, stdout: stream, stderr: new PassThrough() }, written: () => written };
}

describe("Redrawer", () => {
  it("on a terminal, moves up over what it drew last and clears it before drawing again", () => {
    const { out, written } = terminal(true);
    const redraw = new Redrawer(out);
    redraw.draw(["a", "b", "c"]);
    redraw.draw(["d"]);
    expect(written()).toBe("a\nb\nc\n\x1b[3A\x1b[Jd\n");
  });

  it("into a pipe, prints each state after the previous one, with no escape codes", () => {
    const { out, written } = terminal(false);
    const redraw = new Redrawer(out);
    redraw.draw(["a", "b"]);
    redraw.draw(["c"]);
    expect(written()).toBe("a\nb\n\nc\n\n");
  });
});
