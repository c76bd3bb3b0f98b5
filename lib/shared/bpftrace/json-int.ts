// Arithmetic on JsonInt (records.ts): plain numbers while results stay within
// 2^53, BigInt only when they do not, so the common case costs nothing extra.
import type { JsonInt } from "./records.ts";

const INTEGER_TEXT = /^-?\d+$/;

function fromBigInt(value: bigint): JsonInt {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

/** The JsonInt for an integer read from JSON (a number, or a decimal string), or undefined if it is not an integer. */
export function toJsonInt(value: unknown): JsonInt | undefined {
  if (typeof value === "number") {
    if (Number.isSafeInteger(value)) return value;
    // An integer double beyond 2^53 is exact (e.g. 2^60): keep its exact decimal form.
    return Number.isInteger(value) ? BigInt(value).toString() : undefined;
  }
  if (typeof value === "string" && INTEGER_TEXT.test(value)) return fromBigInt(BigInt(value));
  return undefined;
}

export function addJsonInts(a: JsonInt, b: JsonInt): JsonInt {
  if (typeof a === "number" && typeof b === "number") {
    const sum = a + b;
    if (Number.isSafeInteger(sum)) return sum;
  }
  return fromBigInt(BigInt(a) + BigInt(b));
}

export function subtractJsonInts(a: JsonInt, b: JsonInt): JsonInt {
  if (typeof a === "number" && typeof b === "number") {
    const difference = a - b;
    if (Number.isSafeInteger(difference)) return difference;
  }
  return fromBigInt(BigInt(a) - BigInt(b));
}

export function isLessThan(a: JsonInt, b: JsonInt): boolean {
  return typeof a === "number" && typeof b === "number" ? a < b : BigInt(a) < BigInt(b);
}
