/** `uuid.*` (https://cloud.google.com/workflows/docs/reference/stdlib/uuid/generate). IDs come from the injected IdSource so tests can fix them. */
import { pure, type StdlibMember } from './registry.js';

export function uuidFunctions(): StdlibMember[] {
  return [pure('uuid.generate', [], (_args, ctx) => ctx.ids.uuid())];
}
