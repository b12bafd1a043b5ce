/**
 * The `Result` type every xorida package returns instead of throwing for expected failures
 * (bad input, bad signature, expired epoch, network down). Programming errors (wrong argument
 * types from untyped JavaScript) may still throw `TypeError`.
 *
 * @module
 */

/** Success: `{ ok: true, value }`. */
export interface Ok<T> {
  readonly ok: true;
  readonly value: T;
}

/** Failure: `{ ok: false, error }`; `error` is a discriminated union on `code`. */
export interface Err<E> {
  readonly ok: false;
  readonly error: E;
}

/** `Ok<T> | Err<E>`: narrow on `result.ok`. */
export type Result<T, E> = Ok<T> | Err<E>;

/**
 * Wraps a value as a success.
 * @param value the result value
 * @returns `{ ok: true, value }`
 */
export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}

/**
 * The one `ok(undefined)`, shared by the internal checks on their success path (they run on
 * every split and reconstruct; a fresh object each time was measurable on 64-byte secrets).
 * Frozen, so no caller can change it.
 * @internal
 */
export const OK_VOID: Ok<void> = Object.freeze({ ok: true, value: undefined });

/**
 * Wraps an error as a failure.
 * @param error the error detail (an object with a stable `code`)
 * @returns `{ ok: false, error }`
 */
export function err<E>(error: E): Err<E> {
  return { ok: false, error };
}

/** The shape every package's error detail extends. */
export interface ErrorDetail<C extends string = string> {
  /** Stable machine-readable code, SCREAMING_SNAKE (e.g. `SHARE_INVALID`). */
  readonly code: C;
  /** Finer reason within `code`, SCREAMING_SNAKE (e.g. `BAD_MAGIC`); the pair prints as `CODE:SUB`. */
  readonly subCode?: string;
  /** Human-readable description of what went wrong. */
  readonly message: string;
  /** What the caller can do about it. */
  readonly hint: string;
  /** The input field at fault, when there is one. */
  readonly field?: string;
  /** Path of the relevant page under docs/, e.g. `docs/errors.md#share_invalid`. */
  readonly docs?: string;
}
