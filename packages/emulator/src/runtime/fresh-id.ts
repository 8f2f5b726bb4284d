/**
 * The ID of a registration (a stub, a step mock): the wanted one, once `release` has freed it,
 * else the first of `next()` that is not `taken`.
 */
export function claimId(
  wanted: string | undefined,
  next: () => string,
  taken: (id: string) => boolean,
  release: (id: string) => void,
): string {
  if (wanted !== undefined) {
    release(wanted);
    return wanted;
  }
  let id: string;
  do id = next();
  while (taken(id));
  return id;
}
