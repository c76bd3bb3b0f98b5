import "server-only";
import type { JsonValue } from "@/lib/shared/bpftrace/records.ts";

// The byte level of the frame encoding (frame-codec.ts): unsigned LEB128
// varints, and a binary form of any JSON value that reads back to the same
// JSON text. Most of what bpftrace prints is small integers, so those are one
// byte; integers beyond 2^53, which records carry as decimal strings, are
// stored as binary magnitudes and come back as the same strings.

/** Canonical decimal text of an integer: no leading zeros, no "+", no "-0". */
const INTEGER_TEXT = /^-?(0|[1-9]\d*)$/;
/** A number JavaScript prints in plain decimal notation, split into sign, integer and fraction digits. */
const DECIMAL_TEXT = /^(-?)(\d+)\.(\d+)$/;

const Tag = {
  Null: 0,
  False: 1,
  True: 2,
  /** A non-negative safe integer too large for a small-integer tag. */
  Uint: 3,
  /** A negative safe integer n, stored as -n - 1. */
  NegativeInt: 4,
  /** A number with a fraction, as its decimal digits and the count of them after the point. */
  Decimal: 5,
  NegativeDecimal: 6,
  /** Any other number, as its IEEE 754 double. */
  Float64: 7,
  String: 8,
  /** A string holding a canonical non-negative integer, as its binary magnitude. */
  IntegerText: 9,
  NegativeIntegerText: 10,
  Array: 11,
  Object: 12,
  /** bpftrace's stats() summary, {count, average, total}, without its key names. */
  StatsSummary: 13,
  /** A string with a lone UTF-16 surrogate, which UTF-8 cannot carry: its code units. */
  Utf16String: 14,
  /** Tags from here on are the integers 0..(255 - SmallInt) themselves. */
  SmallInt: 16,
} as const;
const SMALL_INT_MAX = 255 - Tag.SmallInt;
const SUMMARY_KEYS = ["count", "average", "total"] as const;

export class ByteWriter {
  #bytes = new Uint8Array(128);
  #length = 0;

  #reserve(more: number): void {
    if (this.#length + more <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + more));
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
  }

  byte(value: number): void {
    this.#reserve(1);
    this.#bytes[this.#length++] = value;
  }

