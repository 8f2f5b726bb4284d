/** `list.*` (https://cloud.google.com/workflows/docs/reference/stdlib/list/concat). Both return a new list; the input is never changed. */
import type { Value, WfList } from '../values/types.js';
import { param, pure, type StdlibMember } from './registry.js';

export function listFunctions(): StdlibMember[] {
  return [
    // `val` is one element even when it is itself a list (conformance case 069).
    pure('list.concat', [param('objs', 'list'), param('val')], ([objs, val]): Value => [
      ...(objs as WfList),
      val ?? null,
    ]),
    pure('list.prepend', [param('objs', 'list'), param('val')], ([objs, val]): Value => [
      val ?? null,
      ...(objs as WfList),
    ]),
  ];
}
