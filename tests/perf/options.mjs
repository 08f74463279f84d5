// The command line both performance measures take (lighthouse.mjs, first-visit.mjs): the app's
// URL, the backend's origin, the Chromium to use and the number of runs, plus each script's
// own options.

import path from "node:path";
import process from "node:process";

import { CHROME_PATH } from "../chromium.mjs";

/**
 * `own` maps each of the script's options (`--reports`) to its key and kind ("path" values
 * are made absolute; a "flag" takes no value); `defaults` gives any key its default. Exits 2 with `usageLine` on a
 * mistake.
 */
export function parseOptions(argv, script, usageLine, { own = {}, defaults = {} } = {}) {
  const usage = (message) => {
    if (message) console.error(`${script}: ${message}`);
    console.error(`usage: node tests/perf/${script} ${usageLine}`);
    process.exit(2);
  };
  const opts = { app: null, api: null, chrome: CHROME_PATH, runs: 1, ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => argv[++i] ?? usage(`${arg} needs a value`);
    switch (arg) {
      case "--app": opts.app = value(); break;
      case "--api": opts.api = value(); break;
      case "--chrome": opts.chrome = value(); break;
      case "--runs": opts.runs = Number(value()); break;
      case "-h": case "--help": usage(); break;
      default: {
        const option = own[arg] ?? usage(`unknown argument: ${arg}`);
        if (option.kind === "flag") opts[option.key] = true;
        else opts[option.key] = option.kind === "path" ? path.resolve(value()) : value();
      }
    }
  }
  if (!opts.app || !opts.api) usage("--app and --api are required");
  if (!opts.app.endsWith("/")) opts.app += "/";
  opts.api = new URL(opts.api).origin;
  if (!Number.isInteger(opts.runs) || opts.runs < 1 || opts.runs > 9) usage("--runs must be 1-9");
  return opts;
}
