/**
 * Vitest global setup: nothing to start; tests build their own small model repositories (test/helpers/test-repo.ts)
 * and start every server they need on port 0. Kept so suites can later share one-time preparation.
 */
export default function setup(): void {}
