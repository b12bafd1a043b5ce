#!/usr/bin/env node
/**
 * `xlink` executable: runs `runCli` with the process arguments and exits with its code.
 *
 * @module
 */
import { runAsMain } from '../cli-kit/io.js';
import { runCli } from './program.js';

runAsMain('xlink', runCli);
