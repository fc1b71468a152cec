import * as path from 'node:path';

/**
 * The environment for every child process the harness starts (npm, node, n8n, bash).
 *
 * Built on purpose from `process.env`: under `npm run`, npm exports each of its settings to
 * its children as `npm_config_*` (the project's `.npmrc` `ignore-scripts=true` becomes
 * `npm_config_ignore_scripts=true`, the machine's `nodedir=/usr` becomes
 * `npm_config_nodedir=/usr`), plus `npm_package_*`, `npm_lifecycle_*`, `npm_execpath`,
 * `INIT_CWD` and `NODE`. A child `npm` would take all of that as its own configuration (a
 * `npm rebuild sqlite3` then compiles nothing and still reports success), so every `npm_*`
 * variable (any case: npm also reads `NPM_CONFIG_*`) is dropped. Then:
 *
 * - kept, as `npm_config_<name>`: only where npm's package cache is and how npm reaches the
 *   registry (NPM_SETTINGS_KEPT: cache, registry and scoped registries, proxies, CA, user
 *   config file), so a child npm fetches the way the caller's npm does;
 * - with `nodeBin`: that folder first on PATH and `npm_config_nodedir` pointing at its Node
 *   (headers for node-gyp);
 * - `npm_config_audit`, `npm_config_fund`, `npm_config_update_notifier` off;
 * - `drop`: further variables to leave out (e.g. the caller's `N8N_*` for n8n itself);
 * - `set`: anything else, applied last.
 */
export function harnessEnv(
	opts: { nodeBin?: string; set?: NodeJS.ProcessEnv; drop?: RegExp } = {},
): NodeJS.ProcessEnv {
	const inherited = process.env;
	const env: NodeJS.ProcessEnv = {};
	const keptNpm: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries(inherited)) {
		if (value === undefined) continue;
		const setting = /^npm_config_(.+)$/i.exec(key)?.[1].toLowerCase().replace(/-/g, '_');
		if (setting && (NPM_SETTINGS_KEPT.has(setting) || setting.endsWith(':registry'))) {
			keptNpm[`npm_config_${setting}`] = value;
			continue;
		}
		if (/^npm_/i.test(key) || key === 'INIT_CWD') continue;
		// npm sets NODE to the node that runs npm (the machine's Node 20 here).
		if (key === 'NODE' && inherited.npm_node_execpath && value === inherited.npm_node_execpath) continue;
		if (opts.drop?.test(key)) continue;
		env[key] = value;
	}
	if (opts.nodeBin) {
		const rest = (env.PATH ?? '').split(path.delimiter).filter((p) => p && p !== opts.nodeBin);
		env.PATH = [opts.nodeBin, ...rest].join(path.delimiter);
		env.npm_config_nodedir = path.dirname(opts.nodeBin);
	}
	Object.assign(env, keptNpm);
	env.npm_config_audit = 'false';
	env.npm_config_fund = 'false';
	env.npm_config_update_notifier = 'false';
	return { ...env, ...(opts.set ?? {}) };
}

/**
 * npm settings (lower case, `_` for `-`) that harnessEnv passes on: where the package cache
 * is and how to reach the registry. Nothing that changes what npm installs or runs.
 */
const NPM_SETTINGS_KEPT = new Set([
	'cache',
	'registry',
	'userconfig',
	'proxy',
	'https_proxy',
	'noproxy',
	'cafile',
	'ca',
	'strict_ssl',
]);
