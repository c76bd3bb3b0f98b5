// Offsets to 1-based line and column numbers. Columns count UTF-16 code units,
// as JavaScript strings and Monaco's markers do.

export type Position = { line: number; column: number };

export class LineIndex {
  private readonly lineStarts: number[] = [0];

  constructor(source: string) {
    for (let at = source.indexOf("\n"); at !== -1; at = source.indexOf("\n", at + 1)) this.lineStarts.push(at + 1);
  }

  positionOf(offset: number): Position {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.lineStarts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - this.lineStarts[low]! + 1 };
  }
}
