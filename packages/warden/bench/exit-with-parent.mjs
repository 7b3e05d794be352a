// Preloaded into each of the bench's children (node --import): if the bench dies without
// stopping them (SIGKILL, a crash), the child sends itself SIGTERM and shuts down as usual.
const parent = process.ppid
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM')
}, 500).unref()
