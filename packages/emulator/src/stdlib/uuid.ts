/** `uuid.*` (reference §3.14). IDs come from the injected IdSource so tests can fix them. */
import { pure, type StdlibMember } from './registry.js';

export function uuidFunctions(): StdlibMember[] {
  return [pure('uuid.generate', [], (_args, ctx) => ctx.ids.uuid())];
}
