/** Runs the CLI from source (`node --import tsx src/cli-entry.ts`), as the `bin` runs `dist/cli.js`. */
import { main } from './cli.js';

process.exitCode = await main(process.argv.slice(2));
