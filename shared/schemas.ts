// The API families memex tells apart, as every process names them: ids, their order, the ones
// always listed, and their display names. Detection (which family a path speaks) is proxy-core's (http/schema.ts).

/** The API family a request speaks. */
export type SchemaId =
  | 'anthropic'
  | 'openai'
  | 'openai-responses'
  | 'openai-realtime'
  | 'gemini'
  | 'gemini-live'
  | 'ollama'
  | 'unknown';

/** Every schema, in the order the UI lists them. */
export const SCHEMAS: readonly SchemaId[] = [
  'anthropic',
  'openai',
  'openai-responses',
  'openai-realtime',
  'gemini',
  'gemini-live',
  'ollama',
  'unknown',
];

/** Schemas the tray menu and the dashboard list even before any traffic: the default upstreams. */
export const ALWAYS_SHOWN: readonly SchemaId[] = ['anthropic', 'openai'];

/** Display names, as the tray menu and the dashboard write them. */
export const SCHEMA_LABELS: Readonly<Record<SchemaId, string>> = {
  anthropic: 'Anthropic',
  openai: 'OpenAI',
  'openai-responses': 'OpenAI Responses',
  'openai-realtime': 'OpenAI Realtime',
  gemini: 'Gemini',
  'gemini-live': 'Gemini Live',
  ollama: 'Ollama',
  unknown: 'Other',
};
