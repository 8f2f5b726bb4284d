/** The message of a failed assertion, without colours (throws when the assertion passes). */
export function failureOf(assertion: () => void): string {
  try {
    assertion();
  } catch (err) {
    // eslint-disable-next-line no-control-regex
    return (err as Error).message.replace(/\u001b\[\d+m/g, '');
  }
  throw new Error('the assertion passed');
}
