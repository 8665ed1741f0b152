import { UNKNOWN_ORIGIN } from '../../../shared/who.js';
import type { OriginLookup } from '../../http/attribution.js';
export function createOriginLookup(): OriginLookup {
  return { lookup: () => Promise.resolve(UNKNOWN_ORIGIN) };
}
