/**
 * Runs autocannon against a URL in this process and prints one JSON line: requests per second and this
 * process's CPU time. Meant to be started pinned to a core (`taskset -c N node dist/bench/lib/autocannon-run.js URL C S`).
 */
import autocannon from 'autocannon';

const [url, connections, seconds] = process.argv.slice(2);
const cpu0 = process.cpuUsage();
const result = await autocannon({ url: url!, connections: Number(connections), duration: Number(seconds), pipelining: 1, method: 'GET' });
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({ requests: result.requests.total, rps: result.requests.total / Number(seconds), non2xx: result.non2xx, errors: result.errors, cpuS: (cpu.user + cpu.system) / 1e6 })}\n`,
);