  /** A non-negative safe integer as an unsigned LEB128 varint. */
  uint(value: number): void {
    let rest = value;
    while (rest >= 0x80) {
      this.byte((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.byte(rest);
  }

  /** A safe integer of either sign (zigzag: 0, -1, 1, -2, ... become 0, 1, 2, 3, ...). */
  int(value: number): void {
    this.uint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  bigUint(value: bigint): void {
    let rest = value;
    while (rest >= 0x80n) {
      this.byte(Number(rest & 0x7fn) | 0x80);
      rest >>= 7n;
    }
    this.byte(Number(rest));
  }

  /** Bytes with their length in front. */
  bytes(value: Uint8Array): void {
    this.uint(value.length);
    this.#reserve(value.length);
    this.#bytes.set(value, this.#length);
    this.#length += value.length;
  }

  string(value: string): void {
    this.bytes(textEncoder.encode(value));
  }

  /** Any JSON value, so that JSON.stringify of what readValue returns is JSON.stringify(value). */
  value(value: unknown): void {
    if (value === null || value === undefined) return this.byte(Tag.Null);
    if (value === true) return this.byte(Tag.True);
    if (value === false) return this.byte(Tag.False);
    if (typeof value === "number") return this.#number(value);
    if (typeof value === "string") return this.#string(value);
    if (Array.isArray(value)) {
      this.byte(Tag.Array);
      this.uint(value.length);
      for (const item of value) this.value(item);
      return;
    }
    if (typeof value === "object") {
      if (isStatsSummary(value)) {
        this.byte(Tag.StatsSummary);
        for (const key of SUMMARY_KEYS) this.value(value[key]);
        return;
      }
      // JSON.stringify leaves out properties whose value is undefined.
      const entries = Object.entries(value).filter(([, item]) => item !== undefined);
      this.byte(Tag.Object);
      this.uint(entries.length);
      for (const [key, item] of entries) {
        this.#string(key);
        this.value(item);
      }
      return;
    }
    throw new TypeError(`not a JSON value: ${typeof value}`);
  }

  #number(value: number): void {
    if (Number.isSafeInteger(value)) {
      if (value >= 0 && value <= SMALL_INT_MAX) return this.byte(Tag.SmallInt + value);
      this.byte(value >= 0 ? Tag.Uint : Tag.NegativeInt);
      // -0 is a safe integer and prints as 0.
      return this.uint(value >= 0 ? Math.abs(value) : -value - 1);
    }
    const decimal = DECIMAL_TEXT.exec(String(value));
    if (decimal) {
      const digits = decimal[2]! + decimal[3]!;
      const mantissa = Number(digits);
      const scale = decimal[3]!.length;
      const negative = decimal[1] === "-";
      if (Number.isSafeInteger(mantissa) && scale <= 0xff && decimalValue(negative, mantissa, scale) === value) {
        this.byte(negative ? Tag.NegativeDecimal : Tag.Decimal);
        this.uint(mantissa);
        this.byte(scale);
        return;
      }
    }
    this.byte(Tag.Float64);
    this.#reserve(8);
    new DataView(this.#bytes.buffer).setFloat64(this.#length, value, true);
    this.#length += 8;
  }

  #string(value: string): void {
    if (INTEGER_TEXT.test(value) && value !== "-0") {
      const negative = value.startsWith("-");
      this.byte(negative ? Tag.NegativeIntegerText : Tag.IntegerText);
      return this.bigUint(BigInt(negative ? value.slice(1) : value));
    }
    if (!isWellFormedText(value)) {
      this.byte(Tag.Utf16String);
      this.uint(value.length);
      for (let i = 0; i < value.length; i += 1) {
        const unit = value.charCodeAt(i);
        this.byte(unit & 0xff);
        this.byte(unit >> 8);
      }
      return;
    }
    this.byte(Tag.String);
    this.string(value);
  }

  finish(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }
}

export class ByteReader {
  #offset = 0;

  constructor(private readonly data: Uint8Array) {}

  byte(): number {
    if (this.#offset >= this.data.length) throw new RangeError("frame data ends early");
    return this.data[this.#offset++]!;
  }

  uint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = this.byte();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 0x80;
      if (scale > 2 ** 53) throw new RangeError("varint beyond 2^53 in frame data");
    }
    return value;
  }

  int(): number {
    const zigzag = this.uint();
    return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
  }

  bigUint(): bigint {
    let value = 0n;
    let shift = 0n;
    for (;;) {
      const byte = this.byte();
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return value;
      shift += 7n;
    }
  }

  bytes(): Uint8Array {
    const length = this.uint();
    if (this.#offset + length > this.data.length) throw new RangeError("frame data ends early");
    const bytes = this.data.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return bytes;
  }

  string(): string {
    return textDecoder.decode(this.bytes());
  }

  value(): JsonValue {
    const tag = this.byte();
    if (tag >= Tag.SmallInt) return tag - Tag.SmallInt;
    switch (tag) {
      case Tag.Null:
        return null;
      case Tag.False:
        return false;
      case Tag.True:
        return true;
      case Tag.Uint:
        return this.uint();
      case Tag.NegativeInt:
        return -this.uint() - 1;
      case Tag.Decimal:
      case Tag.NegativeDecimal: {
        const mantissa = this.uint();
        return decimalValue(tag === Tag.NegativeDecimal, mantissa, this.byte());
      }
      case Tag.Float64: {
        const start = this.#offset;
        this.#offset += 8;
        if (this.#offset > this.data.length) throw new RangeError("frame data ends early");
        return new DataView(this.data.buffer, this.data.byteOffset + start, 8).getFloat64(0, true);
      }
      case Tag.String:
        return this.string();
      case Tag.Utf16String: {
        const units = Array.from({ length: this.uint() }, () => this.byte() | (this.byte() << 8));
        return String.fromCharCode(...units);
      }
      case Tag.IntegerText:
        return this.bigUint().toString();
      case Tag.NegativeIntegerText:
        return `-${this.bigUint().toString()}`;
      case Tag.Array:
        return Array.from({ length: this.uint() }, () => this.value());
      case Tag.Object: {
        const object: { [key: string]: JsonValue } = {};
        for (let count = this.uint(); count > 0; count -= 1) {
          const key = this.value() as string;
          // A plain assignment of "__proto__" would set the prototype instead of adding the key JSON.parse adds.
          Object.defineProperty(object, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
        }
        return object;
      }
      case Tag.StatsSummary:
        return { count: this.value(), average: this.value(), total: this.value() };
      default:
        throw new RangeError(`unknown value tag ${tag} in frame data`);
    }
  }
}

/** Whether UTF-8 can carry the string: no lone surrogate (JSON can, as an escape). */
export function isWellFormedText(value: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value);
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true });

/** The number whose shortest decimal form is these digits with `scale` of them after the point. */
function decimalValue(negative: boolean, mantissa: number, scale: number): number {
  const digits = String(mantissa).padStart(scale + 1, "0");
  return Number(`${negative ? "-" : ""}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`);
}

function isStatsSummary(value: object): value is { count: unknown; average: unknown; total: unknown } {
  const keys = Object.keys(value);
  return keys.length === 3 && keys.every((key, i) => key === SUMMARY_KEYS[i] && (value as Record<string, unknown>)[key] !== undefined);
}
