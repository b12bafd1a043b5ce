#!/usr/bin/env node
// Committed launcher, so that installing from a clone can link the bin before `pnpm build` has
// written dist/ (otherwise pnpm warns "Failed to create bin"). The CLI itself is dist/node/cli.js.
import '../dist/node/cli.js';
