#!/usr/bin/env node
import { runCli } from '../dist/cli/main.js'

const args = process.argv.slice(2)
const code = await runCli(args)
// `start` keeps the process alive; every other command ends here.
if (args[0] !== 'start') process.exit(code)
else if (code !== 0) process.exit(code)
