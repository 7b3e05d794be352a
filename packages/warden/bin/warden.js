#!/usr/bin/env node
import { runCli } from '../dist/cli/main.js'

const outcome = await runCli(process.argv.slice(2))
// `start` keeps the process alive while it serves; every other command ends here.
if (!outcome.serving) process.exit(outcome.code)
