/**
 * The shipped drill rules (scenarios/alerts/alerting-drill.rules.yaml) pass Debian's `promtool check rules`, and
 * `promtool test rules` with a synthetic outage: both alerts fire `for:` (2 s) after the first scrape that shows
 * it, and a replica shedding a fifth of the load the whole time pages nobody.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/process-tree.js';

describe('the alerting drill rules', () => {
  it.each([
    ['check', path.join(ROOT, 'scenarios/alerts/alerting-drill.rules.yaml')],
    ['test', path.join(ROOT, 'test/src/alerting/fixtures/alerting-drill.rules.test.yaml')],
  ])('promtool %s rules passes', (verb, file) => {
    expect(execFileSync('promtool', [verb, 'rules', file], { encoding: 'utf8' })).toMatch(/SUCCESS/);
  });
});
