import { describe, expect, it } from "vitest";
import { CSV_HEADER, csvField, exportFileName, frameToCsvRows, frameToJsonLine } from "./run-export.ts";
import type { Frame } from "../shared/frame.ts";

describe("CSV", () => {
  it("has one row per bucket with the printed and the per-interval count", () => {
    const frame: Frame = {
      runId: "r",
      seq: 7,
      at: Date.UTC(2026, 0, 2, 3, 4, 5),
      record: {
        type: "hist",
        map: "@usecs",
        series: [
          {
            key: "a,b",
            buckets: [
              { min: 8, max: 15, count: 5 },
              { min: 16, max: null, count: "72057594037927935" },
            ],
            total: 0,
          },
        ],
      },
      delta: { type: "hist", map: "@usecs", series: [{ key: "a,b", buckets: [{ min: 8, max: 15, count: 2 }], total: 2 }] },
    };
    expect(CSV_HEADER).toBe("seq,at,host,type,map,key,bucket_min,bucket_max,count,interval_count,value\r\n");
    expect(frameToCsvRows(frame, "db-1")).toBe(
      '7,2026-01-02T03:04:05.000Z,db-1,hist,@usecs,"a,b",8,15,5,2,\r\n' + '7,2026-01-02T03:04:05.000Z,db-1,hist,@usecs,"a,b",16,,72057594037927935,0,\r\n',
    );
  });

  it("quotes what needs quoting and defuses spreadsheet formulas in program output", () => {
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("line\nbreak")).toBe('"line\nbreak"');
    expect(csvField("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvField("-12")).toBe("-12");
    expect(csvField("@usecs")).toBe("@usecs");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField(null)).toBe("");
  });

  it("writes scalar maps as one row per entry", () => {
    const frame: Frame = {
      runId: "r",
      seq: 1,
      at: 0,
      record: {
        type: "map",
        map: "@calls",
        entries: [
          { key: "bash", value: 3 },
          { key: null, value: [1, "x"] },
        ],
      },
    };
    expect(frameToCsvRows(frame, "h")).toBe('1,1970-01-01T00:00:00.000Z,h,map,@calls,bash,,,,,3\r\n1,1970-01-01T00:00:00.000Z,h,map,@calls,,,,,,"[1,""x""]"\r\n');
  });
});

describe("JSON lines and names", () => {
  it("writes a frame as it is stored, one per line", () => {
    const frame: Frame = { runId: "r", seq: 1, at: 5, record: { type: "lost_events", count: 3 } };
    expect(frameToJsonLine(frame)).toBe('{"runId":"r","seq":1,"at":5,"record":{"type":"lost_events","count":3}}\n');
  });

  it("names files after the run and what they hold", () => {
    expect(exportFileName("5d0c1f5e-8f0a", "@usecs heatmap", "png")).toBe("run-5d0c1f5e-usecs-heatmap.png");
  });
});
