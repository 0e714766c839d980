import { registerHooks } from 'node:module';

/**
 * Loaded with `--import` after tsx: any import of a package named in FORBIDDEN_IMPORTS
 * (comma-separated) fails, so a test can show that a code path never loads them.
 */
const forbidden = new Set((process.env.FORBIDDEN_IMPORTS ?? '').split(',').filter(Boolean));

registerHooks({
  resolve(specifier, context, next) {
    if (forbidden.has(specifier)) throw new Error(`forbidden import of ${specifier} from ${context.parentURL}`);
    return next(specifier, context);
  },
});
