/**
 * Argument parsers the modelguard CLI shares across commands for storage modes and node specs,
 * kept out of cli-program.ts so that command modules can import them.
 *
 * @module
 */
import { InvalidArgumentError } from 'commander';

/**
 * Parses `--mode`.
 * @param v `ideal` or `compact`
 * @returns the mode
 * @throws InvalidArgumentError (commander prints it, exit 2) for anything else
 */
export function parseMode(v: string): 'ideal' | 'compact' {
  if (v !== 'ideal' && v !== 'compact') throw new InvalidArgumentError('expected ideal or compact');
  return v;
}
