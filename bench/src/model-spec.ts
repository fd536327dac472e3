import { MODEL_KINDS, type ModelConfig, type ModelKind } from '@fm/layers';

/** A model kind with `ModelConfig` overrides, from a spec `kind` or `kind:key=value,…` (values are JSON). */
export interface ModelSpec {
  kind: ModelKind;
  overrides: Partial<ModelConfig>;
}

/** Parses `kind` or `kind:key=value,…`, e.g. `dcn-v2:crossRank=64` or `fibinet:hiddenUnits=[32,16]`; throws on an unknown kind or a bad pair. */
export function parseModelSpec(text: string): ModelSpec {
  const [kind, rest] = text.split(':', 2) as [string, string | undefined];
  if (!(MODEL_KINDS as readonly string[]).includes(kind)) throw new Error(`--models: unknown kind '${kind}', expected one of ${MODEL_KINDS.join(', ')}`);
  const overrides: Record<string, unknown> = {};
  // commas inside [...] belong to a JSON array value (`hiddenUnits=[32,16]`)
  for (const pair of rest ? (rest.match(/(?:\[[^\]]*\]|[^,])+/g) ?? []) : []) {
    const [key, value] = pair.split('=', 2);
    if (!key || value === undefined) throw new Error(`--models: expected key=value in '${text}', got '${pair}'`);
    overrides[key] = JSON.parse(value);
  }
  return { kind: kind as ModelKind, overrides: overrides as Partial<ModelConfig> };
}

/**
 * Splits a `--models` list: kinds separated by commas, specs with overrides (`kind:key=value,…`) separated from
 * the rest by `;` or spaces. Every entry is checked with {@link parseModelSpec}.
 */
export function splitModelList(list: string): string[] {
  const models = list
    .split(/[\s;]+/)
    .flatMap((m) => (m.includes(':') ? [m] : m.split(',')))
    .filter(Boolean);
  models.forEach(parseModelSpec); // fail fast on a bad name
  return models;
}
