/**
 * Preloaded into a measured server (`node -r dist-bench/lib/probe.js …`, or
 * imported): when the process has an IPC channel, it answers any message with
 * its process.cpuUsage() and RSS, so the bench reads the server's own CPU time.
 * The channel does not keep the process alive.
 */
if (process.send) {
  process.on('message', () => {
    const cpu = process.cpuUsage();
    process.send?.({ cpuMs: (cpu.user + cpu.system) / 1000, rss: process.memoryUsage().rss });
  });
  process.channel?.unref();
}
