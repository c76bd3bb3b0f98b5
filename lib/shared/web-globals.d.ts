// The two Web APIs the shared zone uses that Node (>= 11) and every browser
// both provide as globals. TypeScript declares them only in the DOM library
// or in Node's types, and this zone has neither (lib/shared/tsconfig.json), so
// they are declared here, as far as the zone uses them. Only the zone's own
// check reads this file; the root tsconfig excludes it (the DOM declares them there).
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string;
}

declare class URL {
  constructor(url: string, base?: string | URL);
  readonly origin: string;
  readonly pathname: string;
  readonly search: string;
  readonly hash: string;
  readonly href: string;
}
