/**
 * RunLens's version: package.json's, read once at build time (esbuild inlines the JSON), for the
 * extension, the command line and anything else that says it. The Python client's `__version__`
 * is checked against it by a unit test.
 */
import { version } from '../../package.json';

export const VERSION: string = version;
