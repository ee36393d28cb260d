/**
 * The bundled model zoo: the families by name, and the model names of their precision variants.
 */
import { CNN } from './cnn.js';
import { ENCODER } from './encoder.js';
import type { ModelFamily } from './family.js';
import type { Precision } from './layers.js';
import { MLP } from './mlp.js';

export { buildCnn, CNN, CNN_DEFAULTS, type CnnOptions } from './cnn.js';
export { buildEncoder, ENCODER, ENCODER_DEFAULTS, type EncoderOptions } from './encoder.js';
export type { FamilyOptions, ModelFamily, TensorSpec } from './family.js';
export { isPrecision, PRECISIONS, type Precision } from './layers.js';
export { buildMlp, MLP, MLP_DEFAULTS, type MlpOptions } from './mlp.js';

/** FAMILIES holds every model family by name, in repository order. */
export const FAMILIES: Readonly<Record<string, ModelFamily>> = {
  mlp: MLP,
  encoder: ENCODER,
  cnn: CNN,
};

/** FAMILY_NAMES lists the family names in repository order. */
export const FAMILY_NAMES: readonly string[] = Object.keys(FAMILIES);

/** familyByName returns a family or throws naming the known ones. */
export function familyByName(name: string): ModelFamily {
  const family = FAMILIES[name];
  if (family === undefined) throw new Error(`unknown model family ${name} (known: ${FAMILY_NAMES.join(', ')})`);
  return family;
}

/** variantName is a variant's model name: the family name for fp32, else `<family>_<precision>`. */
export function variantName(family: string, precision: Precision): string {
  return precision === 'fp32' ? family : `${family}_${precision}`;
}
