/**
 * The problems a scenario that must be rejected lists (parsed as `bad.yaml`, so each problem reads
 * `bad.yaml:LINE: path: message`); any other outcome fails the test.
 */
import { GauntletError } from '../../src/errors.js';
import { parseScenario } from '../../src/scenario/parse-scenario.js';

/** scenarioProblems parses `text` as bad.yaml and returns the problems it was rejected with. */
export function scenarioProblems(text: string, baseDir = '.'): string[] {
  try {
    parseScenario(text, { file: 'bad.yaml', baseDir });
  } catch (err) {
    if (err instanceof GauntletError && err.code === 'GAUNTLET_ERR_INVALID_CONFIG') return err.details;
    throw err;
  }
  throw new Error('expected the scenario to be rejected');
}
