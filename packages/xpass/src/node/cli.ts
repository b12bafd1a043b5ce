#!/usr/bin/env node
/**
 * `xpass` executable: the CLI kit's `runAsMain` runs `runCli` with the process arguments.
 *
 * @module
 */
import { runAsMain } from '@xorida/agent-sdk/node';
import { runCli } from './cli-program.js';

runAsMain('xpass', runCli);
