import { runCli } from './cli/main.js'

// `npm start`: the same as `warden start`, with the same one-line start errors and exit codes.
const outcome = await runCli(['start', ...process.argv.slice(2)])
if (!outcome.serving) process.exit(outcome.code)
