#!/usr/bin/env node
// The `payments` CLI (see README). Runs the built code: `npm run build` first.
require('../dist/src/cli.js');
