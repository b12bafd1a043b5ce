#!/usr/bin/env node
/**
 * `modelguard` executable: the CLI kit's `runAsMain` runs `runCli` with the process arguments.
 *
 * @module
 */
import { runAsMain } from '@xorida/agent-sdk/node';
import { runCli } from './cli-program.js';

runAsMain('modelguard', runCli);
