/**
 * The suite runs as two vitest processes at once (test/run-tests.mjs), each one file at a time:
 * - `e2e`: every file that starts a server, a child process, a browser or a worker, or reads a clock or sets a
 *   timer — the files whose figures depend on the machine. They run one at a time, as they always have;
 * - `side`: the rest (parsers, writers, statistics, schemas, fixtures), which measure nothing about the machine.
 *   They run beside the e2e files, so that their start-up and imports are not on the suite's critical path.
 * A file is put in `side` only when none of E2E_MARKS appears in it: a new test that does one of those things
 * runs with the e2e files by default. SIDE_DRILLS are the exceptions that judge nothing the other process could
 * disturb: the alerting drill (its bounds follow the scrape intervals Prometheus itself measured in that run), the
 * browser layout tests, the gate end to end and the CI example (interleaved repetitions, made to decide right on a
 * busy machine), and files whose real servers and runs are judged on answers, files and exit codes, not on time.
 * The two processes' shares are kept about even (each about 9–10 minutes on a 2-core runner), since the suite
 * takes as long as the longer one.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const ALL = 'test/**/*.test.ts';
/** What makes a test file depend on the machine: servers, processes, browsers, threads, clocks and timers. */
const E2E_MARKS = /startTestServer|startHttpRouter|startReplica|Supervisor|http\.request|http\.get|fetch\(|net\.connect|serveCli|gauntlet\(|spawn|fork\(|exec(File)?(Sync)?\(|new Worker|runPlan|runSweep|withBrowser|chromium|startServer|startCluster|createServer|listen\(|startCpuHog|cpu-hog|setTimeout|setInterval|performance\.now|Date\.now|hrtime|useFakeTimers|runProfile|measure|promtool|kubectl/;
const SIDE_DRILLS = [
  'test/src/alerting/alerting-drill-e2e.test.ts',
  // Layout in Chromium: what fits at 1000 and 1400 px, not how fast.
  'test/src/report/html-browser.test.ts',
  'test/src/report/at-a-glance-browser.test.ts',
  'test/src/report/characterize-browser.test.ts',
  'test/src/report/profile-browser.test.ts',
  // The gate on six interleaved repetitions a side, built to give the right verdict on a busy machine.
  'test/src/compare/gate-e2e.test.ts',
  // A rate search judged on TTFT bounds far apart (60 s against 1 µs), and a queue of 1 against one of 64.
  'test/src/sweep/llm-search-e2e.test.ts',
  // What the command line prints: its usage, and the load errors of execution providers this machine lacks.
  'test/src/cli/usage-cli.test.ts',
  'test/src/cli/gpu-provider-output.test.ts',
  // The CI example's gate: six interleaved repetitions a side beside a CPU hog, and beside the e2e files too,
  // as a job on a shared runner runs beside other tenants.
  'test/examples/ci-example.test.ts',
  // Real servers and real runs whose assertions are about answers, files and exit codes, not time: what is
  // checked, refused, merged, rendered or served is the same on a busy machine.
  'test/src/targets/checked-answers.test.ts',
  'test/src/targets/tls-targets.test.ts',
  'test/src/targets/target-headers.test.ts',
  'test/src/sweep/external-sweep.test.ts',
  'test/reference-server/config.test.ts',
  'test/reference-server/models.test.ts',
  'test/reference-server/model-control.test.ts',
  'test/reference-server/malformed-fuzz-http.test.ts',
  'test/reference-server/malformed-fuzz-grpc.test.ts',
  'test/src/cli/merge-cli.test.ts',
  'test/src/cli/merge-real-cli.test.ts',
  'test/src/cli/characterize-cli.test.ts',
  'test/src/cli/hostile-files.test.ts',
  'test/src/cli/report-out-cli.test.ts',
];
for (const f of SIDE_DRILLS) if (!existsSync(f)) throw new Error(`vitest.config.ts: SIDE_DRILLS names ${f}, which is not there`);
const SIDE = readdirSync('test', { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => `test/${f.split('\\').join('/')}`)
  .filter((f) => !E2E_MARKS.test(readFileSync(f, 'utf8')) || SIDE_DRILLS.includes(f));

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    globalSetup: ['test/global-setup.ts'],
    projects: [
      { extends: true, test: { name: 'e2e', include: [ALL], exclude: SIDE } },
      { extends: true, test: { name: 'side', include: SIDE.length ? SIDE : ['no-side-files'] } },
    ],
  },
});
