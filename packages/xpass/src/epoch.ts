/**
 * Epochs: the period one connection secret lives. Epoch `e` covers
 * `[e * epochMs, (e + 1) * epochMs)` of Unix time; its share is valid (and the billing server
 * issues it) from `overlapMs` before the epoch starts until `overlapMs` after it ends, so during
 * each boundary's overlap window the old and the new epoch's shares are both accepted.
 *
 *   share of epoch e usable in  [e*epochMs - overlapMs, (e+1)*epochMs + overlapMs)
 *   before that -> EPOCH_NOT_READY; at or after the end -> EPOCH_EXPIRED
 *
 * Defaults: 24 h epochs, 15 min overlap. Epoch length and overlap are whole
 * seconds (they travel as uint32 seconds in the share envelope), overlap < epoch / 2.
 *
 * Pitfall: validity is checked against the verifier's clock; clocks skewed by more than the
 * overlap make fresh shares look not-ready or expired. Pass `now` explicitly in tests.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { type XpassError, xpassErr } from './errors.js';

/** Default epoch length: 24 h in milliseconds. */
export const DEFAULT_EPOCH_MS = 24 * 60 * 60 * 1000;
/** Default overlap: 15 min in milliseconds. */
export const DEFAULT_OVERLAP_MS = 15 * 60 * 1000;
/** Largest epoch number (uint32 in the envelope). */
export const MAX_EPOCH = 0xffff_ffff;

/** Epoch timing, both in milliseconds, whole seconds. */
export interface EpochConfig {
  /** Epoch length in ms: a whole number of seconds, 1 s .. 2^32-1 s. Default 86 400 000 (24 h). */
  readonly epochMs: number;
  /** Overlap in ms: a whole number of seconds, 0 .. < epochMs / 2. Default 900 000 (15 min). */
  readonly overlapMs: number;
}

/** The time window of one epoch, all Unix milliseconds. */
export interface EpochWindow {
  readonly epoch: number;
  /** First millisecond of the epoch. */
  readonly startMs: number;
  /** First millisecond after the epoch. */
  readonly endMs: number;
  /** From when its share is issued and accepted (`startMs - overlapMs`). */
  readonly validFromMs: number;
  /** First millisecond its share is no longer accepted (`endMs + overlapMs`). */
  readonly validUntilMs: number;
}

/**
 * Validates and completes an epoch configuration.
 * @param input `{ epochMs?, overlapMs? }` in milliseconds (whole seconds)
 * @returns the config or `INVALID_INPUT` (field `epochMs` / `overlapMs`)
 */
export function epochConfig(input: Partial<EpochConfig> = {}): Result<EpochConfig, XpassError> {
  const epochMs = input.epochMs ?? DEFAULT_EPOCH_MS;
  const overlapMs = input.overlapMs ?? DEFAULT_OVERLAP_MS;
  if (
    !Number.isInteger(epochMs) ||
    epochMs % 1000 !== 0 ||
    epochMs < 1000 ||
    epochMs / 1000 > 0xffff_ffff
  )
    return xpassErr('INVALID_INPUT', 'epochMs must be a whole number of seconds, 1 s .. 2^32-1 s', {
      field: 'epochMs',
    });
  if (
    !Number.isInteger(overlapMs) ||
    overlapMs % 1000 !== 0 ||
    overlapMs < 0 ||
    overlapMs * 2 >= epochMs
  )
    return xpassErr(
      'INVALID_INPUT',
      'overlapMs must be a whole number of seconds, 0 .. below half the epoch',
      { field: 'overlapMs' },
    );
  return ok({ epochMs, overlapMs });
}

/**
 * The epoch containing `nowMs`.
 * @param nowMs Unix time in ms
 * @param config epoch timing
 * @returns `floor(nowMs / epochMs)`, or `INVALID_INPUT` when it does not fit uint32
 */
export function epochAt(nowMs: number, config: EpochConfig): Result<number, XpassError> {
  const e = Math.floor(nowMs / config.epochMs);
  if (!Number.isFinite(e) || e < 0 || e > MAX_EPOCH)
    return xpassErr('INVALID_INPUT', 'the time is outside the uint32 epoch range', {
      field: 'now',
    });
  return ok(e);
}

/**
 * The window of epoch `epoch`.
 * @returns start/end and share validity bounds in Unix ms (see module doc)
 */
export function epochWindow(epoch: number, config: EpochConfig): EpochWindow {
  const startMs = epoch * config.epochMs;
  const endMs = startMs + config.epochMs;
  return {
    epoch,
    startMs,
    endMs,
    validFromMs: startMs - config.overlapMs,
    validUntilMs: endMs + config.overlapMs,
  };
}

/**
 * Checks that a share of `epoch` is usable at `nowMs`.
 * @returns `ok(window)`, `EPOCH_NOT_READY` (before `validFromMs`) or `EPOCH_EXPIRED` (at or after
 *   `validUntilMs`), both with `metadata.epoch`
 */
export function checkEpochWindow(
  epoch: number,
  config: EpochConfig,
  nowMs: number,
): Result<EpochWindow, XpassError> {
  const w = epochWindow(epoch, config);
  if (nowMs < w.validFromMs)
    return xpassErr(
      'EPOCH_NOT_READY',
      `epoch ${epoch} is not valid before ${new Date(w.validFromMs).toISOString()}`,
      {
        metadata: { epoch, validFromMs: w.validFromMs },
      },
    );
  if (nowMs >= w.validUntilMs)
    return xpassErr(
      'EPOCH_EXPIRED',
      `epoch ${epoch} expired at ${new Date(w.validUntilMs).toISOString()}`,
      {
        metadata: { epoch, epochNumber: epoch, validUntilMs: w.validUntilMs },
      },
    );
  return ok(w);
}
