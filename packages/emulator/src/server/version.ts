/** The emulator's version, reported by `/emulator/v1/info` and `--version`. Kept in step with package.json. */
export const VERSION = '0.1.0';
